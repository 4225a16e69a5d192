package org.nnpan.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import org.nnpan.io.AtomicDirectory;
import org.nnpan.io.Json;
import org.nnpan.io.TensorFiles;
import org.nnpan.nn.Module;
import org.nnpan.optim.Optimizer;
import org.nnpan.tensor.MemoryScope;

/**
 * The state a run needs to continue after a completed epoch, in one directory: {@value #MODEL_FILE} (the model's
 * {@code state_dict} under PyTorch names), the optimizer's {@link Optimizer#TENSORS_FILE} and
 * {@link Optimizer#SIDECAR_FILE}, and {@value #STATE_FILE}.
 *
 * <p>A checkpoint is replaced as a whole ({@link AtomicDirectory}): a crash at any point leaves either {@code <dir>} or
 * {@code <dir>.prev} complete, and {@link #locate} finds it; files of different epochs never mix.
 */
public final class Checkpoint {
    /** The model's state dict. */
    public static final String MODEL_FILE = "model.safetensors";
    /** The {@link State} as JSON. */
    public static final String STATE_FILE = "state.json";

    /**
     * Where training stands after a completed epoch.
     *
     * @param epoch           epochs completed
     * @param loaderState     the training loader's {@link org.nnpan.data.BatchLoader#state()} for the next epoch
     * @param bestTestAcc     best test accuracy so far, percent
     * @param bestEpoch       the epoch (from 1) that reached it
     * @param maskFingerprint {@link Masks#fingerprint} of the model that was trained
     * @param config          the run's configuration, as given to the trainer
     */
    public record State(int epoch, long loaderState, double bestTestAcc, int bestEpoch, long maskFingerprint,
                        JsonNode config) {
    }

    private Checkpoint() {
    }

    /** Writes a checkpoint of {@code model}, {@code optimizer} and {@code state} to {@code dir}, replacing any old one. */
    public static void save(Path dir, Module model, Optimizer optimizer, State state) throws IOException {
        new AtomicDirectory(dir).replace(next -> {
            TensorFiles.save(next.resolve(MODEL_FILE), model.stateDict(),
                    Map.of("epoch", Integer.toString(state.epoch())));
            optimizer.save(next);
            Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(next.resolve(STATE_FILE).toFile(), state);
        });
    }

    /** The complete checkpoint directory for {@code dir}: {@code dir} itself, its {@code .prev}, or null if none. */
    public static Path locate(Path dir) {
        return new AtomicDirectory(dir).latest(STATE_FILE);
    }

    /**
     * Reads the {@link State} of the checkpoint at {@code dir} without loading anything.
     *
     * @throws NoSuchFileException if there is no complete checkpoint
     */
    public static State readState(Path dir) throws IOException {
        return Json.MAPPER.readValue(existing(dir).resolve(STATE_FILE).toFile(), State.class);
    }

    /**
     * Loads the checkpoint at {@code dir} into {@code model} (strictly: every key, every shape) and
     * {@code optimizer}; returns its state.
     *
     * @throws NoSuchFileException      if there is no complete checkpoint
     * @throws IllegalArgumentException if it does not fit the model or optimizer
     */
    public static State restore(Path dir, Module model, Optimizer optimizer) throws IOException {
        Path found = existing(dir);
        try (MemoryScope _ = MemoryScope.open("checkpoint-load")) {
            model.loadStateDict(TensorFiles.load(found.resolve(MODEL_FILE)), true);
        }
        optimizer.load(found);
        return readState(found);
    }

    private static Path existing(Path dir) throws NoSuchFileException {
        Path found = locate(dir);
        if (found == null) {
            throw new NoSuchFileException(dir.toString(), null, "no checkpoint to resume from");
        }
        return found;
    }
}
