package org.nnpan.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nnpan.data.Batch;
import org.nnpan.data.BatchLoader;
import org.nnpan.io.Json;
import org.nnpan.io.JsonLines;
import org.nnpan.io.TensorFiles;
import org.nnpan.nn.Module;
import org.nnpan.ops.Losses;
import org.nnpan.optim.LrSchedule;
import org.nnpan.optim.Optimizer;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * Trains a classifier with cross-entropy for a fixed number of epochs, evaluating on the test set after each one.
 *
 * <h2>Run directory</h2>
 * <ul>
 *   <li>{@value #CONFIG_FILE}: the configuration object the caller passed, as JSON;</li>
 *   <li>{@value #METRICS_FILE}: one {@link EpochMetrics} per line, appended after each epoch;</li>
 *   <li>{@value #CHECKPOINT_DIR}{@code /}: a {@link Checkpoint} after each epoch, replaced as a whole;</li>
 *   <li>{@value #FINAL_MODEL_FILE}: the final weights (the model's {@code state_dict}, PyTorch names);</li>
 *   <li>{@value #RESULT_FILE}: the {@link TrainResult} without its history.</li>
 * </ul>
 *
 * <h2>Determinism and resuming</h2>
 * The trainer draws no random numbers itself: the model's initialisation and the loader's seed decide everything,
 * and with the same thread count two runs give the same weights bit for bit. A resumed run restores the model, the
 * optimizer state (including its step count) and the loader's generator from the last checkpoint, and the learning
 * rate is a pure function of the position in training, so it ends exactly where an uninterrupted run would.
 *
 * <h2>Masks</h2>
 * A model whose parameters carry pruning masks trains as a sparse network: see the {@linkplain org.nnpan.train
 * package description}.
 */
public final class Trainer {
    /** The run's configuration in the run directory. */
    public static final String CONFIG_FILE = "config.json";
    /** The metrics log in the run directory. */
    public static final String METRICS_FILE = "metrics.jsonl";
    /** The checkpoint directory in the run directory. */
    public static final String CHECKPOINT_DIR = "checkpoint";
    /** The final weights in the run directory. */
    public static final String FINAL_MODEL_FILE = "model.safetensors";
    /** The result summary in the run directory. */
    public static final String RESULT_FILE = "result.json";

    private final Module model;
    private final Optimizer optimizer;
    private final LrSchedule schedule;
    private final int epochs;
    private final TrainingListener listener;

    /**
     * @param optimizer must update {@code model}'s parameters
     * @param epochs    total epochs of the run (a resumed run trains the ones left)
     */
    public Trainer(Module model, Optimizer optimizer, LrSchedule schedule, int epochs, TrainingListener listener) {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        this.model = model;
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.epochs = epochs;
        this.listener = listener;
    }

    /**
     * Trains the epochs left and writes the run directory.
     *
     * @param trainData the training loader (its seed decides the batches; its state is checkpointed)
     * @param testData  the evaluation loader, one pass after every epoch
     * @param runDir    the run directory, created if needed
     * @param resume    continue from the run directory's checkpoint; otherwise the directory must hold none
     * @param config    written to {@value #CONFIG_FILE} and into every checkpoint's {@link Checkpoint.State#config()}
     *                  (anything Jackson can write, e.g. a {@link TrainConfig})
     * @throws IllegalArgumentException if there is nothing to resume, or a fresh run would overwrite one, or the
     *                                  checkpoint does not fit this model, optimizer or masks
     * @throws IllegalStateException    if the loss stops being finite (training diverged)
     */
    public TrainResult train(BatchLoader trainData, BatchLoader testData, Path runDir, boolean resume, Object config)
            throws IOException {
        Files.createDirectories(runDir);
        Path checkpointDir = runDir.resolve(CHECKPOINT_DIR);
        JsonLines metrics = new JsonLines(runDir.resolve(METRICS_FILE));
        long fingerprint = Masks.fingerprint(model);
        JsonNode configJson = Json.MAPPER.valueToTree(config);

        Checkpoint.State state;
        List<EpochMetrics> history = new ArrayList<>();
        if (resume) {
            state = restore(checkpointDir, fingerprint);
            trainData.restoreState(state.loaderState());
            int completed = state.epoch();
            for (JsonNode line : metrics.truncate(n -> n.path("epoch").asInt() <= completed)) {
                history.add(Json.MAPPER.treeToValue(line, EpochMetrics.class));
            }
        } else {
            if (Checkpoint.locate(checkpointDir) != null) {
                throw new IllegalArgumentException(runDir + " already holds a training run; resume it or choose"
                        + " another directory");
            }
            Masks.applyToWeights(model);
            metrics.reset();
            state = new Checkpoint.State(0, trainData.state(), Double.NEGATIVE_INFINITY, 0, fingerprint, configJson);
        }
        Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(runDir.resolve(CONFIG_FILE).toFile(), configJson);

        for (int epoch = state.epoch(); epoch < epochs; epoch++) {
            EpochMetrics m = runEpoch(epoch, trainData, testData);
            history.add(m);
            metrics.append(m);
            boolean better = m.testAcc() > state.bestTestAcc();
            state = new Checkpoint.State(epoch + 1, trainData.state(), better ? m.testAcc() : state.bestTestAcc(),
                    better ? epoch + 1 : state.bestEpoch(), fingerprint, configJson);
            Checkpoint.save(checkpointDir, model, optimizer, state);
            listener.epochFinished(m);
        }

        TensorFiles.save(runDir.resolve(FINAL_MODEL_FILE), model.stateDict(),
                Map.of("epochs", Integer.toString(epochs)));
        double finalAcc = history.isEmpty() ? Double.NaN : history.getLast().testAcc();
        TrainResult result = new TrainResult(epochs, finalAcc, state.bestTestAcc(), state.bestEpoch(), history);
        Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(runDir.resolve(RESULT_FILE).toFile(), result);
        return result;
    }

    /** Loads the checkpoint into the model and optimizer after checking that it belongs to this run. */
    private Checkpoint.State restore(Path checkpointDir, long fingerprint) throws IOException {
        Path runDir = checkpointDir.getParent();
        if (Checkpoint.locate(checkpointDir) == null) {
            throw new IllegalArgumentException("nothing to resume in " + runDir + ": it has no " + CHECKPOINT_DIR
                    + "/ from a completed epoch");
        }
        if (Checkpoint.readState(checkpointDir).maskFingerprint() != fingerprint) {
            throw new IllegalArgumentException("the checkpoint in " + runDir + " was trained with other pruning masks"
                    + " than this model has");
        }
        Checkpoint.State state = Checkpoint.restore(checkpointDir, model, optimizer);
        if (state.epoch() > epochs) {
            throw new IllegalArgumentException("the checkpoint in " + runDir + " has completed " + state.epoch()
                    + " epochs, more than the " + epochs + " asked for");
        }
        return state;
    }

    /** Trains epoch {@code epoch} (from 0), then evaluates. */
    private EpochMetrics runEpoch(int epoch, BatchLoader trainData, BatchLoader testData) {
        long start = System.nanoTime();
        int batches = trainData.batchesPerEpoch();
        listener.epochStarted(epoch + 1, epochs, batches);
        model.train();
        double lossSum = 0;
        long correct = 0;
        long seen = 0;
        double lr = optimizer.learningRate();
        for (Batch batch : trainData.nextEpoch()) {
            lr = schedule.lr(epoch, batch.index(), batches);
            optimizer.setLearningRate(lr);
            try (MemoryScope _ = MemoryScope.open("train-step")) {
                Tensor logits = model.forward(BatchTensors.images(batch));
                Tensor loss = Losses.crossEntropy(logits, BatchTensors.labels(batch), Losses.Reduction.MEAN);
                double value = loss.item();
                if (!Double.isFinite(value)) {
                    throw new IllegalStateException(String.format(Locale.ROOT, "training diverged: the loss is %s at"
                            + " epoch %d, batch %d (learning rate %.4g); try a lower learning rate", value,
                            epoch + 1, batch.index() + 1, lr));
                }
                optimizer.zeroGrad();
                loss.backward();
                optimizer.step();
                lossSum += value * batch.size();
                correct += BatchTensors.correct(logits, batch.labels());
                seen += batch.size();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            listener.batchFinished(batch.index() + 1, lossSum / seen, 100.0 * correct / seen, seen / seconds);
        }
        double trainSeconds = (System.nanoTime() - start) / 1e9;
        Evaluation test = Evaluation.of(model, testData);
        double epochSeconds = (System.nanoTime() - start) / 1e9;
        return new EpochMetrics(epoch + 1, lossSum / seen, 100.0 * correct / seen, test.loss(), test.accuracy(), lr,
                epochSeconds, seen / trainSeconds);
    }
}
