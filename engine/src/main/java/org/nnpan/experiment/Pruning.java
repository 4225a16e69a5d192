package org.nnpan.experiment;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.SequencedMap;
import java.util.Set;
import org.nnpan.data.DatasetInfo;
import org.nnpan.data.Datasets;
import org.nnpan.data.ImageDataset;
import org.nnpan.data.SplitMix64;
import org.nnpan.io.OutputDirectories;
import org.nnpan.io.TensorFiles;
import org.nnpan.models.ModelSpec;
import org.nnpan.models.ModelZoo;
import org.nnpan.nn.Module;
import org.nnpan.nn.init.InitScheme;
import org.nnpan.pruning.IndexFusion;
import org.nnpan.pruning.LayerShuffle;
import org.nnpan.pruning.Mask;
import org.nnpan.pruning.Panning;
import org.nnpan.pruning.PanningEnvironment;
import org.nnpan.pruning.Pruner;
import org.nnpan.pruning.PruningMethod;
import org.nnpan.pruning.PruningReport;
import org.nnpan.pruning.ScoringBatch;
import org.nnpan.pruning.Seeds;
import org.nnpan.pruning.StageTable;
import org.nnpan.tensor.Tensor;

/**
 * Prunes a freshly initialised network as {@link PruneSettings} say and writes into the output directory:
 * <ul>
 *   <li>{@value #INIT_FILE}: the dense initial weights θ₀ (PyTorch names), which the mask belongs to;</li>
 *   <li>{@value #MASKS_FILE}: a 0/1 mask per prunable weight, {@code <param>_mask};</li>
 *   <li>{@code report.json}, {@code report.md}: the {@link PruningReport};</li>
 *   <li>{@value PanningStepLog#FILE_NAME} for the panning methods; with {@link PruneSettings#saveScores()},
 *       {@value #SCORES_FILE} and {@value #BATCH_FILE}.</li>
 * </ul>
 */
public final class Pruning {
    /** The initial weights in the output directory. */
    public static final String INIT_FILE = "init.safetensors";
    /** The mask in the output directory. */
    public static final String MASKS_FILE = "masks.safetensors";
    /** The last step's raw scores, {@code <index>.<param>}. */
    public static final String SCORES_FILE = "scores.safetensors";
    /** The scoring batch, inputs as fed and labels. */
    public static final String BATCH_FILE = "scoring-batch.safetensors";

    /**
     * What a pruning run produced; the mask lives in the caller's memory scope.
     *
     * @param mask    the final mask
     * @param report  its per-layer report
     * @param seconds wall time of the pruning itself (no data loading, no writing); for
     *                {@link #shuffleFinished}, the reused pruning's
     */
    public record Outcome(Mask mask, PruningReport report, double seconds) {
    }

    private final AgentPanning agent;
    private final PrintWriter log;

    /**
     * @param agent runs {@value PruneSettings#RL_PANNING}
     * @param log   progress lines
     */
    public Pruning(AgentPanning agent, PrintWriter log) {
        this.agent = agent;
        this.log = log;
    }

    /**
     * The dense network before pruning: the zoo model initialised from {@code Seeds.derive(seed, "init")}, in the
     * current memory scope.
     */
    public static Module initialModel(PruneSettings s) {
        DatasetInfo info = Datasets.info(s.dataset());
        return ModelZoo.create(s.model(), ModelSpec.of(info.numClasses(), info.channels(), s.inputSize()),
                InitScheme.valueOf(s.init().toUpperCase(Locale.ROOT)),
                new SplitMix64(Seeds.derive(s.seed(), "init")));
    }

    /**
     * Prunes and writes the output directory (created if missing); call inside a memory scope.
     *
     * @throws IllegalArgumentException for method {@value PruneSettings#DENSE}, which prunes nothing
     */
    public Outcome run(PruneSettings s, Path out) throws IOException {
        if (s.isDense()) {
            throw new IllegalArgumentException("method " + PruneSettings.DENSE + " prunes nothing; use it with 'run'"
                    + " or train the dense network with 'train'");
        }
        Start start = start(s, initialModel(s), out);
        Module net = start.net();
        long startNanos = System.nanoTime();
        Panning.BatchSource batches = Panning.BatchSource.classBalanced(start.data(), start.info().normalization(),
                s.inputSize(), s.samplesPerClass(), start.batchSeed());
        Mask mask = switch (s.method()) {
            case PruneSettings.PANNING -> Panning.prune(net, batches, new Panning.Config(s.target(), s.iterations(),
                    s.indexFusion(), StageTable.defaults(s.indexFusion()), Set.copyOf(s.keepDense())),
                    new PanningStepLog(out, log));
            case PruneSettings.RL_PANNING -> agent.prune(net, batches,
                    PanningEnvironment.Config.defaults(s.target()).withSteps(s.iterations()), s.agentSteps(),
                    s.policy() == null ? null : Path.of(s.policy()), s.seed(), out, log);
            default -> Pruner.prune(net, start.batch(), s.prunerConfig(),
                    step -> afterStep(step, s, out, start.settings()));
        };
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        log.printf(Locale.ROOT, "pruned with %s in %.2f s%n", s.method(), seconds);
        return finish(s, start, mask, seconds, out);
    }

    /**
     * Writes the output directory of the shuffled run {@code s} from the finished pruning of the same settings without
     * the shuffle in {@code unshuffled} (its θ₀, mask, step log and, with save-scores, raw scores), exactly as
     * {@link #run} would write it: the scoring batch is drawn again, the mask shuffled with the same seed. The agent's
     * run and policy of {@value PruneSettings#RL_PANNING} stay in {@code unshuffled}. The caller checks that
     * {@code unshuffled} holds the same settings; call inside a memory scope.
     *
     * @param seconds what the outcome reports as the pruning time: the unshuffled pruning's
     * @throws IllegalArgumentException if {@code s} does not shuffle
     */
    public Outcome shuffleFinished(PruneSettings s, Path unshuffled, double seconds, Path out) throws IOException {
        if (!s.shuffle()) {
            throw new IllegalArgumentException("only a shuffled run (shuffle on) reuses a finished pruning");
        }
        Module net = initialModel(s);
        net.loadStateDict(TensorFiles.load(unshuffled.resolve(INIT_FILE)), true);
        Start start = start(s, net, out);
        Mask mask = Mask.load(unshuffled.resolve(MASKS_FILE), net);
        Path steps = unshuffled.resolve(PanningStepLog.FILE_NAME);
        if (Files.isRegularFile(steps)) {
            Files.copy(steps, out.resolve(PanningStepLog.FILE_NAME), StandardCopyOption.REPLACE_EXISTING);
        }
        Path scores = unshuffled.resolve(SCORES_FILE);
        if (Files.isRegularFile(scores)) {
            // Written again for this run's metadata.
            TensorFiles.save(out.resolve(SCORES_FILE), TensorFiles.load(scores), start.settings());
        }
        return finish(s, start, mask, seconds, out);
    }

    /**
     * What a pruning starts from, its θ₀ and scoring batch already written.
     *
     * @param batchSeed the seed of the scoring batches
     */
    private record Start(Module net, DatasetInfo info, ImageDataset data, ScoringBatch batch, long batchSeed,
                         SequencedMap<String, String> settings) {
    }

    /** Draws the scoring batch and writes θ₀ ({@code net}) and, with save-scores, the batch into {@code out}. */
    private Start start(PruneSettings s, Module net, Path out) throws IOException {
        DatasetInfo info = Datasets.info(s.dataset());
        int size = s.inputSize();
        if (size != info.height()) {
            log.printf("padding the %dx%d %s images to %dx%d: %s is defined on %dx%d inputs%n", info.height(),
                    info.width(), info.displayName(), size, size, s.model(), size, size);
        }
        ImageDataset data = Datasets.load(s.dataset(), s.dataDir() == null ? null : Path.of(s.dataDir()), true);
        long batchSeed = Seeds.derive(s.seed(), "scoring-batch");
        ScoringBatch batch = ScoringBatch.sample(data, info.normalization(), size, s.samplesPerClass(), batchSeed);
        SequencedMap<String, String> settings = describe(s, info, batch);
        OutputDirectories.prepare(out, "pruning output directory");
        TensorFiles.save(out.resolve(INIT_FILE), net.stateDict(), settings);
        if (s.saveScores()) {
            batch.save(out.resolve(BATCH_FILE), settings);
        }
        return new Start(net, info, data, batch, batchSeed, settings);
    }

    /** Shuffles the final mask if asked, writes it and its report. */
    private static Outcome finish(PruneSettings s, Start start, Mask mask, double seconds, Path out)
            throws IOException {
        Mask last = s.shuffle() ? LayerShuffle.shuffle(mask, s.seed()) : mask;
        last.save(out.resolve(MASKS_FILE));
        PruningReport report = PruningReport.of(start.net(), last, start.batch().inputShape(), start.settings());
        report.write(out);
        return new Outcome(last, report, seconds);
    }

    /** The settings as the report and the files' metadata show them. */
    private static SequencedMap<String, String> describe(PruneSettings s, DatasetInfo info, ScoringBatch batch) {
        int[] in = batch.inputShape();
        SequencedMap<String, String> d = new LinkedHashMap<>();
        d.put("model", s.model());
        d.put("dataset", s.dataset());
        d.put("input", in[0] + "x" + in[1] + "x" + in[2]
                + (in[1] == info.height() ? "" : " (" + info.height() + "x" + info.width() + " images padded)"));
        d.put("init", s.init());
        d.put("method", s.method() + (s.shuffle() ? " (mask shuffled within layers)" : ""));
        d.put("target", s.target().describe() + (s.keepDense().isEmpty() ? ""
                : " of the prunable weights not kept dense"));
        if (!s.keepDense().isEmpty()) {
            d.put("kept dense", String.join(", ", s.keepDense()));
        }
        String panningRule = "keep the highest a|z(synflow)| + b|z(snip)| + c|z(grasp)|, (a, b, c) ";
        String panningSteps = "; a fresh batch per step; pruned weights may come back; steps in "
                + PanningStepLog.FILE_NAME;
        d.put("ranking", switch (s.method()) {
            case PruneSettings.PANNING -> (s.indexFusion() == IndexFusion.ADDITIVE ? panningRule
                    : "keep the highest |z(synflow)|^a · |z(snip)|^b · |z(grasp)|^c, (a, b, c) ") + "by stage"
                    + panningSteps;
            case PruneSettings.RL_PANNING -> panningRule + "chosen per step by the panning agent"
                    + (s.policy() == null ? "" : " " + s.policy()) + panningSteps;
            default -> {
                PruningMethod m = PruningMethod.parse(s.method());
                yield "keep the highest " + m.rule().formula(m.saliency(s.seed()).name() + " score")
                        + (m.prunedStayPruned() ? "; pruned weights stay pruned" : "");
            }
        });
        d.put("selection", s.scope());
        d.put("schedule", s.iterations() == 1 ? "one shot" : s.schedule() + ", " + s.iterations() + " steps");
        d.put("scoring batch", batch.size() + " examples (" + s.samplesPerClass() + " per class)");
        d.put("seed", Long.toString(s.seed()));
        return d;
    }

    /** Prints progress about ten times per run, and saves the last step's raw scores when asked. */
    private void afterStep(Pruner.Step step, PruneSettings s, Path out, SequencedMap<String, String> settings) {
        int every = Math.max(1, step.count() / 10);
        if (step.count() > 1 && ((step.index() + 1) % every == 0 || step.isLast())) {
            log.printf(Locale.ROOT, "step %d/%d: %s, %,d weights kept%n", step.index() + 1, step.count(),
                    step.density().describe(), step.mask().kept());
        }
        if (s.saveScores() && step.isLast()) {
            SequencedMap<String, Tensor> entries = new LinkedHashMap<>();
            step.rawScores().asMap().forEach((name, sc) -> entries.put(step.saliency().name() + "." + name, sc));
            try {
                TensorFiles.save(out.resolve(SCORES_FILE), entries, settings);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
