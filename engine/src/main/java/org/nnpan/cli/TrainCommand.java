package org.nnpan.cli;

import java.io.IOException;
import java.math.BigDecimal;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.Callable;
import org.nnpan.data.Datasets;
import org.nnpan.data.DatasetNotFoundException;
import org.nnpan.io.OutputDirectories;
import org.nnpan.io.TensorFiles;
import org.nnpan.kernels.parallel.Parallel;
import org.nnpan.nn.Module;
import org.nnpan.pruning.Mask;
import org.nnpan.report.RunReport;
import org.nnpan.report.RunSummary;
import org.nnpan.train.Checkpoint;
import org.nnpan.train.KeptWeightRescale;
import org.nnpan.train.ProgressBar;
import org.nnpan.train.TrainConfig;
import org.nnpan.train.TrainResult;
import org.nnpan.train.Trainer;
import org.nnpan.train.TrainingData;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nnpan-engine train}: trains a zoo model on a data set with the reference protocol's defaults, writing
 * metrics, checkpoints and final weights to a run directory; {@code --resume} continues an interrupted run.
 *
 * <p>Options left out take the protocol default for the data set ({@link TrainConfig#defaults}) or, with
 * {@code --resume}, the run's saved value; a resumed run must not change anything but {@code --threads} and
 * {@code --data-dir}.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a model and evaluate it on the test set after every epoch.",
            "Defaults follow the reference protocol: SGD, momentum 0.9, lr 0.1, cosine to 0; MNIST-like data: 80 epochs,"
                    + " batch 256, weight decay 1e-4; CIFAR: 180 epochs, batch 128, weight decay 5e-4, crop+flip."},
        footer = {"", "Writes OUT/config.json, OUT/metrics.jsonl (one JSON object per epoch), OUT/checkpoint/ after every"
                + " epoch, OUT/model.safetensors, OUT/result.json, OUT/report.md and OUT/plots/ at the end.", "",
            "Example:", "  nnpan-engine train --model lenet5 --dataset fashion-mnist --epochs 10 --out runs/lenet5"})
public final class TrainCommand implements Callable<Integer> {

    /**
     * Options a resumed run may change: the data's location, and the thread count (which changes results only by
     * float rounding, so that a run can move to another machine).
     */
    private static final Set<String> FREE_ON_RESUME = Set.of("threads", "data_dir");

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", paramLabel = "NAME", completionCandidates = ModelNames.class,
            description = "Model: ${COMPLETION-CANDIDATES}.")
    private String model;

    @Option(names = "--dataset", paramLabel = "NAME", completionCandidates = DatasetNames.class,
            description = "Data set: ${COMPLETION-CANDIDATES}.")
    private String dataset;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run directory (created if needed).")
    private Path out;

    @Option(names = "--resume", description = "Continue the run in --out from its last completed epoch.")
    private boolean resume;

    @Option(names = "--init", paramLabel = "SCHEME", completionCandidates = InitNames.class,
            description = "Initialisation: ${COMPLETION-CANDIDATES} (default: reference).")
    private String init;

    @Option(names = "--width-multiplier", paramLabel = "K", description = "Factor on VGG/ResNet widths (default: 1).")
    private Integer widthMultiplier;

    @Mixin
    private TrainOptions recipe;

    @Mixin
    private ConfigFileOption configFile;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of initialisation and data order (default: 0).")
    private Long seed;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where the data set's files are (default: its usual place).")
    private Path dataDir;

    @Option(names = "--masks", paramLabel = "DIR",
            description = "Train the pruned network from a 'prune' run directory: start from its init.safetensors"
                    + " (the weights the masks belong to) with its masks.safetensors applied; both are copied into --out.")
    private Path masks;

    @Override
    public Integer call() throws IOException {
        TrainConfig config = resolveConfig();
        prepareOutput();
        Parallel.setThreads(config.threads());
        PrintWriter log = spec.commandLine().getOut();
        try (TrainingData data = openData(config)) {
            Module net = config.createModel();
            Mask mask = applyPruning(net, config.keptWeightRescale(), log);
            log.printf(Locale.ROOT, "%s (%,d parameters) on %s%n", config.model(), net.numParameters(), data.describe());
            log.println(recipe(config));
            if (resume) {
                log.printf("resuming %s after epoch %d%n", out, Checkpoint.readState(checkpointDir()).epoch());
            }
            log.flush();
            Trainer trainer = new Trainer(net, config.createOptimizer(net), config.createSchedule(), config.epochs(),
                    ProgressBar.onStandardError());
            TrainResult result = trainer.train(data.train(), data.test(), out, resume, config);
            log.printf(Locale.ROOT, "final test accuracy %.2f%% (best %.2f%% after epoch %d); weights: %s%n",
                    result.finalTestAcc(), result.bestTestAcc(), result.bestEpoch(),
                    out.resolve(Trainer.FINAL_MODEL_FILE));
            writeReport(config, net, mask, result);
            log.printf("report: %s%n", out.resolve(RunReport.FILE));
        }
        return 0;
    }

    /** OUT/report.md and OUT/plots/; a pruned run's report analyses its mask (per layer, effective density). */
    private void writeReport(TrainConfig config, Module net, Mask mask, TrainResult result) throws IOException {
        RunReport.write(mask == null ? RunSummary.dense(config, result)
                : RunSummary.pruned(config, net, mask, new LinkedHashMap<>(Map.of("masks",
                        out.resolve(MASKS_FILE).toString())), OptionalDouble.empty(), result), out);
    }

    /**
     * With {@code --masks}, loads θ₀ and the masks of a prune run and keeps copies in the run directory; a resumed
     * run re-applies the copied masks (its weights then come from the checkpoint). {@code rescale} then changes the
     * kept weights of θ₀.
     *
     * @return the masks applied, or null for a dense run
     * @throws IllegalArgumentException if a rescale is asked for without masks
     */
    private Mask applyPruning(Module net, KeptWeightRescale rescale, PrintWriter log) throws IOException {
        Path runMasks = out.resolve(MASKS_FILE);
        if (!resume && masks != null) {
            Path init = masks.resolve(INIT_FILE);
            Path file = masks.resolve(MASKS_FILE);
            for (Path p : List.of(init, file)) {
                if (!Files.isRegularFile(p)) {
                    throw new IllegalArgumentException("--masks " + masks + ": no " + p.getFileName()
                            + " there; pass the --out directory of a 'prune' run");
                }
            }
            net.loadStateDict(TensorFiles.load(init), true);
            Mask.load(file, net);
            Files.copy(init, out.resolve(INIT_FILE), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(file, runMasks, StandardCopyOption.REPLACE_EXISTING);
        } else if (resume && masks != null) {
            throw new IllegalArgumentException("--masks is not needed with --resume: the run reuses its own " + MASKS_FILE);
        }
        if (Files.isRegularFile(runMasks)) {
            Mask mask = Mask.load(runMasks, net);
            mask.apply(net);
            rescale.apply(net);
            log.printf(Locale.ROOT, "pruned network from %s: density %.4f%s%n", runMasks, mask.density(),
                    rescale == KeptWeightRescale.NONE ? "" : ", kept weights rescaled (" + rescale.cliName() + ")");
            return mask;
        }
        if (rescale != KeptWeightRescale.NONE) {
            throw new IllegalArgumentException("--rescale-kept " + rescale.cliName() + " needs --masks: it rescales"
                    + " the kept weights of a pruned network");
        }
        return null;
    }

    private static final String INIT_FILE = "init.safetensors";
    private static final String MASKS_FILE = "masks.safetensors";

    /** One log line with the optimisation settings. */
    private static String recipe(TrainConfig c) {
        String momentum = c.optimizer().equals("sgd")
                ? ", momentum " + number(c.momentum()) + (c.nesterov() ? " (Nesterov)" : "") : "";
        return String.format(Locale.ROOT, "%s (lr %s%s, weight decay %s), %s schedule, %d epochs, batch %d,"
                        + " augmentation %s, %s init, seed %d, %d threads", c.optimizer(), number(c.lr()), momentum,
                number(c.weightDecay()), c.schedule(), c.epochs(), c.batchSize(), c.augment() ? "on" : "off", c.init(),
                c.seed(), c.threads());
    }

    private static String number(double v) {
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    /** The options over the protocol defaults (a fresh run) or the saved config (a resumed one). */
    private TrainConfig resolveConfig() throws IOException {
        TrainConfig base;
        if (resume) {
            Path saved = out.resolve(Trainer.CONFIG_FILE);
            if (!Files.isRegularFile(saved) || Checkpoint.locate(checkpointDir()) == null) {
                throw new IllegalArgumentException("--resume: " + out + " holds no training run with a completed epoch"
                        + " (no " + Trainer.CONFIG_FILE + " or " + Trainer.CHECKPOINT_DIR + "/)");
            }
            base = TrainConfig.read(saved);
        } else {
            if (model == null || dataset == null) {
                throw new IllegalArgumentException("--model and --dataset are required (except with --resume)");
            }
            base = TrainConfig.defaults(lower(model), lower(dataset));
        }
        TrainConfig config = recipe.over(new TrainConfig(or(lower(model), base.model()),
                dataset == null ? base.dataset() : Datasets.info(dataset).name(),
                dataDir == null ? base.dataDir() : dataDir.toString(), base.inputSize(),
                or(widthMultiplier, base.widthMultiplier()), or(lower(init), base.init()), or(seed, base.seed()),
                base.threads(), base.epochs(), base.batchSize(), base.optimizer(), base.lr(), base.momentum(),
                base.weightDecay(), base.nesterov(), base.schedule(), base.milestones(), base.gamma(),
                base.warmupEpochs(), base.augment(), base.limitTrain(), base.limitTest(), base.rescaleKept()));
        if (resume) {
            List<String> changed = config.differencesFrom(base, FREE_ON_RESUME);
            if (!changed.isEmpty()) {
                throw new IllegalArgumentException("--resume: a resumed run must keep its settings, but these differ"
                        + " from the run in " + out + ": " + String.join(", ", changed) + " (yours first)");
            }
            if (config.threads() != base.threads()) {
                spec.commandLine().getOut().printf("note: %d threads instead of the run's %d: the result will differ"
                        + " from an uninterrupted run by float rounding%n", config.threads(), base.threads());
            }
        }
        return config;
    }

    /** Creates --out, failing with one clear line if that is impossible or a fresh run would overwrite a run. */
    private void prepareOutput() {
        OutputDirectories.prepare(out, "--out directory");
        if (!resume && Checkpoint.locate(checkpointDir()) != null) {
            throw new IllegalArgumentException(out + " already holds a training run; add --resume to continue it or"
                    + " choose another --out");
        }
    }

    private static TrainingData openData(TrainConfig config) throws IOException {
        try {
            return TrainingData.open(config);
        } catch (DatasetNotFoundException e) {
            // A missing data set is a configuration problem (exit 2), and its message says how to fix it.
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private Path checkpointDir() {
        return out.resolve(Trainer.CHECKPOINT_DIR);
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    private static <T> T or(T given, T fallback) {
        return given != null ? given : fallback;
    }

    /** Completion candidates: the registered data sets. */
    static final class DatasetNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Datasets.names().iterator();
        }
    }

    /** Completion candidates: the initialisation schemes. */
    static final class InitNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return TrainConfig.INIT_NAMES.iterator();
        }
    }
}
