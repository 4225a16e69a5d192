package org.nnpan.agent;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;
import org.nnpan.backend.Backends;
import org.nnpan.data.SplitMix64;
import org.nnpan.io.Json;
import org.nnpan.io.TensorFiles;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * The last {@code capacity} transitions (s, a, r, s', done) in a ring over preallocated float arrays, one row per
 * transition, and uniform sampling with replacement from a seeded generator.
 *
 * <p>Storage is float32, like the networks that read it. A minibatch comes back as tensors in the current memory
 * scope, so an update that samples inside its own scope frees them with the rest of the step.
 */
public final class ReplayBuffer {
    /** File of the stored transitions written by {@link #save}. */
    public static final String TENSORS_FILE = "replay.safetensors";
    /** File of the counters and sampling generator state written by {@link #save}. */
    public static final String SIDECAR_FILE = "replay.json";

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;

    /**
     * Sampled transitions as tensors with one row each: [n, stateSize], [n, actionSize], [n, 1], [n, stateSize] and
     * [n, 1].
     */
    public record Minibatch(Tensor states, Tensor actions, Tensor rewards, Tensor nextStates, Tensor notDones) {
    }

    private final int capacity;
    private final int stateSize;
    private final int actionSize;
    private final float[] states;
    private final float[] actions;
    private final float[] rewards;
    private final float[] nextStates;
    /** 1 − done: the factor of the bootstrapped value, stored ready to use. */
    private final float[] notDones;
    private final SplitMix64 rng;
    private int size;
    private int next;

    /**
     * @param seed seeds the sampling generator
     * @throws IllegalArgumentException if a size is not positive
     */
    public ReplayBuffer(int capacity, int stateSize, int actionSize, long seed) {
        if (capacity < 1 || stateSize < 1 || actionSize < 1) {
            throw new IllegalArgumentException("replay buffer needs positive capacity and sizes, got capacity "
                    + capacity + ", state " + stateSize + ", action " + actionSize);
        }
        this.capacity = capacity;
        this.stateSize = stateSize;
        this.actionSize = actionSize;
        this.states = new float[Math.multiplyExact(capacity, stateSize)];
        this.actions = new float[Math.multiplyExact(capacity, actionSize)];
        this.rewards = new float[capacity];
        this.nextStates = new float[states.length];
        this.notDones = new float[capacity];
        this.rng = new SplitMix64(seed);
    }

    /**
     * Stores one transition, overwriting the oldest when full.
     *
     * @throws IllegalArgumentException if a vector has the wrong length (nothing is stored then)
     */
    public void add(double[] state, double[] action, double reward, double[] nextState, boolean done) {
        requireLength("state", state, stateSize);
        requireLength("action", action, actionSize);
        requireLength("next state", nextState, stateSize);
        put(states, next, state);
        put(actions, next, action);
        put(nextStates, next, nextState);
        rewards[next] = (float) reward;
        notDones[next] = done ? 0f : 1f;
        next = (next + 1) % capacity;
        size = Math.min(size + 1, capacity);
    }

    private static void requireLength(String what, double[] values, int expected) {
        if (values.length != expected) {
            throw new IllegalArgumentException(what + " has " + values.length + " values, expected " + expected);
        }
    }

    private static void put(float[] into, int row, double[] values) {
        for (int i = 0; i < values.length; i++) {
            into[row * values.length + i] = (float) values[i];
        }
    }

    /**
     * {@code n} transitions drawn uniformly with replacement, as tensors in the current memory scope.
     *
     * @throws IllegalStateException if the buffer is empty
     */
    public Minibatch sample(int n) {
        if (size == 0) {
            throw new IllegalStateException("cannot sample from an empty replay buffer");
        }
        Minibatch batch = new Minibatch(rowsTensor(n, stateSize), rowsTensor(n, actionSize), rowsTensor(n, 1),
                rowsTensor(n, stateSize), rowsTensor(n, 1));
        MemorySegment s = batch.states().storage().segment();
        MemorySegment a = batch.actions().storage().segment();
        MemorySegment r = batch.rewards().storage().segment();
        MemorySegment s2 = batch.nextStates().storage().segment();
        MemorySegment nd = batch.notDones().storage().segment();
        for (int k = 0; k < n; k++) {
            int row = rng.nextInt(size);
            copyRow(states, row, s, k, stateSize);
            copyRow(actions, row, a, k, actionSize);
            copyRow(rewards, row, r, k, 1);
            copyRow(nextStates, row, s2, k, stateSize);
            copyRow(notDones, row, nd, k, 1);
        }
        return batch;
    }

    /** A float32 [rows, width] tensor in the current scope whose every element the caller overwrites. */
    private static Tensor rowsTensor(int rows, int width) {
        return Tensor.uninitialized(MemoryScope.current(), Backends.current(), DType.F32, rows, width);
    }

    private static void copyRow(float[] from, int row, MemorySegment to, int k, int width) {
        MemorySegment.copy(from, row * width, to, F32, (long) k * width * Float.BYTES, width);
    }

    /** Transitions stored (at most the capacity). */
    public int size() {
        return size;
    }

    public int capacity() {
        return capacity;
    }

    public int stateSize() {
        return stateSize;
    }

    public int actionSize() {
        return actionSize;
    }

    /**
     * Writes the stored rows to {@code directory/}{@value #TENSORS_FILE} and the sizes, ring position and sampling
     * generator state to {@code directory/}{@value #SIDECAR_FILE}.
     */
    public void save(Path directory) throws IOException {
        try (MemoryScope _ = MemoryScope.open("replay-save")) {
            SequencedMap<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("states", rows(states, stateSize));
            tensors.put("actions", rows(actions, actionSize));
            tensors.put("rewards", rows(rewards, 1));
            tensors.put("next_states", rows(nextStates, stateSize));
            tensors.put("not_dones", rows(notDones, 1));
            TensorFiles.save(directory.resolve(TENSORS_FILE), tensors, Map.of("content", "replay buffer"));
        }
        Map<String, Object> sidecar = new LinkedHashMap<>();
        sidecar.put("capacity", capacity);
        sidecar.put("state_size", stateSize);
        sidecar.put("action_size", actionSize);
        sidecar.put("size", size);
        sidecar.put("next", next);
        sidecar.put("rng_state", rng.state());
        Json.write(directory.resolve(SIDECAR_FILE), sidecar);
    }

    /** The first {@code size} rows of {@code from} as a [size, width] tensor. */
    private Tensor rows(float[] from, int width) {
        Tensor t = rowsTensor(size, width);
        MemorySegment.copy(from, 0, t.storage().segment(), F32, 0, size * width);
        return t;
    }

    /**
     * Restores what {@link #save} wrote.
     *
     * @throws IllegalArgumentException if the files were saved by a buffer of another capacity or other sizes
     */
    public void load(Path directory) throws IOException {
        Path sidecarFile = directory.resolve(SIDECAR_FILE);
        Map<String, Object> sidecar = Json.readMap(sidecarFile);
        Map<String, Object> expected = Map.of("capacity", capacity, "state_size", stateSize, "action_size", actionSize);
        expected.forEach((key, value) -> {
            if (!value.equals(sidecar.get(key))) {
                throw new IllegalArgumentException(sidecarFile + " has " + key + " " + sidecar.get(key)
                        + ", this replay buffer " + value);
            }
        });
        int savedSize = ((Number) sidecar.get("size")).intValue();
        try (MemoryScope _ = MemoryScope.open("replay-load")) {
            SequencedMap<String, Tensor> saved = TensorFiles.load(directory.resolve(TENSORS_FILE));
            fill(states, saved, "states", savedSize, stateSize);
            fill(actions, saved, "actions", savedSize, actionSize);
            fill(rewards, saved, "rewards", savedSize, 1);
            fill(nextStates, saved, "next_states", savedSize, stateSize);
            fill(notDones, saved, "not_dones", savedSize, 1);
        }
        size = savedSize;
        next = ((Number) sidecar.get("next")).intValue();
        rng.setState(((Number) sidecar.get("rng_state")).longValue());
    }

    private static void fill(float[] into, Map<String, Tensor> saved, String name, int rows, int width) {
        Tensor t = saved.get(name);
        if (t == null || t.dtype() != DType.F32 || t.dim() != 2 || t.size(0) != rows || t.size(1) != width) {
            throw new IllegalArgumentException("replay buffer file: '" + name + "' is " + t + ", expected float32 ["
                    + rows + ", " + width + "]");
        }
        MemorySegment.copy(t.storage().segment(), F32, 0, into, 0, rows * width);
    }
}
