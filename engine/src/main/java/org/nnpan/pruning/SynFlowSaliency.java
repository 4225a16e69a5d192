package org.nnpan.pruning;

import java.util.Map;
import org.nnpan.autograd.Autograd;
import org.nnpan.nn.Module;
import org.nnpan.nn.Parameter;
import org.nnpan.ops.Reductions;
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
        return Scores.computeScoped(WeightLayout.of(model), name(), () -> {
            Module net = absoluteCopy.masked(model, mask, true);
            try (Autograd.GradMode _ = Autograd.noGrad()) {
                absoluteInPlace(net);
            }
            net.eval();
            int[] in = batch.inputShape();
            Tensor r = net.forward(Tensor.ones(DType.F64, 1, in[0], in[1], in[2])).sum();
            Tensor[] dr = Autograd.grad(new Tensor[] {r}, Scoring.prunableValues(net), null, false);
            return inFloatRange(Scoring.timesTheta(model, dr));
        });
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

    /** The scores, scaled by a power of two if their largest magnitude is outside 2^±{@value #MAX_EXPONENT}. */
    private static Map<String, Tensor> inFloatRange(Map<String, Tensor> scores) {
        double max = 0;
        for (Tensor s : scores.values()) {
            max = Math.max(max, Reductions.amax(s.abs().reshape(-1), new int[] {0}, false).item());
        }
        int exponent = Math.getExponent(max);
        if (max == 0 || Math.abs(exponent) <= MAX_EXPONENT) {
            return scores;
        }
        double scale = Math.scalb(1.0, -exponent);
        scores.replaceAll((name, s) -> s.mul(scale));
        return scores;
    }
}
