package org.nnpan.optim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import org.nnpan.io.TensorFiles;
import org.nnpan.kernels.parallel.Parallel;
import org.nnpan.nn.Parameter;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Shape;
import org.nnpan.tensor.Tensor;

/**
 * The machinery every elementwise optimizer shares: the parameter list, per-parameter state buffers allocated once
 * in the global scope, the learning rate and step count, the parallel in-place update loop, and state save/load.
 * Subclasses supply the update rule for a range of elements.
 */
abstract sealed class AbstractOptimizer implements Optimizer permits Sgd, Adam {

    /** Element layout of parameters, gradients, masks and state. */
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;

    /** Elements per parallel chunk: below this, forking costs more than the update. */
    private static final long GRAIN = 1 << 15;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A parameter and its state buffers (one per state name, same shape, float32). */
    private record Slot(String name, Parameter parameter, Tensor[] buffers) {
    }

    private final List<Slot> slots = new ArrayList<>();
    private final String[] stateNames;
    private double learningRate;
    private long steps;

    /**
     * @param parameters the parameters to update, by qualified name
     * @param stateNames PyTorch's names of the per-parameter state buffers, e.g. {@code momentum_buffer}
     * @throws IllegalArgumentException if a parameter is not a contiguous float32 tensor or {@code lr} is invalid
     */
    AbstractOptimizer(SequencedMap<String, Parameter> parameters, double learningRate, String... stateNames) {
        setLearningRate(learningRate);
        this.stateNames = stateNames.clone();
        parameters.forEach((name, p) -> {
            requirePlainF32(name, p.value());
            Tensor[] buffers = new Tensor[stateNames.length];
            for (int i = 0; i < buffers.length; i++) {
                buffers[i] = Tensor.empty(MemoryScope.global(), p.value().backend(), DType.F32, p.shape());
            }
            slots.add(new Slot(name, p, buffers));
        });
    }

    /** The raw loops below index memory directly, so they need dense float32 tensors starting at element 0. */
    private static void requirePlainF32(String name, Tensor t) {
        if (t.dtype() != DType.F32 || !t.isContiguous() || t.offset() != 0) {
            throw new IllegalArgumentException("optimizers update contiguous float32 tensors; '" + name + "' is " + t);
        }
    }

    /** Called once per step before any update, after the step count was incremented (e.g. bias corrections). */
    abstract void prepareStep(long step);

    /**
     * Updates elements {@code [from, to)} of one parameter in place. Must leave every element whose mask is 0
     * untouched (see {@link #pruned}); {@code mask} is null for a dense parameter.
     */
    abstract void update(MemorySegment param, MemorySegment grad, MemorySegment mask, MemorySegment[] state,
                         long from, long to);

    /** Whether element {@code i} is pruned. */
    static boolean pruned(MemorySegment mask, long i) {
        return mask != null && mask.getAtIndex(F32, i) == 0f;
    }

    @Override
    public final void step() {
        steps++;
        prepareStep(steps);
        for (Slot slot : slots) {
            Parameter p = slot.parameter();
            Tensor grad = p.grad();
            if (grad == null) {
                continue;
            }
            requirePlainF32(slot.name() + ".grad", grad);
            MemorySegment param = p.value().storage().segment();
            MemorySegment g = grad.storage().segment();
            MemorySegment mask = p.isMasked() ? p.mask().storage().segment() : null;
            MemorySegment[] state = new MemorySegment[slot.buffers().length];
            for (int i = 0; i < state.length; i++) {
                state[i] = slot.buffers()[i].storage().segment();
            }
            // Elementwise, so chunks are independent and the result does not depend on the thread count.
            Parallel.get().balancedFor(p.numel(), GRAIN, (from, to) -> update(param, g, mask, state, from, to));
        }
    }

    @Override
    public final void zeroGrad() {
        for (Slot slot : slots) {
            Tensor grad = slot.parameter().grad();
            if (grad != null) {
                grad.backend().fill(grad, 0);
            }
        }
    }

    @Override
    public final double learningRate() {
        return learningRate;
    }

    @Override
    public final void setLearningRate(double lr) {
        requireFiniteNonNegative("learning rate", lr);
        this.learningRate = lr;
    }

    /** Checks a hyperparameter. */
    static void requireFiniteNonNegative(String what, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(what + " must be finite and >= 0, got " + value);
        }
    }

    @Override
    public final long stepCount() {
        return steps;
    }

    @Override
    public final SequencedMap<String, Tensor> state() {
        SequencedMap<String, Tensor> out = new LinkedHashMap<>();
        for (Slot slot : slots) {
            for (int i = 0; i < stateNames.length; i++) {
                out.put(slot.name() + "." + stateNames[i], slot.buffers()[i]);
            }
        }
        return out;
    }

    @Override
    public final void save(Path directory) throws IOException {
        TensorFiles.save(directory.resolve(TENSORS_FILE), state(), Map.of("optimizer", name()));
        Map<String, Object> sidecar = new LinkedHashMap<>();
        sidecar.put("optimizer", name());
        sidecar.put("step", steps);
        sidecar.put("lr", learningRate);
        sidecar.put("hyperparameters", hyperparameters());
        sidecar.put("parameters", slots.stream().map(Slot::name).toList());
        JSON.writeValue(directory.resolve(SIDECAR_FILE).toFile(), sidecar);
    }

    @Override
    public final void load(Path directory) throws IOException {
        Path sidecarFile = directory.resolve(SIDECAR_FILE);
        JsonNode sidecar = JSON.readTree(Files.readString(sidecarFile));
        String savedName = sidecar.path("optimizer").asText();
        if (!name().equals(savedName)) {
            throw new IllegalArgumentException(sidecarFile + " holds the state of optimizer '" + savedName
                    + "', not '" + name() + "'");
        }
        JsonNode savedHyper = sidecar.path("hyperparameters");
        JsonNode ownHyper = JSON.valueToTree(hyperparameters());
        if (!ownHyper.equals(savedHyper)) {
            throw new IllegalArgumentException(sidecarFile + " was saved with hyperparameters " + savedHyper
                    + ", this optimizer has " + ownHyper);
        }
        SequencedMap<String, Tensor> own = state();
        try (MemoryScope _ = MemoryScope.open("optimizer-load")) {
            SequencedMap<String, Tensor> saved = TensorFiles.load(directory.resolve(TENSORS_FILE));
            if (!saved.keySet().equals(own.keySet())) {
                throw new IllegalArgumentException(directory.resolve(TENSORS_FILE) + " holds state for "
                        + saved.size() + " tensors that do not match this optimizer's " + own.size()
                        + " (different model?)");
            }
            own.forEach((key, dst) -> {
                Tensor src = saved.get(key);
                if (!src.sameShape(dst)) {
                    throw new IllegalArgumentException("optimizer state '" + key + "' has shape "
                            + Shape.str(src.shape()) + " in the file but " + Shape.str(dst.shape()) + " here");
                }
            });
            own.forEach((key, dst) -> dst.backend().copyInto(dst, saved.get(key)));
        }
        steps = sidecar.path("step").asLong();
        setLearningRate(sidecar.path("lr").asDouble());
    }
}
