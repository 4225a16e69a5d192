package org.nnpan.pruning;

import org.nnpan.autograd.Autograd;
import org.nnpan.nn.Module;
import org.nnpan.nn.Parameter;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/**
 * SynFlow's synaptic saliency θ₀ ⊙ ∂R/∂w, data-free. R is the sum of the outputs of a float64 copy of the network
 * whose prunable weights are |θ₀⊙m| (the current mask applied), whose other parameters and BatchNorm running
 * statistics are replaced by their absolute values, with BatchNorm in evaluation mode, fed one all-ones input
 * [1, C, H, W]. Every ∂R/∂w is ≥ 0, so |score| is the classic |θ|·∂R/∂|θ|; rank it with
 * {@link ScoreRule#ABSOLUTE}.
 *
 * <p>The derivative is taken with respect to the effective weight, so a pruned weight still gets the flow it would
 * carry if it came back. Products of absolute weights over many layers leave float32's range quickly, hence the
 * float64 copy; if the largest score still does not fit float32 comfortably (beyond 2^±100), all scores are scaled
 * by one power of two, which is exact and changes no ranking.
 */
public final class SynFlowSaliency implements Saliency {
    private static final int MAX_EXPONENT = 100;

    private final WorkingCopy absoluteCopy = new WorkingCopy(DType.F64);

    @Override
    public String name() {
        return "synflow";
    }

    @Override
    public Scores score(Module model, Mask mask, ScoringBatch batch) {
        Scoring.check(model, mask);
        return Scores.computeInto(WeightLayout.of(model), name(), scores -> {
            Module net = absoluteCopy.masked(model, mask, true);
            try (Autograd.GradMode _ = Autograd.noGrad()) {
                absoluteInPlace(net);
            }
            net.eval();
            int[] in = batch.inputShape();
            Tensor r = net.forward(Tensor.ones(DType.F64, 1, in[0], in[1], in[2])).sum();
            Tensor[] dr = Autograd.grad(new Tensor[] {r}, Scoring.prunableValues(net), null, false);
            scoresInto(model, dr, scores);
        });
    }

    /**
     * Writes the scores θ₀ ⊙ ∂R/∂w into {@code out} from {@code dr}, the float64 ∂R/∂w of SynFlow's network (prunable
     * weights in model order), scaled into float32's range as the class describes.
     */
    static void scoresInto(Module model, Tensor[] dr, Scores out) {
        Scoring.timesThetaInto(model, dr, floatRangeScale(Scoring.maxAbsTimesTheta(model, dr)), out);
    }

    /** Replaces the non-prunable parameters and the floating-point buffers by their absolute values. */
    private static void absoluteInPlace(Module net) {
        for (Parameter p : net.namedParameters().values()) {
            if (!p.prunable()) {
                p.assignInPlace(p.value().abs());
            }
        }
        for (Tensor b : net.namedBuffers().values()) {
            if (b.dtype().isFloating()) {
                b.backend().copyInto(b, b.abs());
            }
        }
    }

    /**
     * The power of two to scale the scores by: 1 unless their largest magnitude {@code max} is outside
     * 2^±{@value #MAX_EXPONENT}.
     */
    private static double floatRangeScale(double max) {
        int exponent = Math.getExponent(max);
        return max == 0 || Math.abs(exponent) <= MAX_EXPONENT ? 1 : Math.scalb(1.0, -exponent);
    }
}
