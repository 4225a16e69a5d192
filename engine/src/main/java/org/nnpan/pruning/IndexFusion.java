package org.nnpan.pruning;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.nnpan.kernels.elementwise.Elementwise;
import org.nnpan.kernels.elementwise.ElementwiseKernels;
import org.nnpan.tensor.Tensor;

/**
 * Panning's fusion of several saliency indices into one ranking (method document §3): each index is normalised
 * over all layers together to an absolute z-score, then the three are combined with per-step {@link IndexWeights}.
 * Higher fused scores are kept.
 *
 * <p>Normalisation and fusion run as loops over the N scores, in float64: one pass over the three indices for their
 * {@link Moments} and one pass for the result (the additive one an element-wise kernel), instead of a dozen tensor ops
 * over N elements each (which cost more than the top-k itself on LeNet-5). The arithmetic per element is that of the
 * formulas, in the order they are written.
 */
public enum IndexFusion {
    /**
     * S = a·ŝ_SynFlow + b·ŝ_SNIP + c·ŝ_GraSP: the scheme of the paper and of the panning agent. One element-wise kernel
     * pass ({@link Elementwise#fuseAbsZScoresF32}, the Vector API where available: this fusion was the largest share
     * of the caller's side of a two-thread panning step outside the network passes), with the arithmetic and the bits
     * of the formula.
     */
    ADDITIVE {
        @Override
        void fuseInto(FlatView out, FlatView synflow, FlatView snip, FlatView grasp, Moments[] m, IndexWeights w,
                      int n) {
            ELEMENTWISE.fuseAbsZScoresF32(out.segment(), out.offset(), synflow.segment(), synflow.offset(),
                    snip.segment(), snip.offset(), grasp.segment(), grasp.offset(),
                    new double[] {m[0].mean, m[1].mean, m[2].mean},
                    new double[] {m[0].scale(), m[1].scale(), m[2].scale()},
                    new double[] {w.synflow(), w.snip(), w.grasp()}, n);
        }
    },
    /** S = ŝ_SynFlow^a · ŝ_SNIP^b · ŝ_GraSP^c: the reference code's variant; an exponent of 0 ignores the index. */
    MULTIPLICATIVE {
        @Override
        void fuseInto(FlatView out, FlatView synflow, FlatView snip, FlatView grasp, Moments[] m, IndexWeights w,
                      int n) {
            for (FlatView.Blocks b = new FlatView.Blocks(0, n); b.next(); ) {
                synflow.read(b, b.x);
                snip.read(b, b.y);
                grasp.read(b, b.z);
                for (int k = 0; k < b.length(); k++) {
                    b.x[k] = power(m[0].absoluteZScore(b.x[k]), w.synflow())
                            * power(m[1].absoluteZScore(b.y[k]), w.snip())
                            * power(m[2].absoluteZScore(b.z[k]), w.grasp());
                }
                out.write(b, b.x);
            }
        }

        /** x^e with x^0 = 1 even where x = 0, so a zero exponent really drops the index. */
        private static double power(double x, double exponent) {
            return exponent == 0 ? 1 : Math.pow(x, exponent);
        }
    };

    private static final Elementwise ELEMENTWISE = ElementwiseKernels.best();

    /**
     * The absolute z-score ŝ = |s − mean(s)| / std(s) of {@code raw}, mean and population standard deviation taken
     * over all N scores of all layers. Computed in float64: SynFlow scores can be large enough that their squares
     * leave float32's range. If every score is the same (std = 0) every ŝ is 0, so the index cannot sway the
     * ranking.
     */
    public static Scores normalise(Scores raw) {
        Moments m = Moments.of(raw.flat());
        Scores out = Scores.allocate(raw.layout());
        MemorySegment in = raw.flat().storage().segment();
        MemorySegment dst = out.flat().storage().segment();
        long from = raw.flat().offset();
        long to = out.flat().offset();
        for (long i = 0, n = raw.layout().numel(); i < n; i++) {
            dst.setAtIndex(ValueLayout.JAVA_FLOAT, to + i,
                    (float) m.absoluteZScore(in.getAtIndex(ValueLayout.JAVA_FLOAT, from + i)));
        }
        return out;
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
        Moments[] moments = Moments.ofThree(synflow.flat(), snip.flat(), grasp.flat());
        Scores out = Scores.allocate(layout);
        fuseInto(FlatView.of(out.flat(), "fused scores"), FlatView.of(synflow.flat(), "synflow scores"),
                FlatView.of(snip.flat(), "snip scores"), FlatView.of(grasp.flat(), "grasp scores"), moments, weights,
                Math.toIntExact(layout.numel()));
        return out;
    }

    /**
     * Writes the fused float32 value of each of the {@code n} weights, from the three float32 indices and their
     * moments.
     */
    abstract void fuseInto(FlatView out, FlatView synflow, FlatView snip, FlatView grasp, Moments[] moments,
                           IndexWeights weights, int n);

    /**
     * Mean and population standard deviation of one index over all its scores, summed in float64 in index order.
     *
     * @param mean mean(s)
     * @param std  sqrt(mean((s − mean(s))²))
     */
    record Moments(double mean, double std) {
        /** The moments of the float32 vector {@code flat} (contiguous, as {@link Scores#flat()} is). */
        static Moments of(Tensor flat) {
            return ofThree(flat, flat, flat)[0];
        }

        /**
         * {@link #of} of three vectors of one length: each one's sums in index order, as {@link #of} adds them, but
         * the three chains in one loop, so they overlap. A chain of dependent float64 adds runs at the adder's
         * latency; on LeNet-5 (431,080 weights) the three moments one after the other were 3 % of an environment
         * step.
         */
        static Moments[] ofThree(Tensor a, Tensor b, Tensor c) {
            MemorySegment sa = a.storage().segment();
            MemorySegment sb = b.storage().segment();
            MemorySegment sc = c.storage().segment();
            long oa = a.offset();
            long ob = b.offset();
            long oc = c.offset();
            long n = a.numel();
            double sumA = 0;
            double sumB = 0;
            double sumC = 0;
            for (long i = 0; i < n; i++) {
                sumA += sa.getAtIndex(ValueLayout.JAVA_FLOAT, oa + i);
                sumB += sb.getAtIndex(ValueLayout.JAVA_FLOAT, ob + i);
                sumC += sc.getAtIndex(ValueLayout.JAVA_FLOAT, oc + i);
            }
            double meanA = sumA / n;
            double meanB = sumB / n;
            double meanC = sumC / n;
            double squaresA = 0;
            double squaresB = 0;
            double squaresC = 0;
            for (long i = 0; i < n; i++) {
                double centredA = sa.getAtIndex(ValueLayout.JAVA_FLOAT, oa + i) - meanA;
                double centredB = sb.getAtIndex(ValueLayout.JAVA_FLOAT, ob + i) - meanB;
                double centredC = sc.getAtIndex(ValueLayout.JAVA_FLOAT, oc + i) - meanC;
                squaresA += centredA * centredA;
                squaresB += centredB * centredB;
                squaresC += centredC * centredC;
            }
            return new Moments[] {new Moments(meanA, Math.sqrt(squaresA / n)),
                    new Moments(meanB, Math.sqrt(squaresB / n)), new Moments(meanC, Math.sqrt(squaresC / n))};
        }

        /** (s − mean) / std, or s − mean where std = 0. */
        double zScore(double s) {
            return (s - mean) / scale();
        }

        /** The divisor of {@link #zScore}: std, or 1 where std = 0 (x / 1 is x, bit for bit). */
        double scale() {
            return std > 0 ? std : 1;
        }

        /** |{@link #zScore}|. */
        double absoluteZScore(double s) {
            return Math.abs(zScore(s));
        }
    }
}
