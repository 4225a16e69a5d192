package org.nnpan.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nnpan.experiment.Provenance;
import org.nnpan.experiment.PruneSettings;
import org.nnpan.experiment.Pruning;
import org.nnpan.io.Json;
import org.nnpan.io.OutputDirectories;
import org.nnpan.kernels.parallel.Parallel;
import org.nnpan.tensor.MemoryScope;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nnpan-engine prune}: prune a freshly initialised zoo model before training and write its mask, its initial
 * weights and a sparsity report ({@link Pruning}).
 */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = {"Prune a freshly initialised network before training. Writes into --out:",
            "  config.json        the resolved settings and their provenance",
            "  masks.safetensors  a 0/1 mask per prunable weight, named <param>_mask",
            "                     as torch.nn.utils.prune names it",
            "  init.safetensors   the dense initial weights theta0, PyTorch names",
            "  report.json, .md   per layer: kept, density, effective density, FLOPs;",
            "                     density, fraction pruned and compression ratio,",
            "                     nominal and effective; layer-collapse warnings",
            "--save-scores adds scores.safetensors (<index>.<param>: the raw scores of",
            "the last step) and scoring-batch.safetensors (inputs as fed, labels).",
            ""},
        footer = {"", "Example:",
            "  nnpan-engine prune --model lenet5 --dataset fashion-mnist --method snip --sparsity 0.98 --out runs/p"},
        sortOptions = false)
public final class PruneCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Mixin
    private PruneOptions options;

    /**
     * The and the method document's name for the density schedule. {@code prune} has no learning rate, so
     * here it is an alias of {@code --prune-schedule}; {@code run} and {@code compare} keep {@code --schedule} for the
     * learning-rate schedule.
     */
    @Option(names = "--schedule", paramLabel = "NAME", description = "The same as --prune-schedule (in prune only:"
            + " in run and compare, --schedule is the learning-rate schedule).")
    private String schedule;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (created if missing).")
    private Path out;

    @Option(names = "--threads", paramLabel = "N", description = "Intra-op threads (default: all processors);"
            + " results are bit for bit the same for the same seed and thread count.")
    private Integer threads;

    @Mixin
    private ConfigFileOption configFile;

    /** The resolved settings and their provenance, as {@code run} writes them. */
    static final String CONFIG_FILE = "config.json";

    @Override
    public Integer call() throws IOException {
        PrintWriter console = spec.commandLine().getOut();
        applyScheduleAlias();
        PruneSettings settings = options.settings();
        if (threads != null) {
            if (threads < 1) {
                throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
            }
            Parallel.setThreads(threads);
        }
        try (MemoryScope _ = MemoryScope.open("prune")) {
            // The resolved settings first, so that even an interrupted prune says what it was asked to do.
            OutputDirectories.prepare(out, "--out directory");
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("config", settings);
            config.put("provenance", Provenance.current(settings.seed()));
            Json.write(out.resolve(CONFIG_FILE), config);
            Pruning.Outcome outcome = new Pruning(RlPanning::prune, console).run(settings, out);
            console.println(outcome.report().toMarkdown());
            outcome.report().warnings().forEach(w -> spec.commandLine().getErr().println("WARNING: " + w));
            console.println("wrote " + out.toAbsolutePath());
        }
        return 0;
    }

    /**
     * {@code --schedule}, unless {@code --prune-schedule} is on the command line (which then wins over a config file's
     * {@code schedule}); both on the command line is an error, even when they agree.
     */
    private void applyScheduleAlias() {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        boolean prune = parsed.hasMatchedOption("--prune-schedule");
        if (parsed.hasMatchedOption("--schedule") && prune) {
            throw new IllegalArgumentException("--schedule and --prune-schedule both set the pruning schedule: give"
                    + " one");
        }
        if (schedule != null && !prune) {
            options.schedule(schedule);
        }
    }
}
