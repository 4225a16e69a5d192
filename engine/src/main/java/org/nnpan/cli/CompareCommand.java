package org.nnpan.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.nnpan.experiment.PruneSettings;
import org.nnpan.experiment.RunConfig;
import org.nnpan.experiment.Sweep;
import org.nnpan.experiment.SweepProgress;
import org.nnpan.report.ResultsTable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nnpan-engine compare}: a {@link Sweep} over methods × sparsities × seeds with one results table; re-running
 * it finishes only the cells that are missing.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prune and train every method at every sparsity for every seed (one 'run' per cell), then"
                + " write one results table.",
            "Cells run seed by seed, so an interrupted sweep has covered the whole grid for its first seeds; run the"
                    + " same command again to finish it (finished cells are skipped, an interrupted one resumes).",
            "A cell that fails is recorded in the table and the others go on; the exit code is then 1. Runs whose"
                    + " final accuracy stays within 1.5 points of chance are flagged (WARNING, 'at chance').",
            "Method-specific options (--iterations, --fusion, --agent-steps, --policy) apply to the cells of the"
                    + " methods they concern.",
            "Writes into --out: sweep.json (the grid), one run directory per cell (e.g. snip-s0.98-seed1,"
                    + " panning+shuffle-s0.98-seed1, dense-seed1), and after every cell results.md, results.csv,"
                    + " runs.csv, results.json and plots/accuracy-vs-density.png, so a running sweep can be watched.",
            "Training options left out follow the reference protocol (see 'train --help').", ""},
        footer = {"", "Examples:",
            "  nnpan-engine compare --model lenet5 --dataset fashion-mnist \\",
            "      --methods snip,grasp,synflow,panning --sparsities 0.9,0.95,0.98,0.99 \\",
            "      --seeds 3 --epochs 10 --out runs/cmp",
            "  nnpan-engine compare --model lenet5 --methods panning,panning+shuffle,rl-panning \\",
            "      --agent-steps 2000 --sparsities 0.99 --epochs 2 --out runs/panning",
            "  nnpan-engine compare --model lenet5 --methods dense,random,snip \\",
            "      --sparsities 0.98 --seed-list 4,7 --epochs 2 --limit-train 12000 --out runs/quick",
            "  nnpan-engine compare --config sweep.yaml --out runs/cmp",
            "      (sweep.yaml: 'model: lenet5', 'methods: [snip, synflow]', 'seeds: 3', ...)"})
public final class CompareCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--methods", required = true, split = ",", paramLabel = "NAME",
            completionCandidates = PruneOptions.MethodNames.class,
            description = "Methods, comma-separated: ${COMPLETION-CANDIDATES} (dense: one unpruned run per seed)."
                    + " A name ending in +shuffle (e.g. panning+shuffle) is that method with its mask shuffled within"
                    + " each layer, the per-layer-density control; it gets its own cells and table row, runs after"
                    + " its method's cell and shuffles that cell's finished mask when the settings match (its pruning"
                    + " time is then that cell's).")
    private List<String> methods;

    @Option(names = "--sparsities", required = true, split = ",", paramLabel = "P",
            description = "Fractions of prunable weights to remove, comma-separated, each in [0, 1).")
    private List<Double> sparsities;

    @Option(names = "--seeds", paramLabel = "N",
            description = "Seeds per cell: N runs with seeds 1, 2, ..., N (default: 1). Raising N later reuses the"
                    + " finished seeds.")
    private Integer seeds;

    @Option(names = "--seed-list", split = ",", paramLabel = "SEED",
            description = "The seeds themselves, comma-separated, instead of --seeds.")
    private List<Long> seedList;

    @Mixin
    private CommonPruneOptions prune;

    @Mixin
    private TrainOptions recipe;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Sweep directory (created if missing).")
    private Path out;

    @Mixin
    private ConfigFileOption configFile;

    @Override
    public Integer call() throws IOException {
        if (seeds != null && seedList != null) {
            throw new IllegalArgumentException("--seeds and --seed-list: give one of them");
        }
        List<Long> seedValues = seedList != null ? seedList : Sweep.Grid.firstSeeds(seeds == null ? 1 : seeds);
        // The shared settings come from the first cell that prunes (a dense one cannot carry --save-scores).
        String first = methods.stream().filter(m -> !m.equals(PruneSettings.DENSE)).findFirst()
                .orElse(PruneSettings.DENSE);
        PruneSettings base = prune.sweepBase(first, first.equals(PruneSettings.DENSE) ? 0 : sparsities.getFirst(),
                seedValues.getFirst());
        RunConfig config = new RunConfig(base, recipe.over(RunConfig.withDefaultTraining(base).train()));
        return runSweep(spec, new Sweep.Grid(config, prune.methodOptions(), methods, sparsities, seedValues), out);
    }

    /**
     * Runs {@code grid} into {@code out} with a progress display on standard error, prints the results table and a
     * summary of the runs at chance and the failures.
     *
     * @return the exit code: 0, or {@link Main#EXIT_FAILURE} if a cell failed
     */
    static int runSweep(CommandLine.Model.CommandSpec spec, Sweep.Grid grid, Path out) throws IOException {
        PrintWriter log = spec.commandLine().getOut();
        Sweep.Outcome outcome = new Sweep(RlPanning::prune, log, SweepProgress.onStandardError()).run(grid, out);
        ResultsTable table = outcome.table();
        log.println();
        log.print(table.toMarkdown());
        log.println();
        int cells = outcome.cells().size();
        int atChance = table.runsAtChance().size();
        if (atChance > 0) {
            log.printf("WARNING: %d of %d runs stayed at chance (listed under 'Runs at chance' in %s)%n", atChance,
                    cells, out.resolve(ResultsTable.MARKDOWN_FILE));
        }
        log.printf("wrote %s: %s, %s, %s, %s, %s%n", out.toAbsolutePath(), ResultsTable.MARKDOWN_FILE,
                ResultsTable.CSV_FILE, ResultsTable.RUNS_CSV_FILE, ResultsTable.JSON_FILE, Sweep.PLOT_FILE);
        log.flush();
        List<Sweep.CellResult> failures = outcome.failures();
        if (failures.isEmpty()) {
            return 0;
        }
        spec.commandLine().getErr().printf("error: %d of %d cells failed (%s); the others are in the table%n",
                failures.size(), cells, failures.stream().map(f -> f.cell().name()).collect(Collectors.joining(", ")));
        return Main.EXIT_FAILURE;
    }
}
