package org.nnpan.pruning;

import org.nnpan.autograd.Autograd;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/**
 * Panning's fusion of several saliency indices into one ranking (method document §3): each index is normalised
 * over all layers together to an absolute z-score, then the three are combined with per-step {@link IndexWeights}.
 * Higher fused scores are kept.
 */
public enum IndexFusion {
    /** S = a·ŝ_SynFlow + b·ŝ_SNIP + c·ŝ_GraSP: the scheme of the paper and of the panning agent. */
    ADDITIVE {
        @Override
        Tensor fuse(Tensor synflow, Tensor snip, Tensor grasp, IndexWeights w) {
            return synflow.mul(w.synflow()).add(snip.mul(w.snip())).add(grasp.mul(w.grasp()));
        }
    },
    /** S = ŝ_SynFlow^a · ŝ_SNIP^b · ŝ_GraSP^c: the reference code's variant; an exponent of 0 ignores the index. */
    MULTIPLICATIVE {
        @Override
        Tensor fuse(Tensor synflow, Tensor snip, Tensor grasp, IndexWeights w) {
            return power(synflow, w.synflow()).mul(power(snip, w.snip())).mul(power(grasp, w.grasp()));
        }

        /** x^e with x^0 = 1 even where x = 0, so a zero exponent really drops the index. */
        private static Tensor power(Tensor x, double exponent) {
            return exponent == 0 ? x.scalarLike(1) : x.pow(exponent);
        }
    };

    /**
     * The absolute z-score ŝ = |s − mean(s)| / std(s) of {@code raw}, mean and population standard deviation taken
     * over all N scores of all layers. Computed in float64: SynFlow scores can be large enough that their squares
     * leave float32's range. If every score is the same (std = 0) every ŝ is 0, so the index cannot sway the
     * ranking.
     */
    public static Scores normalise(Scores raw) {
        return raw.map(IndexFusion::absoluteZScore);
    }

    /**
     * The fused ranking of three raw indices, each {@link #normalise normalised} first, in the current scope.
     *
     * @throws IllegalArgumentException if the indices do not share one layout
     */
    public Scores combine(Scores synflow, Scores snip, Scores grasp, IndexWeights weights) {
        WeightLayout layout = synflow.layout();
        if (!snip.layout().sameAs(layout) || !grasp.layout().sameAs(layout)) {
            throw new IllegalArgumentException("indices to fuse have different layouts: " + layout + ", "
                    + snip.layout() + ", " + grasp.layout());
        }
        return synflow.map(s -> fuse(absoluteZScore(s), absoluteZScore(snip.flat()), absoluteZScore(grasp.flat()),
                weights));
    }

    /** The fused float64 vector of three absolute z-score vectors. */
    abstract Tensor fuse(Tensor synflow, Tensor snip, Tensor grasp, IndexWeights weights);

    private static Tensor absoluteZScore(Tensor s) {
        return zScore(s).abs();
    }

    /** (s − mean(s)) / std(s) in float64, population std over all elements; s − mean(s) where std = 0. */
    static Tensor zScore(Tensor s) {
        try (Autograd.GradMode _ = Autograd.noGrad()) {
            Tensor x = s.to(DType.F64);
            Tensor centred = x.sub(x.mean().item());
            double std = Math.sqrt(centred.mul(centred).mean().item());
            return std > 0 ? centred.div(std) : centred;
        }
    }
}
