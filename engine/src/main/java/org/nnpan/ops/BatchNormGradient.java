package org.nnpan.ops;

import java.util.ArrayList;
import java.util.List;
import org.nnpan.autograd.Autograd;
import org.nnpan.kernels.norm.BatchNormSecondOrder;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * Training-mode batch norm's gradient for a backward pass that records its graph (create-graph mode, GraSP's first
 * pass): the gradient of {@link Normalization#composite} at (x, γ, β) against the output gradient g, recorded as one
 * op per input that saves only g, x, γ and β, as PyTorch's batch-norm double backward does.
 *
 * <p>Recording the composite's gradient formula itself kept x − mean, the normalised x and g·γ of every BatchNorm
 * (besides g) until the graph was freed. A later pass over the op that records its own graph recomputes the
 * composite's gradient at (g, x, γ, β) with the same ops in the same order and differentiates it, so every higher
 * derivative exists; a pass that records nothing (GraSP's second) runs the closed-form rule of
 * {@link BatchNormSecondOrder} instead, one fused kernel per op that allocates only its outputs. The first-order
 * values are bit for bit those of the composite's recorded gradient; the closed form agrees with the composite's
 * second derivatives to rounding (≈ 1e-16 of the size of the terms in float64, the last bits in float32).
 */
final class BatchNormGradient {
    private static final String[] PARAMETERS = {"x", "gamma", "beta"};
    /** The kernel's name for the gradient w.r.t. x, γ and β, in that order. */
    private static final BatchNormSecondOrder.Of[] OF = BatchNormSecondOrder.Of.values();

    private BatchNormGradient() {
    }

    /**
     * The gradients of the composite w.r.t. x, γ and β (null where that input needs none), each recorded as an op of
     * (g, x, γ, β).
     */
    static Tensor[] of(Tensor g, Tensor x, Tensor gamma, Tensor beta, double eps) {
        Tensor[] inputs = {g, x, gamma, beta};
        int since = MemoryScope.current().allocationCount();
        Tensor[] leaves = leaves(inputs);
        Tensor y = forward(leaves, eps);
        List<Integer> wanted = wanted(inputs, 1);
        Tensor[] values = Autograd.gradReleasingGraph(new Tensor[] {y}, select(leaves, wanted), new Tensor[] {leaves[0]},
                since);
        Tensor[] grads = new Tensor[PARAMETERS.length];
        for (int k = 0; k < wanted.size(); k++) {
            int which = wanted.get(k);
            grads[which - 1] = Autograd.record(values[k], "batch_norm_backward_" + PARAMETERS[which - 1], inputs, inputs,
                    gg -> secondOrder(inputs, which, gg, eps));
        }
        return grads;
    }

    /**
     * The rule of the op for input {@code which} of (g, x, γ, β): the gradients of ⟨composite gradient, gg⟩ w.r.t.
     * (g, x, γ, β).
     */
    private static Tensor[] secondOrder(Tensor[] inputs, int which, Tensor gg, double eps) {
        if (!Autograd.isEnabled()) {
            return fused(inputs, which, gg, eps);
        }
        // This pass records its graph: differentiate the composite at the inputs themselves, so it reaches back
        // through them.
        List<Integer> wanted = wanted(inputs, 0);
        Tensor first = firstOrder(inputs, which, eps);
        Tensor[] result = Autograd.grad(new Tensor[] {first}, select(inputs, wanted), new Tensor[] {gg}, true);
        Tensor[] grads = new Tensor[inputs.length];
        for (int k = 0; k < wanted.size(); k++) {
            grads[wanted.get(k)] = result[k];
        }
        return grads;
    }

    /**
     * The rule in closed form, for a pass that records nothing (GraSP's second): one fused kernel call that allocates
     * only its outputs, instead of recomputing the composite and its gradient graph (about 30 tensors per call). It
     * reorders the arithmetic, so the values agree with the composite's to rounding, not bit for bit.
     */
    private static Tensor[] fused(Tensor[] inputs, int which, Tensor gg, double eps) {
        boolean[] wanted = new boolean[3];
        for (int i = 0; i < wanted.length; i++) {
            wanted[i] = inputs[i] != null && inputs[i].requiresGrad();
        }
        Tensor x = inputs[1];
        Tensor[] r = x.backend().batchNormSecondOrder(OF[which - 1], gg, inputs[0], x, inputs[2], eps, wanted);
        return new Tensor[] {r[0], r[1], r[2], null};
    }

    /** The composite's gradient w.r.t. {@code at[which]} against {@code at[0]}, recorded (at = g, x, γ, β). */
    private static Tensor firstOrder(Tensor[] at, int which, double eps) {
        Tensor y = forward(at, eps);
        return Autograd.grad(new Tensor[] {y}, new Tensor[] {at[which]}, new Tensor[] {at[0]}, true)[0];
    }

    /**
     * The composite at (x, γ, β) = {@code at[1..3]}; what no rule reads (x − mean squared, the output before and after
     * β) goes back to the pool at once.
     */
    private static Tensor forward(Tensor[] at, double eps) {
        int since = MemoryScope.current().allocationCount();
        Tensor y = Normalization.composite(at[1], at[2], at[3], eps);
        MemoryScope.current().releaseUnsavedSince(since);
        return y;
    }

    /**
     * Detached views of {@code inputs} that require a gradient where the input does: the leaves of the first-order
     * value's computation.
     */
    private static Tensor[] leaves(Tensor[] inputs) {
        Tensor[] leaves = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            leaves[i] = inputs[i] == null ? null : inputs[i].detach().requiresGrad(inputs[i].requiresGrad());
        }
        return leaves;
    }

    /** Positions from {@code from} on of the inputs that are present and require a gradient. */
    private static List<Integer> wanted(Tensor[] inputs, int from) {
        List<Integer> wanted = new ArrayList<>();
        for (int i = from; i < inputs.length; i++) {
            if (inputs[i] != null && inputs[i].requiresGrad()) {
                wanted.add(i);
            }
        }
        return wanted;
    }

    private static Tensor[] select(Tensor[] tensors, List<Integer> positions) {
        return positions.stream().map(i -> tensors[i]).toArray(Tensor[]::new);
    }
}
