package org.nnpan.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SequencedMap;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.nnpan.data.DatasetInfo;
import org.nnpan.data.Datasets;
import org.nnpan.data.ImageDataset;
import org.nnpan.data.SplitMix64;
import org.nnpan.io.TensorFiles;
import org.nnpan.models.ModelSpec;
import org.nnpan.models.ModelZoo;
import org.nnpan.nn.Module;
import org.nnpan.nn.init.InitScheme;
import org.nnpan.pruning.Density;
import org.nnpan.pruning.IndexFusion;
import org.nnpan.pruning.LayerShuffle;
import org.nnpan.pruning.Mask;
import org.nnpan.pruning.Panning;
import org.nnpan.pruning.PanningEnvironment;
import org.nnpan.pruning.Pruner;
import org.nnpan.pruning.PruningMethod;
import org.nnpan.pruning.PruningReport;
import org.nnpan.pruning.Schedule;
import org.nnpan.pruning.ScoringBatch;
import org.nnpan.pruning.Seeds;
import org.nnpan.pruning.StageTable;
import org.nnpan.pruning.MaskSelection;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nnpan-engine prune}: prune a freshly initialised zoo model before training with one of the baselines and
 * write its mask, its initial weights and a sparsity report.
 */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = {"Prune a freshly initialised network before training. Writes into --out:",
            "  masks.safetensors  a 0/1 mask per prunable weight, named <param>_mask",
            "                     as torch.nn.utils.prune names it",
            "  init.safetensors   the dense initial weights theta0, PyTorch names",
            "  report.json, .md   per layer: kept, density, effective density, FLOPs;",
            "                     density, fraction pruned and compression ratio,",
            "                     nominal and effective; layer-collapse warnings",
            "--save-scores adds scores.safetensors (<index>.<param>: the raw scores of",
            "the last step) and scoring-batch.safetensors (inputs as fed, labels).",
            ""},
        sortOptions = false)
public final class PruneCommand implements Callable<Integer> {
    private static final int PADDED_SIZE = 32;
    /** Multi-index, multi-process panning ({@link Panning}), which is not a {@link PruningMethod} of {@link Pruner}. */
    private static final String PANNING = "panning";
    private static final long DEFAULT_AGENT_STEPS = 50_000;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "Model: ${COMPLETION-CANDIDATES}.",
            completionCandidates = ModelNames.class)
    private String model;

    @Option(names = "--dataset", defaultValue = "fashion-mnist",
            description = "Dataset of the scoring batch and the model's input shape (default: ${DEFAULT-VALUE}).")
    private String dataset;

    @Option(names = "--method", required = true, description = "Method: ${COMPLETION-CANDIDATES}.",
            completionCandidates = MethodNames.class)
    private String method;

    @Option(names = "--sparsity", required = true,
            description = "Fraction of prunable weights to remove, in [0, 1): 0.98 keeps 2 %%.")
    private double sparsity;

    @Option(names = "--iterations",
            description = "Pruning steps (default: 100 for synflow, iter-snip and force, 1 otherwise).")
    private Integer iterations;

    @Option(names = "--schedule", defaultValue = "exp",
            description = "Density schedule over the steps: exp or linear (default: ${DEFAULT-VALUE}).")
    private String schedule;

    @Option(names = "--scope", defaultValue = "global",
            description = "MaskSelection: global (one pool over all layers) or layer (per-layer quotas)"
                    + " (default: ${DEFAULT-VALUE}).")
    private String scope;

    @Option(names = "--shuffle",
            description = "Shuffle the final mask within each layer (the per-layer-density sanity check).")
    private boolean shuffle;

    @Option(names = "--samples-per-class", defaultValue = "10",
            description = "Examples per class in the scoring batch (default: ${DEFAULT-VALUE}).")
    private int samplesPerClass;

    @Option(names = "--seed", defaultValue = "1",
            description = "Seed of the initialisation, scoring batch, random scores and shuffle"
                    + " (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--init", defaultValue = "reference",
            description = "Initialisation: reference (Kaiming-normal conv, N(0, 0.01) linear) or pytorch"
                    + " (default: ${DEFAULT-VALUE}).")
    private String init;

    @Option(names = "--data-dir", description = "Folder of the dataset files (default: the dataset's usual place).")
    private Path dataDir;

    @Option(names = "--save-scores", description = "Also write scores.safetensors and scoring-batch.safetensors.")
    private boolean saveScores;

    @Option(names = "--agent-steps",
            description = "rl-panning: environment steps to train the agent for, without --policy (default: 50000).")
    private Long agentSteps;

    @Option(names = "--policy",
            description = "rl-panning: roll out this trained policy (.safetensors with its .json) instead of training.")
    private Path policy;

    @Option(names = "--out", required = true, description = "Output folder (created if missing).")
    private Path out;

    @Override
    public Integer call() throws IOException {
        boolean agent = RlPanning.METHOD.equals(method);
        boolean panning = agent || PANNING.equals(method);
        if (!agent && (agentSteps != null || policy != null)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--agent-steps and --policy apply to --method " + RlPanning.METHOD + " only");
        }
        long trainingSteps = agentSteps == null ? DEFAULT_AGENT_STEPS : agentSteps;
        if (trainingSteps < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--agent-steps must be at least 1, got "
                    + trainingSteps);
        }
        Pruner.Config config = config(panning);
        InitScheme initScheme = parse(() -> initScheme(init));
        DatasetInfo info = parse(() -> Datasets.info(dataset));
        int size = inputSize(info);
        PrintWriter console = spec.commandLine().getOut();
        try (MemoryScope _ = MemoryScope.open("prune")) {
            Module net = parse(() -> ModelZoo.create(model, ModelSpec.of(info.numClasses(), info.channels(), size),
                    initScheme, new SplitMix64(Seeds.derive(seed, "init"))));
            if (size != info.height()) {
                console.printf("padding the %dx%d %s images to %dx%d: %s is defined on %dx%d inputs%n", info.height(),
                        info.width(), info.displayName(), size, size, model, size, size);
            }
            ImageDataset data = Datasets.load(dataset, dataDir, true);
            ScoringBatch batch = parse(() -> ScoringBatch.sample(data, info.normalization(), size, samplesPerClass,
                    Seeds.derive(seed, "scoring-batch")));
            SequencedMap<String, String> settings = settings(config, info, batch);
            Files.createDirectories(out);
            TensorFiles.save(out.resolve("init.safetensors"), net.stateDict(), settings);
            if (saveScores) {
                batch.save(out.resolve("scoring-batch.safetensors"), settings);
            }
            long start = System.nanoTime();
            Panning.BatchSource batches = Panning.BatchSource.classBalanced(data, info.normalization(), size,
                    samplesPerClass, Seeds.derive(seed, "scoring-batch"));
            Mask mask = switch (method) {
                case PANNING -> Panning.prune(net, batches, new Panning.Config(config.target(), config.iterations(),
                        IndexFusion.ADDITIVE, StageTable.additiveDefaults()), new PanningStepLog(out, console));
                case RlPanning.METHOD -> RlPanning.prune(net, batches,
                        PanningEnvironment.Config.defaults(config.target()).withSteps(config.iterations()),
                        trainingSteps, policy, seed, out, console);
                default -> Pruner.prune(net, batch, config, step -> afterStep(step, console, settings));
            };
            console.printf(Locale.ROOT, "pruned with %s in %.2f s%n", method, (System.nanoTime() - start) / 1e9);
            if (shuffle) {
                mask = LayerShuffle.shuffle(mask, seed);
            }
            mask.save(out.resolve("masks.safetensors"));
            PruningReport report = PruningReport.of(net, mask, batch.inputShape(), settings);
            report.write(out);
            console.println(report.toMarkdown());
            report.warnings().forEach(w -> spec.commandLine().getErr().println("WARNING: " + w));
            console.println("wrote " + out.toAbsolutePath());
        }
        return 0;
    }

    /** The validated settings; a bad value is a usage error (exit 2) that names it. */
    private Pruner.Config config(boolean panning) {
        // Panning reads only the target and the number of steps; SynFlow stands in for its (multi-step) method.
        PruningMethod m = panning ? PruningMethod.SYNFLOW : parse(() -> PruningMethod.parse(method));
        Density target = parse(() -> Density.ofSparsity(sparsity));
        int steps = iterations == null ? (panning ? Panning.DEFAULT_STEPS : m.defaultIterations()) : iterations;
        if (steps < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--iterations must be at least 1, got " + steps);
        }
        return new Pruner.Config(m, target, parse(() -> MaskSelection.Scope.parse(scope)),
                parse(() -> Schedule.parse(schedule)), steps, seed);
    }

    private int inputSize(DatasetInfo info) {
        // The LeNets take the images as they are; VGG and the ResNets are defined on 32x32 inputs.
        return model.startsWith("lenet") ? info.height() : Math.max(PADDED_SIZE, info.height());
    }

    private SequencedMap<String, String> settings(Pruner.Config config, DatasetInfo info, ScoringBatch batch) {
        int[] in = batch.inputShape();
        SequencedMap<String, String> s = new LinkedHashMap<>();
        s.put("model", model);
        s.put("dataset", dataset);
        s.put("input", in[0] + "x" + in[1] + "x" + in[2]
                + (in[1] == info.height() ? "" : " (" + info.height() + "x" + info.width() + " images padded)"));
        s.put("init", init);
        s.put("method", method + (shuffle ? " (mask shuffled within layers)" : ""));
        s.put("target", config.target().describe());
        PruningMethod m = config.method();
        s.put("ranking", switch (method) {
            case PANNING -> "keep the highest a|z(synflow)| + b|z(snip)| + c|z(grasp)|, (a, b, c) by stage; a fresh"
                    + " batch per step; pruned weights may come back; steps in " + PanningStepLog.FILE_NAME;
            case RlPanning.METHOD -> "keep the highest a|z(synflow)| + b|z(snip)| + c|z(grasp)|, (a, b, c) chosen"
                    + " per step by the panning agent" + (policy == null ? "" : " " + policy) + "; a fresh batch per"
                    + " step; pruned weights may come back; steps in " + PanningStepLog.FILE_NAME;
            default -> "keep the highest " + m.rule().formula(m.saliency(seed).name() + " score")
                    + (m.prunedStayPruned() ? "; pruned weights stay pruned" : "");
        });
        s.put("selection", config.scope().cliName());
        s.put("schedule", config.iterations() == 1 ? "one shot"
                : config.schedule().cliName() + ", " + config.iterations() + " steps");
        s.put("scoring batch", batch.size() + " examples (" + samplesPerClass + " per class)");
        s.put("seed", Long.toString(seed));
        return s;
    }

    /** Prints progress about ten times per run, and saves the last step's raw scores when asked. */
    private void afterStep(Pruner.Step step, PrintWriter console, Map<String, String> settings) {
        int every = Math.max(1, step.count() / 10);
        if (step.count() > 1 && ((step.index() + 1) % every == 0 || step.isLast())) {
            console.printf(Locale.ROOT, "step %d/%d: %s, %,d weights kept%n", step.index() + 1, step.count(),
                    step.density().describe(), step.mask().kept());
        }
        if (saveScores && step.isLast()) {
            SequencedMap<String, Tensor> entries = new LinkedHashMap<>();
            step.rawScores().asMap().forEach((name, s) -> entries.put(step.saliency().name() + "." + name, s));
            try {
                TensorFiles.save(out.resolve("scores.safetensors"), entries, settings);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static InitScheme initScheme(String name) {
        return switch (name) {
            case "reference" -> InitScheme.REFERENCE;
            case "pytorch" -> InitScheme.PYTORCH;
            default -> throw new IllegalArgumentException("unknown init '" + name + "'; valid: reference, pytorch");
        };
    }

    /** Runs a parse, turning its {@link IllegalArgumentException} into a usage error with the same message. */
    private <T> T parse(Supplier<T> parser) {
        try {
            return parser.get();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    /** Completion candidates and help text for --model. */
    static final class ModelNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return ModelZoo.names().iterator();
        }
    }

    /** Completion candidates and help text for --method. */
    static final class MethodNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Stream.concat(PruningMethod.cliNames().stream(), Stream.of(PANNING, RlPanning.METHOD)).iterator();
        }
    }
}
