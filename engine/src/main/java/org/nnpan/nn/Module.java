package org.nnpan.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.function.BiConsumer;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Shape;
import org.nnpan.tensor.Tensor;

/**
 * A layer or a network: named parameters, buffers and child modules, and a {@link #forward} computation.
 *
 * <p>Names and order follow PyTorch's {@code state_dict} conventions: a module's own parameters and buffers come in
 * registration order, children are visited depth-first in registration order, and qualified names join the path
 * with dots ({@code layer1.0.conv1.weight}). Subclasses register in their constructor exactly what the PyTorch
 * definition does, in the same order, and allocate parameters and buffers in a scope that outlives every step
 * (see {@link Parameter#zeros}).
 *
 * <p>Layers compute with {@link Parameter#effective()}, so a pruning mask set on a weight applies inside
 * {@code forward}. Modules start in training mode; {@link #train(boolean)} sets the mode of the whole subtree.
 * {@link #copy()} and {@link #copy(DType)} make independent deep copies.
 */
public abstract class Module {
    private final SequencedMap<String, Parameter> parameters = new LinkedHashMap<>();
    private final SequencedMap<String, Tensor> buffers = new LinkedHashMap<>();
    private final SequencedMap<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Computes the module's output; records the graph when autograd is on. */
    public abstract Tensor forward(Tensor x);

    /**
     * A new module of the same class and configuration with freshly allocated parameters and buffers, as the
     * constructor leaves them. {@link #copy()} builds on it.
     */
    protected abstract Module freshInstance();

    /** The configuration shown by {@link #toString()}, e.g. {@code "3, 64, kernel=3"}. */
    protected String extraRepr() {
        return "";
    }

    // ---------------------------------------------------------------- registration

    /** Registers a parameter under {@code name}; returns it. */
    protected final Parameter addParameter(String name, Parameter parameter) {
        checkNewName(name);
        parameters.put(name, parameter);
        return parameter;
    }

    /** Registers a buffer (state that is saved but not trained, such as running statistics); returns it. */
    protected final Tensor addBuffer(String name, Tensor buffer) {
        checkNewName(name);
        buffers.put(name, buffer);
        return buffer;
    }

    /** Registers a child module under {@code name}; returns it. */
    protected final <M extends Module> M addModule(String name, M child) {
        checkNewName(name);
        children.put(name, child);
        return child;
    }

    /** The buffer registered under {@code name} (buffers may be replaced by {@link #copy(DType)}, so look them up). */
    protected final Tensor buffer(String name) {
        Tensor b = buffers.get(name);
        if (b == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no buffer '" + name + "'");
        }
        return b;
    }

    private void checkNewName(String name) {
        if (name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("module member names must be non-empty and contain no '.', got '" + name + "'");
        }
        if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException("'" + name + "' is already registered in " + getClass().getSimpleName());
        }
    }

    // ---------------------------------------------------------------- mode

    /** Sets training mode on this module and all its descendants; returns this module. */
    public final Module train(boolean mode) {
        visit("", (name, m) -> m.training = mode);
        return this;
    }

    /** Training mode for the whole subtree (batch statistics, dropout on). */
    public final Module train() {
        return train(true);
    }

    /** Evaluation mode for the whole subtree (running statistics, dropout off). */
    public final Module eval() {
        return train(false);
    }

    public final boolean isTraining() {
        return training;
    }

    // ---------------------------------------------------------------- traversal

    /** Calls {@code visitor} on this module and every descendant, depth-first in registration order. */
    private void visit(String prefix, BiConsumer<String, Module> visitor) {
        visitor.accept(prefix, this);
        for (Map.Entry<String, Module> e : children.entrySet()) {
            e.getValue().visit(qualified(prefix, e.getKey()), visitor);
        }
    }

    private static String qualified(String prefix, String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }

    /** The direct children by name, in registration order (unmodifiable). */
    public final SequencedMap<String, Module> children() {
        return Collections.unmodifiableSequencedMap(children);
    }

    /** This module (under the name {@code ""}) and every descendant under its qualified name. */
    public final SequencedMap<String, Module> namedModules() {
        SequencedMap<String, Module> out = new LinkedHashMap<>();
        visit("", out::put);
        return out;
    }

    /** Every parameter of the subtree under its qualified name, in PyTorch's {@code named_parameters()} order. */
    public final SequencedMap<String, Parameter> namedParameters() {
        SequencedMap<String, Parameter> out = new LinkedHashMap<>();
        visit("", (prefix, m) -> m.parameters.forEach((name, p) -> out.put(qualified(prefix, name), p)));
        return out;
    }

    /** The parameters that pruning may remove (convolution and linear weights), by qualified name. */
    public final SequencedMap<String, Parameter> prunableParameters() {
        SequencedMap<String, Parameter> out = new LinkedHashMap<>();
        namedParameters().forEach((name, p) -> {
            if (p.prunable()) {
                out.put(name, p);
            }
        });
        return out;
    }

    /** Every parameter of the subtree, in {@link #namedParameters()} order. */
    public final List<Parameter> parameters() {
        return List.copyOf(namedParameters().values());
    }

    /** Every buffer of the subtree under its qualified name, in PyTorch's {@code named_buffers()} order. */
    public final SequencedMap<String, Tensor> namedBuffers() {
        SequencedMap<String, Tensor> out = new LinkedHashMap<>();
        visit("", (prefix, m) -> m.buffers.forEach((name, b) -> out.put(qualified(prefix, name), b)));
        return out;
    }

    /** Total number of parameter elements (weights, biases and BatchNorm affine parameters; no buffers). */
    public final long numParameters() {
        long n = 0;
        for (Parameter p : namedParameters().values()) {
            n += p.numel();
        }
        return n;
    }

    /** Drops the accumulated gradient of every parameter. */
    public final void zeroGrad() {
        namedParameters().values().forEach(Parameter::zeroGrad);
    }

    // ---------------------------------------------------------------- state

    /**
     * Parameters and buffers under their PyTorch {@code state_dict} names and order (each module's parameters, then
     * its buffers, then its children). The tensors are detached views of the live values, not copies.
     */
    public final SequencedMap<String, Tensor> stateDict() {
        SequencedMap<String, Tensor> out = new LinkedHashMap<>();
        visit("", (prefix, m) -> {
            m.parameters.forEach((name, p) -> out.put(qualified(prefix, name), p.value().detach()));
            m.buffers.forEach((name, b) -> out.put(qualified(prefix, name), b));
        });
        return out;
    }

    /** Keys a {@link #loadStateDict non-strict load} skipped. */
    public record LoadResult(List<String> missingKeys, List<String> unexpectedKeys) {
        public LoadResult {
            missingKeys = List.copyOf(missingKeys);
            unexpectedKeys = List.copyOf(unexpectedKeys);
        }
    }

    /**
     * Copies {@code state} into this module's parameters and buffers in place (converting dtypes). Every check runs
     * before anything is copied, so a failed load leaves the module unchanged.
     *
     * @param strict whether keys missing from {@code state} or unknown to the module are errors (otherwise they are
     *               skipped and reported in the result)
     * @throws IllegalArgumentException listing the missing and unexpected keys (strict), or naming each key whose
     *                                  shape differs with both shapes (always)
     */
    public final LoadResult loadStateDict(Map<String, Tensor> state, boolean strict) {
        SequencedMap<String, Tensor> own = stateDict();
        List<String> missing = own.keySet().stream().filter(k -> !state.containsKey(k)).toList();
        List<String> unexpected = state.keySet().stream().filter(k -> !own.containsKey(k)).toList();
        if (strict && (!missing.isEmpty() || !unexpected.isEmpty())) {
            throw new IllegalArgumentException("loadStateDict into " + getClass().getSimpleName() + ": missing keys "
                    + abbreviated(missing) + ", unexpected keys " + abbreviated(unexpected));
        }
        List<String> mismatches = new ArrayList<>();
        own.forEach((key, dst) -> {
            Tensor src = state.get(key);
            if (src != null && !src.sameShape(dst)) {
                mismatches.add("'" + key + "' is " + Shape.str(dst.shape()) + " in the model but " + Shape.str(src.shape())
                        + " in the state dict");
            }
        });
        if (!mismatches.isEmpty()) {
            throw new IllegalArgumentException("loadStateDict into " + getClass().getSimpleName() + ": shape mismatch: "
                    + String.join("; ", mismatches));
        }
        own.forEach((key, dst) -> {
            Tensor src = state.get(key);
            if (src != null) {
                dst.backend().copyInto(dst, src);
            }
        });
        return new LoadResult(missing, unexpected);
    }

    private static String abbreviated(List<String> keys) {
        int shown = 10;
        return keys.size() <= shown ? keys.toString()
                : keys.subList(0, shown) + " and " + (keys.size() - shown) + " more";
    }

    /**
     * A deep copy: same architecture, values, masks, dtypes and per-module training modes, in new memory. Gradients
     * are not copied.
     */
    public final Module copy() {
        Parameter first = parameters().stream().findFirst().orElse(null);
        return copy(first == null ? DType.F32 : first.value().dtype());
    }

    /**
     * A deep copy whose floating-point parameters, masks and buffers are converted to {@code dtype} (integer buffers
     * such as batch counters keep their type). SynFlow, for instance, scores an absolute-valued float64 copy, because
     * products of absolute weights over many layers overflow float32.
     */
    public final Module copy(DType dtype) {
        if (!dtype.isFloating()) {
            throw new IllegalArgumentException("a module's values must be floating point, got " + dtype);
        }
        Module copy = freshInstance();
        copy.visit("", (prefix, m) -> {
            m.parameters.values().forEach(p -> p.convert(dtype));
            m.buffers.replaceAll((name, b) -> b.dtype().isFloating() ? Parameter.converted(b, dtype) : b);
        });
        copy.loadStateDict(stateDict(), true);
        SequencedMap<String, Parameter> copyParameters = copy.namedParameters();
        namedParameters().forEach((name, p) -> {
            if (p.isMasked()) {
                copyParameters.get(name).setMask(p.mask());
            }
        });
        SequencedMap<String, Module> copyModules = copy.namedModules();
        namedModules().forEach((name, m) -> copyModules.get(name).training = m.training);
        return copy;
    }

    // ---------------------------------------------------------------- display

    /** The module tree, PyTorch style: {@code Name(config)} with children indented beneath. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append('(').append(extraRepr());
        if (!children.isEmpty()) {
            sb.append('\n');
            children.forEach((name, child) -> sb.append("  (").append(name).append("): ")
                    .append(child.toString().replace("\n", "\n  ")).append('\n'));
        }
        return sb.append(')').toString();
    }
}
