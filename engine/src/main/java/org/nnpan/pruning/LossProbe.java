package org.nnpan.pruning;

import org.nnpan.autograd.Autograd;
import org.nnpan.nn.Module;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * The loss ℓ and squared gradient norm G = Σ‖∂ℓ/∂w‖² of a network on a scoring batch, dense or masked: the
 * quantities the panning agent's state is made of (method document §4) and that Panning logs every step.
 *
 * <p>ℓ = CrossEntropy(f(x)/T, y), mean over the batch, with BatchNorm in training mode as for the saliencies (the
 * running statistics are restored). G runs over the prunable weights, as GraSP's ‖g‖². For a sub-network
 * w = θ₀⊙m the gradient is taken at w and only kept weights count: pruned weights are not parameters of the
 * sub-network. One probe reuses one working copy of the model across calls.
 */
public final class LossProbe {
    /** ℓ and G of one network on one batch. */
    public record Measurement(double loss, double squaredGradientNorm) {
    }

    private final double temperature;
    private final WorkingCopy maskedCopy = new WorkingCopy(DType.F32);

    /** @param temperature T in CrossEntropy(f(x)/T, y); positive */
    public LossProbe(double temperature) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be positive, got " + temperature);
        }
        this.temperature = temperature;
    }

    /** ℓ and G of the dense network θ₀ ({@code model}, which must carry no masks). */
    public Measurement dense(Module model, ScoringBatch batch) {
        Scoring.requireDense(model);
        return measure(model, null, batch);
    }

    /** ℓ_sub and G_sub of the sub-network θ₀⊙{@code mask}; {@code model} must carry no masks. */
    public Measurement masked(Module model, Mask mask, ScoringBatch batch) {
        Scoring.check(model, mask);
        return measure(maskedCopy.masked(model, mask, false), mask, batch);
    }

    private Measurement measure(Module net, Mask kept, ScoringBatch batch) {
        try (MemoryScope _ = MemoryScope.open("loss-probe"); ScoringScope _ = ScoringScope.of(net)) {
            return measure(net, Scoring.logits(net, batch), batch, kept);
        }
    }

    /**
     * ℓ and G from {@code logits}, the training-mode output of {@code net} on {@code batch} with the graph recorded
     * (so a caller that needs the same forward pass for other losses runs it once); only kept weights count when
     * {@code kept} is not null. Temporaries go to the current scope.
     */
    Measurement measure(Module net, Tensor logits, ScoringBatch batch, Mask kept) {
        Tensor loss = Scoring.loss(logits, batch, temperature);
        Tensor[] g = Autograd.grad(new Tensor[] {loss}, Scoring.prunableValues(net), null, false);
        double squaredNorm = 0;
        int i = 0;
        for (String name : net.prunableParameters().keySet()) {
            squaredNorm += squaredNorm(g[i++], kept == null ? null : kept.get(name));
        }
        return new Measurement(loss.item(), squaredNorm);
    }

    /**
     * Σ (g·m)² over one layer in float64 (m = 1 without {@code kept}), summed in index order: one pass instead of two
     * conversions, two products and a sum of float64 tensors, with the same arithmetic.
     */
    private static double squaredNorm(Tensor g, Tensor kept) {
        FlatView gv = FlatView.of(g.detach().contiguous(), "loss probe: gradient");
        FlatView mv = kept == null ? null : FlatView.of(kept.contiguous(), "loss probe: mask");
        double sum = 0;
        for (FlatView.Blocks b = new FlatView.Blocks(0, g.numel()); b.next(); ) {
            gv.read(b, b.x);
            if (mv != null) {
                mv.read(b, b.y);
            }
            for (int k = 0; k < b.length(); k++) {
                double v = mv == null ? b.x[k] : b.x[k] * b.y[k];
                sum += v * v;
            }
        }
        return sum;
    }
}
