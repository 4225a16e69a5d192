package org.nnpan.ops;

import java.util.ArrayList;
import java.util.List;
import org.nnpan.autograd.Autograd;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * Training-mode batch norm's gradient for a backward pass that records its graph (create-graph mode, GraSP's first
 * pass): the gradient of {@link Normalization#composite} at (x, γ, β) against the output gradient g, recorded as one
 * op per input that saves only g, x, γ and β, as PyTorch's batch-norm double backward does.
 *
 * <p>Recording the composite's gradient formula itself kept x − mean, the normalised x and g·γ of every BatchNorm
 * (besides g) until the graph was freed. Here a later pass over the op recomputes them, with the same ops in the
 * same order, and releases them as soon as the op's rule is done (unless that pass records a graph in turn). The
 * values are bit for bit those of the composite's recorded gradient, and so are the derivatives of a pass that
 * reaches batch norm through one of the three gradients (GraSP's, through d_x); through several, each op's
 * contributions are summed before they meet, so they agree to rounding.
 */
final class BatchNormGradient {
    private static final String[] PARAMETERS = {"x", "gamma", "beta"};

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
        List<Integer> wanted = wanted(inputs, 0);
        Tensor[] grads = new Tensor[inputs.length];
        Tensor[] result;
        if (Autograd.isEnabled()) {
            // This pass records its graph: differentiate at the inputs themselves, so it reaches back through them.
            Tensor first = firstOrder(inputs, which, eps);
            result = Autograd.grad(new Tensor[] {first}, select(inputs, wanted), new Tensor[] {gg}, true);
        } else {
            int since = MemoryScope.current().allocationCount();
            Tensor[] leaves = leaves(inputs);
            Tensor first;
            try (Autograd.GradMode mode = Autograd.setEnabled(true)) {
                first = firstOrder(leaves, which, eps);
            }
            result = Autograd.gradReleasingGraph(new Tensor[] {first}, select(leaves, wanted), new Tensor[] {gg}, since);
        }
        for (int k = 0; k < wanted.size(); k++) {
            grads[wanted.get(k)] = result[k];
        }
        return grads;
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

    /** Detached views of {@code inputs} that require a gradient where the input does: the recomputation's leaves. */
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
