package org.nnpan.autograd;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Shape;
import org.nnpan.tensor.Storage;
import org.nnpan.tensor.Tensor;

/**
 * Reverse-mode automatic differentiation over the dynamic graph that ops record.
 *
 * <p>Each op calls {@link #record} with a closure that computes input gradients from the output gradient using
 * ordinary ops. {@link #grad} walks the graph from the outputs in reverse topological order and calls those closures;
 * with {@code createGraph} the closures themselves are recorded, so the returned gradients can be differentiated
 * again (GraSP's Hessian-gradient product needs exactly that).
 */
public final class Autograd {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private Autograd() {
    }

    /** Whether ops on this thread currently record the graph. */
    public static boolean isEnabled() {
        return ENABLED.get()[0];
    }

    /** A scope in which ops do not record the graph: {@code try (var g = Autograd.noGrad()) { ... }}. */
    public static GradMode noGrad() {
        return setEnabled(false);
    }

    /** A scope with graph recording switched on or off; restores the previous state on close. */
    public static GradMode setEnabled(boolean enabled) {
        boolean[] state = ENABLED.get();
        boolean previous = state[0];
        state[0] = enabled;
        return () -> state[0] = previous;
    }

    /** An {@link AutoCloseable} that restores the previous grad mode and throws nothing. */
    @FunctionalInterface
    public interface GradMode extends AutoCloseable {
        @Override
        void close();
    }

    /** For ops whose backward rule reads no tensor's values (sums, views, additions): {@code saved} of {@link #record}. */
    public static final Tensor[] NOTHING_SAVED = {};

    /**
     * Attaches the backward rule to {@code output} if recording is on and any input requires a gradient, and marks
     * the storage of every {@code saved} tensor as {@linkplain Storage#saveForBackward() saved for backward}.
     * Returns {@code output} so ops can end with {@code return Autograd.record(...)}.
     *
     * @param inputs the op's tensor inputs (the graph's edges)
     * @param saved  every tensor whose values {@code backward} reads, inputs or not (null entries are skipped); a
     *               create-graph pass releases the memory of the tensors it makes that no rule saved, so a rule that
     *               reads an undeclared tensor fails with "released early"
     */
    public static Tensor record(Tensor output, String name, Tensor[] inputs, Tensor[] saved, Node.Backward backward) {
        if (!isEnabled()) {
            return output;
        }
        for (Tensor in : inputs) {
            if (in != null && in.requiresGrad()) {
                for (Tensor t : saved) {
                    if (t != null) {
                        t.storage().saveForBackward();
                    }
                }
                output.setGradFn(new Node(name, inputs, saved, backward));
                return output;
            }
        }
        return output;
    }

    /**
     * Backpropagates from a scalar {@code loss} and accumulates into {@link Tensor#grad()} of each reachable leaf
     * that requires a gradient. A leaf's gradient lives in the memory scope of the leaf itself, so it survives the
     * step's scope.
     */
    public static void backward(Tensor loss) {
        if (loss.numel() != 1) {
            throw new IllegalArgumentException("backward() needs a scalar, got shape " + Shape.str(loss.shape())
                    + "; use grad(outputs, inputs, gradOutputs, createGraph) for non-scalar outputs");
        }
        Map<Tensor, Tensor> grads = propagate(new Tensor[] {loss}, new Tensor[] {onesLike(loss)}, false, null, null);
        try (GradMode g = noGrad()) {
            for (Map.Entry<Tensor, Tensor> e : grads.entrySet()) {
                Tensor leaf = e.getKey();
                if (!leaf.isLeaf() || !leaf.requiresGrad()) {
                    continue;
                }
                Tensor add = e.getValue();
                if (leaf.grad() == null) {
                    Tensor acc = Tensor.empty(leaf.storage().scope(), leaf.backend(), leaf.dtype(), leaf.shape());
                    acc.backend().copyInto(acc, add);
                    leaf.setGrad(acc);
                } else {
                    leaf.backend().addInPlace(leaf.grad(), add);
                }
            }
        }
    }

    /**
     * Gradients of {@code sum_i <outputs[i], gradOutputs[i]>} with respect to each of {@code inputs}.
     *
     * @param gradOutputs upstream gradients (null entries mean ones, which requires a scalar output)
     * @param createGraph record the backward pass so the result can be differentiated again
     * @return one gradient per input; zeros for inputs the outputs do not depend on
     */
    public static Tensor[] grad(Tensor[] outputs, Tensor[] inputs, Tensor[] gradOutputs, boolean createGraph) {
        return gradients(propagate(outputs, seeds(outputs, gradOutputs), createGraph, inputs, null), inputs);
    }

    /**
     * First-order gradients of the scalar {@code outputs} (summed) with respect to {@code inputs}, as
     * {@link #grad(Tensor[], Tensor[], Tensor[], boolean) grad(outputs, inputs, null, false)}, for the last walk over
     * a graph: every tensor that a backward rule of this pass reads and whose storage the current scope allocated
     * from position {@code since} on ({@link MemoryScope#allocationCount()}) is released once the last rule reading
     * it has run, and every other tensor the scope allocated from there on right away. GraSP's second pass uses it to
     * free its forward and recorded first-order passes as it goes, instead of holding them all until the end.
     *
     * <p>Afterwards all tensors the scope allocated from {@code since} on are unreadable except the returned
     * gradients (the caller must be done with them: read a create-graph pass's gradients before, for instance), and
     * the graph cannot be walked again.
     */
    public static Tensor[] gradReleasingGraph(Tensor[] outputs, Tensor[] inputs, int since) {
        return gradReleasingGraph(outputs, inputs, null, since);
    }

    /**
     * {@link #gradReleasingGraph(Tensor[], Tensor[], int)} for {@code sum_i <outputs[i], gradOutputs[i]>}: the
     * gradients of {@link #grad(Tensor[], Tensor[], Tensor[], boolean) grad(outputs, inputs, gradOutputs, false)},
     * with every tensor the scope allocated from {@code since} on released as the pass goes. The
     * {@code gradOutputs} must have been allocated before {@code since}.
     */
    public static Tensor[] gradReleasingGraph(Tensor[] outputs, Tensor[] inputs, Tensor[] gradOutputs, int since) {
        if (since < 0) {
            throw new IllegalArgumentException("gradReleasingGraph: since must be an allocation position >= 0, got "
                    + since);
        }
        List<Storage> eligible = MemoryScope.current().allocatedSince(since); // before the pass allocates its seeds
        return gradients(propagate(outputs, seeds(outputs, gradOutputs), false, inputs, eligible), inputs);
    }

    private static Tensor[] seeds(Tensor[] outputs, Tensor[] gradOutputs) {
        Tensor[] seeds = new Tensor[outputs.length];
        for (int i = 0; i < outputs.length; i++) {
            Tensor go = gradOutputs == null ? null : gradOutputs[i];
            if (go == null) {
                if (outputs[i].numel() != 1) {
                    throw new IllegalArgumentException("grad: output " + i + " has shape " + Shape.str(outputs[i].shape())
                            + "; a non-scalar output needs an explicit gradOutput");
                }
                go = onesLike(outputs[i]);
            } else if (!go.sameShape(outputs[i])) {
                throw new IllegalArgumentException("grad: gradOutput " + i + " has shape " + Shape.str(go.shape())
                        + " but the output has shape " + Shape.str(outputs[i].shape()));
            }
            seeds[i] = go;
        }
        return seeds;
    }

    /** The gradient of each of {@code inputs} in {@code grads}; zeros for those the pass did not reach. */
    private static Tensor[] gradients(Map<Tensor, Tensor> grads, Tensor[] inputs) {
        Tensor[] result = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            Tensor g = grads.get(inputs[i]);
            result[i] = g != null ? g : Tensor.empty(MemoryScope.current(), inputs[i].backend(), inputs[i].dtype(), inputs[i].shape());
        }
        return result;
    }

    /** Single-output, single-input convenience form of {@link #grad(Tensor[], Tensor[], Tensor[], boolean)}. */
    public static Tensor grad(Tensor output, Tensor input, boolean createGraph) {
        return grad(new Tensor[] {output}, new Tensor[] {input}, null, createGraph)[0];
    }

    private static Tensor onesLike(Tensor t) {
        Tensor o = Tensor.zerosLike(t);
        o.backend().fill(o, 1);
        return o;
    }

    /**
     * Runs the backward rules in reverse topological order and returns the gradients of the leaves and targets; the
     * rest is freed on the way (see {@link BackwardMemory}; with {@code createGraph}, except what a recorded rule
     * saved). With {@code targets}, only the ops that lie on a path to a target run: asking for the
     * gradient w.r.t. a tensor in the middle of a long graph costs the part of the graph above it, not the whole
     * graph. Storages in {@code releasable} (unless null) are released after their last reader ({@link GraphRelease}).
     */
    private static Map<Tensor, Tensor> propagate(Tensor[] outputs, Tensor[] seeds, boolean createGraph, Tensor[] targets,
            List<Storage> releasable) {
        List<Tensor> order = topologicalOrder(outputs);
        Map<Tensor, Boolean> needed = targets == null ? null : neededFor(order, targets);
        GraphRelease release = releasable == null ? null : new GraphRelease(order.stream()
                .filter(t -> t.gradFn() != null && (needed == null || needed.get(t) == Boolean.TRUE))
                .map(Tensor::gradFn).toList(), releasable);
        Map<Tensor, Boolean> wanted = new IdentityHashMap<>();
        for (Tensor t : targets == null ? new Tensor[0] : targets) {
            wanted.put(t, Boolean.TRUE);
        }
        BackwardMemory memory = new BackwardMemory();
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        try (GradMode mode = setEnabled(createGraph)) {
            for (int i = 0; i < outputs.length; i++) {
                accumulate(grads, outputs[i], seeds[i], memory);
            }
            for (int i = order.size() - 1; i >= 0; i--) {
                Tensor t = order.get(i);
                Node node = t.gradFn();
                Tensor g = grads.get(t);
                if (node == null || g == null || (needed != null && needed.get(t) != Boolean.TRUE)) {
                    continue;
                }
                Tensor[] inGrads = node.backward().apply(g);
                if (release != null) {
                    release.ran(node);
                }
                Tensor[] inputs = node.inputs();
                if (inGrads.length != inputs.length) {
                    throw new IllegalStateException(node.name() + ": backward returned " + inGrads.length
                            + " gradients for " + inputs.length + " inputs");
                }
                for (int k = 0; k < inputs.length; k++) {
                    Tensor in = inputs[k];
                    if (in == null || !in.requiresGrad() || inGrads[k] == null || (needed != null && !needed.containsKey(in))) {
                        continue;
                    }
                    if (!inGrads[k].sameShape(in)) {
                        throw new IllegalStateException(node.name() + ": gradient for input " + k + " has shape "
                                + Shape.str(inGrads[k].shape()) + ", expected " + Shape.str(in.shape()));
                    }
                    accumulate(grads, in, inGrads[k], memory);
                }
                // Every consumer of t ran before its own rule (reverse topological order): g is spent.
                if (!wanted.containsKey(t)) {
                    memory.drop(grads.remove(t));
                }
                memory.sweep();
            }
        }
        return grads;
    }

    /**
     * The tensors of {@code order} (topologically sorted) whose op has an input from which a target can be reached:
     * exactly those whose backward rule must run. Targets are added too (as accumulation points).
     */
    private static Map<Tensor, Boolean> neededFor(List<Tensor> order, Tensor[] targets) {
        Map<Tensor, Boolean> reaches = new IdentityHashMap<>();
        for (Tensor t : targets) {
            reaches.put(t, Boolean.FALSE); // a target: accumulate into it, run its own rule only if it leads on
        }
        for (Tensor t : order) {
            Node node = t.gradFn();
            if (node == null) {
                continue;
            }
            for (Tensor in : node.inputs()) {
                if (in != null && reaches.containsKey(in)) {
                    reaches.put(t, Boolean.TRUE);
                    break;
                }
            }
        }
        return reaches;
    }

    /** Adds {@code g} to the gradient of {@code t}; {@code memory} learns what is held. */
    private static void accumulate(Map<Tensor, Tensor> grads, Tensor t, Tensor g, BackwardMemory memory) {
        Tensor prev = grads.get(t);
        Tensor sum = prev == null ? g : prev.add(g);
        grads.put(t, sum);
        memory.hold(sum);
        if (prev != null) {
            memory.drop(prev);
        }
    }

    /** Tensors reachable from {@code outputs}, each after all tensors it depends on. */
    private static List<Tensor> topologicalOrder(Tensor[] outputs) {
        List<Tensor> order = new ArrayList<>();
        Map<Tensor, Boolean> visited = new IdentityHashMap<>();
        // Iterative DFS: graphs of deep networks (and their double-backward graphs) overflow a recursive walk.
        record Frame(Tensor tensor, int next) {
        }
        ArrayList<Frame> stack = new ArrayList<>();
        for (Tensor out : outputs) {
            if (visited.containsKey(out)) {
                continue;
            }
            visited.put(out, Boolean.TRUE);
            stack.add(new Frame(out, 0));
            while (!stack.isEmpty()) {
                Frame f = stack.removeLast();
                Node node = f.tensor().gradFn();
                Tensor[] inputs = node == null ? new Tensor[0] : node.inputs();
                int k = f.next();
                while (k < inputs.length && (inputs[k] == null || !inputs[k].requiresGrad() || visited.containsKey(inputs[k]))) {
                    k++;
                }
                if (k < inputs.length) {
                    stack.add(new Frame(f.tensor(), k + 1));
                    visited.put(inputs[k], Boolean.TRUE);
                    stack.add(new Frame(inputs[k], 0));
                } else {
                    order.add(f.tensor());
                }
            }
        }
        return order;
    }
}
