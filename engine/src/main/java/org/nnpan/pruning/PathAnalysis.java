package org.nnpan.pruning;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nnpan.autograd.Autograd;
import org.nnpan.autograd.Node;
import org.nnpan.kernels.elementwise.Elementwise;
import org.nnpan.kernels.elementwise.ElementwiseKernels;
import org.nnpan.nn.BatchNorm;
import org.nnpan.nn.Module;
import org.nnpan.nn.Parameter;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * Which kept weights still lie on a path from the input to the output, and how many output positions each layer
 * computes: one forward and backward pass of a single all-ones input through a float64 copy of the network.
 *
 * <p>Connectivity is measured SynFlow-style: prunable weights are |θ⊙m|, biases are 0 and BatchNorm is the identity
 * (γ = 1, β = 0, mean 0, variance 1, evaluation mode), so every activation is non-negative and depends only on the
 * paths that reach it. A kept weight is <em>live</em> when its path score |w|·∂R/∂w (R = sum of the outputs) is
 * positive, and dead otherwise: no input reaches it, or it reaches no output. Max pooling passes the gradient to
 * one position per window, as in SynFlow.
 *
 * <p>Output positions come from the same pass: a convolution's output has H·W positions per example (its weights are
 * each used H·W times), a linear layer's one.
 */
public final class PathAnalysis {

    private static final Elementwise ELEMENTWISE = ElementwiseKernels.best();
    private final Map<String, Long> live;
    private final Map<String, Long> positions;

    private PathAnalysis(Map<String, Long> live, Map<String, Long> positions) {
        this.live = live;
        this.positions = positions;
    }

    /**
     * Analyses {@code model} under {@code mask} for inputs of shape {@code inputShape} = [C, H, W]. The model is not
     * changed.
     */
    public static PathAnalysis run(Module model, Mask mask, int[] inputShape) {
        return run(model, mask, inputShape, new WorkingCopy(DType.F64), null);
    }

    /**
     * {@link #run(Module, Mask, int[])} on {@code copy}, a float64 working copy that repeated analyses of one model
     * refresh in place instead of copying the model each time; the pass's ∂R/∂w is also offered to
     * {@code synflow} unless that is null.
     */
    static PathAnalysis run(Module model, Mask mask, int[] inputShape, WorkingCopy copy, SynFlowCarryOver synflow) {
        mask.validateFor(model);
        try (MemoryScope _ = MemoryScope.open("path-analysis"); Autograd.GradMode _ = Autograd.setEnabled(true)) {
            Module net = connectivityCopy(model, mask, copy);
            Map<String, Parameter> weights = net.prunableParameters();
            Tensor out = net.forward(Tensor.ones(DType.F64, 1, inputShape[0], inputShape[1], inputShape[2]));
            Map<String, Long> positions = outputPositions(out, weights);
            Tensor[] values = Scoring.prunableValues(net);
            Tensor[] dr = Autograd.grad(new Tensor[] {out.sum()}, values, null, false);
            if (synflow != null) {
                synflow.offer(model, mask, net, dr);
            }
            Map<String, Long> live = new LinkedHashMap<>();
            int i = 0;
            for (String name : weights.keySet()) {
                live.put(name, countPositiveProducts(values[i].detach(), dr[i]));
                i++;
            }
            return new PathAnalysis(live, positions);
        }
    }

    /** {@code copy} with weights |θ⊙m| (unmasked), zero biases and identity BatchNorm, in evaluation mode. */
    private static Module connectivityCopy(Module model, Mask mask, WorkingCopy copy) {
        Module net = copy.masked(model, mask, true);
        try (Autograd.GradMode _ = Autograd.noGrad()) {
            for (Parameter p : net.parameters()) {
                if (!p.prunable()) {
                    p.value().backend().fill(p.value(), 0);
                }
            }
            for (Module m : net.namedModules().values()) {
                if (m instanceof BatchNorm bn) {
                    bn.resetParameters();
                    bn.resetRunningStats();
                }
            }
        }
        return net.eval();
    }

    /** Each weight's uses per example: H·W of the convolution output that consumes it, 1 for a linear layer. */
    private static Map<String, Long> outputPositions(Tensor out, Map<String, Parameter> weights) {
        Map<Tensor, String> byValue = new IdentityHashMap<>();
        weights.forEach((name, p) -> byValue.put(p.value(), name));
        Map<String, Long> positions = new LinkedHashMap<>();
        weights.forEach((name, p) -> positions.put(name, 1L));
        // Walk the recorded graph: the op that consumes a 4-d weight directly is its convolution.
        Map<Tensor, Boolean> seen = new IdentityHashMap<>();
        Deque<Tensor> todo = new ArrayDeque<>();
        todo.push(out);
        while (!todo.isEmpty()) {
            Tensor t = todo.pop();
            Node node = t.gradFn();
            if (node == null || seen.put(t, Boolean.TRUE) != null) {
                continue;
            }
            for (Tensor in : node.inputs()) {
                String name = in == null ? null : byValue.get(in);
                if (name != null && in.dim() == 4) {
                    positions.put(name, (long) t.size(2) * t.size(3));
                } else if (in != null) {
                    todo.push(in);
                }
            }
        }
        return positions;
    }

    /** How many path scores a·b of the float64 tensors {@code a} and {@code b} (same shape) are positive. */
    private static long countPositiveProducts(Tensor a, Tensor b) {
        if (a.dtype() != DType.F64 || b.dtype() != DType.F64) {
            throw new IllegalStateException("path analysis runs in float64, got " + a.dtype() + " and " + b.dtype());
        }
        Tensor ac = a.contiguous();
        Tensor bc = b.contiguous();
        long n = 0;
        for (long from = 0, numel = ac.numel(); from < numel; from += Integer.MAX_VALUE) {
            n += ELEMENTWISE.countPositiveProductsF64(ac.storage().segment(), ac.offset() + from, bc.storage().segment(),
                    bc.offset() + from, (int) Math.min(Integer.MAX_VALUE, numel - from));
        }
        return n;
    }

    /** Kept weights of parameter {@code name} that lie on an input-output path. */
    public long live(String name) {
        return get(live, name);
    }

    /** How many times each weight of {@code name} is used per example (output H·W for a convolution, else 1). */
    public long positions(String name) {
        return get(positions, name);
    }

    private static long get(Map<String, Long> values, String name) {
        Long v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no prunable weight '" + name + "'; analysed: " + values.keySet());
        }
        return v;
    }
}
