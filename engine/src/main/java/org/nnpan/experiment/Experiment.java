package org.nnpan.experiment;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.SequencedMap;
import org.nnpan.data.DatasetInfo;
import org.nnpan.data.DatasetNotFoundException;
import org.nnpan.data.Datasets;
import org.nnpan.data.ImageDataset;
import org.nnpan.io.Json;
import org.nnpan.io.OutputDirectories;
import org.nnpan.io.TensorFiles;
import org.nnpan.kernels.parallel.Parallel;
import org.nnpan.nn.Module;
import org.nnpan.pruning.InitDiagnostics;
import org.nnpan.pruning.Mask;
import org.nnpan.pruning.ScoringBatch;
import org.nnpan.pruning.Seeds;
import org.nnpan.report.RunReport;
import org.nnpan.report.RunSummary;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.train.Checkpoint;
import org.nnpan.train.EpochMetrics;
import org.nnpan.train.TrainConfig;
import org.nnpan.train.TrainResult;
import org.nnpan.train.Trainer;
import org.nnpan.train.TrainingData;
import org.nnpan.train.TrainingListener;

/**
 * One run of the method's protocol: prune a freshly initialised network (or not, for
 * {@value PruneSettings#DENSE}), then train the sparse network from its initial weights.
 *
 * <h2>Run directory</h2>
 * <ul>
 *   <li>{@value #CONFIG_FILE}: the {@link RunConfig} under {@code config} and the {@link Provenance} under
 *       {@code provenance};</li>
 *   <li>{@value Pruning#INIT_FILE}, {@value Pruning#MASKS_FILE} (not for dense), {@code report.json/.md} and the
 *       other files of {@link Pruning}; {@value #PRUNE_FILE}, the {@link PruneSummary}, once pruning is done;</li>
 *   <li>{@value Trainer#METRICS_FILE}, {@value Trainer#CHECKPOINT_DIR}/, {@value Trainer#FINAL_MODEL_FILE} of the
 *       {@link Trainer};</li>
 *   <li>{@value #DIAGNOSTICS_FILE}: the {@link InitDiagnostics} of the network about to be trained, θ₀⊙m, on a
 *       class-balanced batch of its own;</li>
 *   <li>{@value RunReport#FILE} and {@value RunReport#PLOTS_DIR}/ ({@link RunReport}): what was run, the
 *       per-layer table of the mask, accuracy, timings and plots; it replaces the pruning phase's report.md;</li>
 *   <li>{@value #RESULT_FILE}: the {@link RunResult}, written last.</li>
 * </ul>
 *
 * <h2>Re-running</h2>
 * {@link #run} on a directory that already holds the same configuration (up to data location and thread count)
 * returns the finished run's result without computing anything, or continues an interrupted one: a finished
 * pruning is reused and training resumes exactly from its last checkpoint. A directory holding another
 * configuration is refused.
 */
public final class Experiment {
    /** The configuration and provenance. */
    public static final String CONFIG_FILE = Trainer.CONFIG_FILE;
    /** The {@link PruneSummary}, written when pruning is complete. */
    public static final String PRUNE_FILE = "prune.json";
    /** The {@link InitDiagnostics} of θ₀⊙m, written before training starts. */
    public static final String DIAGNOSTICS_FILE = "diag.json";
    /** Examples per class in the batch the network is diagnosed on before training. */
    static final int DIAGNOSTICS_SAMPLES_PER_CLASS = 10;
    /** The {@link RunResult}, written when the run is complete. */
    public static final String RESULT_FILE = Trainer.RESULT_FILE;

    /**
     * What the pruning phase left for training and the result.
     *
     * @param seconds          wall time of the pruning; for a shuffled run that reused a finished pruning, that
     *                         pruning's
     * @param density          fraction of prunable weights kept
     * @param effectiveDensity fraction of prunable weights on a live path
     */
    public record PruneSummary(double seconds, double density, double effectiveDensity) {
    }

    /**
     * The content of {@value #CONFIG_FILE}.
     *
     * @param config     what decides the run
     * @param provenance where it was computed
     */
    public record Record(RunConfig config, Provenance provenance) {
    }

    private final AgentPanning agent;
    private final PrintWriter log;
    private final TrainingListener progress;

    /**
     * @param agent    runs {@value PruneSettings#RL_PANNING}
     * @param log      progress lines (phases, pruning steps, the outcome)
     * @param progress follows training, e.g. a progress bar
     */
    public Experiment(AgentPanning agent, PrintWriter log, TrainingListener progress) {
        this.agent = agent;
        this.log = log;
        this.progress = progress;
    }

    /**
     * Runs, resumes or skips the run {@code config} in {@code dir} (created if missing).
     *
     * @throws IllegalArgumentException if {@code dir} holds another run, cannot be created, or the data set is
     *                                  missing (the message says how to install it)
     */
    public RunResult run(RunConfig config, Path dir) throws IOException {
        return run(config, dir, null);
    }

    /**
     * Runs, resumes or skips the run {@code config} in {@code dir} (created if missing); a shuffled run
     * ({@link PruneSettings#shuffle()}) reuses the finished pruning in {@code unshuffled} when that directory holds
     * the same prune settings without the shuffle and the same thread count (pruning is deterministic for a given
     * seed and thread count): it shuffles that run's mask as its own pruning would have, with the same bytes, and
     * reports that run's pruning time as its own. Otherwise it prunes from scratch.
     *
     * @param unshuffled the run directory of {@code config} without the shuffle, or null
     * @throws IllegalArgumentException if {@code dir} holds another run, cannot be created, or the data set is
     *                                  missing (the message says how to install it)
     */
    public RunResult run(RunConfig config, Path dir, Path unshuffled) throws IOException {
        OutputDirectories.prepare(dir, "run directory");
        Path configFile = dir.resolve(CONFIG_FILE);
        if (Files.isRegularFile(configFile)) {
            requireSameRun(config, configFile);
            RunResult finished = finishedResult(dir);
            if (finished != null) {
                log.printf(Locale.ROOT, "skipping %s: the run is already finished (final test accuracy %.2f%%)%n",
                        dir, finished.finalTestAcc());
                return finished.asSkipped();
            }
        }
        // The run's thread count first: the provenance records the one in effect.
        Parallel.setThreads(config.train().threads());
        Record record = new Record(config, Provenance.current(config.train().seed()));
        Json.write(configFile, record);
        try (MemoryScope _ = MemoryScope.open("experiment")) {
            PruneSummary pruned = prune(config, dir, unshuffled);
            // One θ₀ and one mask serve the diagnosis, the training and the report.
            Module net = config.train().createModel();
            net.loadStateDict(TensorFiles.load(dir.resolve(Pruning.INIT_FILE)), true);
            Mask mask = config.prune().isDense() ? null : Mask.load(dir.resolve(Pruning.MASKS_FILE), net);
            if (mask != null) {
                // The diagnosis, the training and the report all see the network as it will be trained.
                mask.apply(net);
                config.train().keptWeightRescale().apply(net);
            }
            InitDiagnostics atInit = withData(() -> diagnose(config, dir, net, mask));
            boolean resumed = Checkpoint.locate(dir.resolve(Trainer.CHECKPOINT_DIR)) != null;
            TrainResult trained = train(config, record, dir, resumed, net, mask);
            RunResult result = new RunResult(config.prune().method(), trained.epochs(), trained.finalTestAcc(),
                    trained.history().getLast().testLoss(), trained.bestTestAcc(), trained.bestEpoch(),
                    pruned.density(), pruned.effectiveDensity(),
                    pruned.seconds(), trained.history().stream().mapToDouble(EpochMetrics::epochSeconds).sum(),
                    resumed, false);
            RunReport.write(summary(config, dir, pruned, trained, net, mask).withAtInit(atInit), dir);
            Json.write(dir.resolve(RESULT_FILE), result);
            log.printf(Locale.ROOT, "%s: final test accuracy %.2f%% (best %.2f%% after epoch %d), density %.4f"
                            + " (effective %.4f); pruning %.1f s, training %.1f s%n", dir, result.finalTestAcc(),
                    result.bestTestAcc(), result.bestEpoch(), result.density(), result.effectiveDensity(),
                    result.pruneSeconds(), result.trainSeconds());
            return result;
        }
    }

    private static void requireSameRun(RunConfig config, Path configFile) throws IOException {
        RunConfig saved = savedConfig(configFile);
        if (saved == null) {
            throw new IllegalArgumentException(configFile.getParent() + " holds something else than a run (its "
                    + CONFIG_FILE + " has no 'config'); choose another directory");
        }
        List<String> changed = config.differencesFrom(saved);
        if (!changed.isEmpty()) {
            throw new IllegalArgumentException(configFile.getParent() + " holds a run with other settings: "
                    + String.join(", ", changed) + " (yours first); choose another directory");
        }
    }

    /** The run configuration in {@code configFile} (a {@value #CONFIG_FILE}), or null if it holds none. */
    private static RunConfig savedConfig(Path configFile) throws IOException {
        JsonNode saved = Json.MAPPER.readTree(configFile.toFile()).get("config");
        return saved == null ? null : Json.MAPPER.treeToValue(saved, RunConfig.class);
    }

    /** The result in {@code dir} if the run finished (its own result, not the trainer's), else null. */
    private static RunResult finishedResult(Path dir) throws IOException {
        Path file = dir.resolve(RESULT_FILE);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return Json.MAPPER.readerFor(RunResult.class)
                    .with(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES).readValue(file.toFile());
        } catch (MismatchedInputException e) {
            return null; // the trainer's result.json: interrupted between the end of training and ours
        }
    }

    /**
     * Prunes, reuses the finished pruning in {@code unshuffled} (may be null) for a shuffled run, or reads the summary
     * of a pruning that finished in an earlier session.
     */
    private PruneSummary prune(RunConfig config, Path dir, Path unshuffled) throws IOException {
        PruneSettings s = config.prune();
        Path summary = dir.resolve(PRUNE_FILE);
        if (Files.isRegularFile(summary)) {
            log.printf("reusing the finished pruning in %s%n", dir);
            return Json.MAPPER.readValue(summary.toFile(), PruneSummary.class);
        }
        PruneSummary result;
        if (s.isDense()) {
            Module net = Pruning.initialModel(s);
            TensorFiles.save(dir.resolve(Pruning.INIT_FILE), net.stateDict(), Map.of("method", PruneSettings.DENSE));
            result = new PruneSummary(0, 1, 1);
        } else {
            Pruning pruning = new Pruning(agent, log);
            PruneSummary reusable = unshuffled == null ? null : finishedUnshuffled(config, unshuffled);
            if (reusable != null) {
                log.printf("reusing the pruning of %s for the shuffled control%n", unshuffled.getFileName());
            }
            Pruning.Outcome outcome = withData(() -> reusable == null ? pruning.run(s, dir)
                    : pruning.shuffleFinished(s, unshuffled, reusable.seconds(), dir));
            outcome.report().warnings().forEach(w -> log.println("WARNING: " + w));
            result = new PruneSummary(outcome.seconds(), outcome.report().density(),
                    1 - outcome.report().effectiveSparsity());
        }
        Json.write(summary, result);
        return result;
    }

    /**
     * The summary of the finished pruning in {@code dir} if {@code config} shuffles and {@code dir} holds its prune
     * settings without the shuffle, pruned with the same thread count; else null.
     */
    private static PruneSummary finishedUnshuffled(RunConfig config, Path dir) throws IOException {
        Path summary = dir.resolve(PRUNE_FILE);
        Path configFile = dir.resolve(CONFIG_FILE);
        if (!config.prune().shuffle() || !Files.isRegularFile(summary) || !Files.isRegularFile(configFile)) {
            return null;
        }
        RunConfig theirs = savedConfig(configFile);
        if (theirs == null) {
            return null;
        }
        boolean same = theirs.prune().equals(config.prune().unshuffled())
                && theirs.train().threads() == config.train().threads();
        return same ? Json.MAPPER.readValue(summary.toFile(), PruneSummary.class) : null;
    }

    /**
     * Diagnoses θ₀⊙m ({@link InitDiagnostics}) on a class-balanced batch drawn apart from the pruning's, writes
     * {@value #DIAGNOSTICS_FILE} and logs one line, so that a network that cannot train shows before it trains.
     */
    private InitDiagnostics diagnose(RunConfig config, Path dir, Module net, Mask mask) throws IOException {
        TrainConfig t = config.train();
        DatasetInfo info = Datasets.info(t.dataset());
        ImageDataset data = Datasets.load(t.dataset(), t.dataDir() == null ? null : Path.of(t.dataDir()), true);
        ScoringBatch batch = ScoringBatch.sample(data, info.normalization(), t.inputSize(),
                DIAGNOSTICS_SAMPLES_PER_CLASS, Seeds.derive(t.seed(), "init-diagnostics"));
        InitDiagnostics atInit = InitDiagnostics.of(net, mask == null ? Mask.dense(net) : mask, batch);
        Json.write(dir.resolve(DIAGNOSTICS_FILE), atInit);
        log.printf(Locale.ROOT, "at initialisation: loss %.4f, logit std %.3g, %.1f%% of ReLU units dead%n",
                atInit.loss(), atInit.logitStd(), 100 * atInit.deadFraction());
        return atInit;
    }

    /**
     * Trains {@code net} (θ₀) with {@code mask} applied (null: dense), resuming from a checkpoint an earlier session
     * left.
     */
    private TrainResult train(RunConfig config, Record record, Path dir, boolean resume, Module net, Mask mask)
            throws IOException {
        TrainConfig t = config.train();
        try (TrainingData data = withData(() -> TrainingData.open(t))) {
            log.printf(Locale.ROOT, "%s %s: training %s (%,d parameters) on %s%n",
                    resume ? "resuming" : "starting", dir, t.model(), net.numParameters(), data.describe());
            log.flush();
            Trainer trainer = new Trainer(net, t.createOptimizer(net), t.createSchedule(), t.epochs(), progress);
            return trainer.train(data.train(), data.test(), dir, resume, record);
        }
    }

    /** What the run's report.md shows; the pruning section analyses the mask the network was trained under. */
    private static RunSummary summary(RunConfig config, Path dir, PruneSummary pruned, TrainResult trained,
                                      Module net, Mask mask) {
        TrainConfig t = config.train();
        if (mask == null) {
            return RunSummary.dense(t, trained);
        }
        SequencedMap<String, String> settings = new LinkedHashMap<>();
        settings.put("method", config.prune().method());
        settings.put("masks", dir.resolve(Pruning.MASKS_FILE).toString());
        return RunSummary.pruned(t, net, mask, settings,
                OptionalDouble.of(pruned.seconds()), trained);
    }

    /** Something that reads a data set. */
    @FunctionalInterface
    private interface DataTask<T> {
        T run() throws IOException;
    }

    /** Runs {@code task}, turning a missing data set into a configuration error (its message says how to fix it). */
    private static <T> T withData(DataTask<T> task) throws IOException {
        try {
            return task.run();
        } catch (DatasetNotFoundException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
