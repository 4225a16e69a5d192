package org.nnpan.experiment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.nnpan.io.Json;
import org.nnpan.io.OutputDirectories;
import org.nnpan.report.Plots;
import org.nnpan.report.ResultsTable;
import org.nnpan.train.TrainingListener;

/**
 * A grid of {@link Experiment} runs: every method at every sparsity for every seed, one run directory per cell,
 * summarised in one {@link ResultsTable} and an accuracy-vs-density plot.
 *
 * <h2>Output directory</h2>
 * <ul>
 *   <li>{@value #CONFIG_FILE}: the grid (methods, sparsities, seeds, cell names) and the settings its cells share;</li>
 *   <li>one run directory per cell, named {@code <method>-s<sparsity>-seed<seed>} (e.g. {@code snip-s0.98-seed1},
 *       {@code panning+shuffle-s0.98-seed1} for the shuffled control of a method ({@link MethodSpec});
 *       {@code dense-seed1} for the unpruned network, which has no sparsity);</li>
 *   <li>the {@link ResultsTable} files and {@value #PLOT_FILE} of the cells done so far, rewritten after every cell
 *       (each file replaced atomically), so a running sweep can be watched and a crash loses no finished cell.</li>
 * </ul>
 *
 * <h2>Order, re-running and failures</h2>
 * Cells run seed by seed (within a seed: the dense cell, then by sparsity, then by method, each as given, except that
 * a shuffled method such as {@code panning+shuffle} runs right after its method when that comes later), so an
 * interrupted sweep has already covered the whole grid for the first seeds. A shuffled cell reuses the finished
 * pruning of its method's cell at the same sparsity and seed when the sweep directory holds one with the same settings
 * (see {@link Experiment#run(RunConfig, Path, Path)}): it shuffles that mask, with the bytes its own pruning would
 * give, and its pruning time in the table is that cell's. Running the same grid again skips the
 * finished cells and resumes an interrupted one ({@link Experiment}); a grid with more seeds or sparsities reuses the
 * cells it shares with the earlier one. A cell that fails with an exception (e.g. diverged training) is recorded as a
 * {@link ResultsTable.Failure} and the sweep goes on; an {@link IllegalArgumentException} means a setting all cells
 * share is wrong (a missing data set, a directory holding other settings) and stops it. Errors such as
 * {@link OutOfMemoryError} are not caught.
 */
public final class Sweep {
    /** The grid and its shared settings. */
    public static final String CONFIG_FILE = "sweep.json";
    /** Test accuracy against density, per method. */
    public static final String PLOT_FILE = "plots/accuracy-vs-density.png";

    /**
     * The cells of a sweep.
     *
     * @param base       the settings every cell shares; its method, sparsity, seed and method-specific settings are
     *                   replaced per cell ({@link PruneSettings#forCell})
     * @param options    the method-specific settings, each applied to the cells of the methods it concerns
     * @param methods    pruning methods as {@link MethodSpec} tokens ({@code panning}, {@code panning+shuffle}), in
     *                   order; {@value PruneSettings#DENSE} gives one cell per seed
     * @param sparsities fractions of prunable weights removed, in order
     * @param seeds      the seeds of each (method, sparsity), in order
     */
    public record Grid(RunConfig base, MethodOptions options, List<String> methods, List<Double> sparsities,
                       List<Long> seeds) {
        /**
         * @throws IllegalArgumentException if a list is empty or repeats a value, or a cell is invalid (an unknown
         *                                  method, a sparsity outside [0, 1))
         */
        public Grid {
            Objects.requireNonNull(base, "base");
            Objects.requireNonNull(options, "options");
            methods = distinct("methods", methods);
            sparsities = distinct("sparsities", sparsities);
            seeds = distinct("seeds", seeds);
            for (String method : methods) {
                for (double sparsity : sparsities) {
                    base.prune().forCell(method, sparsity, seeds.getFirst(), options);
                }
            }
        }

        /** The grid with every method at its defaults ({@link MethodOptions#DEFAULTS}). */
        public Grid(RunConfig base, List<String> methods, List<Double> sparsities, List<Long> seeds) {
            this(base, MethodOptions.DEFAULTS, methods, sparsities, seeds);
        }

        /** Seeds 1, 2, ..., {@code count}: what {@code --seeds N} means. */
        public static List<Long> firstSeeds(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("seeds must be at least 1, got " + count);
            }
            List<Long> seeds = new ArrayList<>();
            for (long s = 1; s <= count; s++) {
                seeds.add(s);
            }
            return seeds;
        }

        /**
         * The cells in the order they run: by seed, then the dense cell, then by sparsity, then by method
         * ({@link #methodOrder()}).
         */
        public List<Cell> cells() {
            List<Cell> cells = new ArrayList<>();
            List<String> order = methodOrder();
            for (long seed : seeds) {
                if (methods.contains(PruneSettings.DENSE)) {
                    cells.add(cell(PruneSettings.DENSE, 0, seed));
                }
                for (double sparsity : sparsities) {
                    for (String method : order) {
                        if (!method.equals(PruneSettings.DENSE)) {
                            cells.add(cell(method, sparsity, seed));
                        }
                    }
                }
            }
            return cells;
        }

        /**
         * The methods in the order their cells run: as given, except that a shuffled method whose method comes later
         * runs right after it, so that it can reuse that method's pruning.
         */
        List<String> methodOrder() {
            List<String> order = new ArrayList<>();
            for (String token : methods) {
                MethodSpec spec = MethodSpec.parse(token);
                if (!spec.shuffle() || methods.indexOf(spec.method()) < methods.indexOf(token)) {
                    order.add(token);
                }
                String shuffled = new MethodSpec(token, true).label();
                if (!spec.shuffle() && methods.indexOf(shuffled) >= 0
                        && methods.indexOf(shuffled) < methods.indexOf(token)) {
                    order.add(shuffled);
                }
            }
            return order;
        }

        private Cell cell(String method, double sparsity, long seed) {
            return new Cell(new RunConfig(base.prune().forCell(method, sparsity, seed, options),
                    base.train().withSeed(seed)));
        }

        private static <T> List<T> distinct(String what, List<T> values) {
            if (values == null || values.isEmpty()) {
                throw new IllegalArgumentException(what + ": give at least one");
            }
            HashSet<T> seen = new HashSet<>();
            for (T v : values) {
                if (!seen.add(v)) {
                    throw new IllegalArgumentException(what + ": " + v + " appears twice");
                }
            }
            return List.copyOf(values);
        }
    }

    /**
     * One run of the grid.
     *
     * @param config the run's settings
     */
    public record Cell(RunConfig config) {
        /**
         * The run directory's name: {@code snip-s0.98-seed1}, {@code snip+shuffle-s0.98-seed1}, or
         * {@code dense-seed1}.
         */
        public String name() {
            PruneSettings p = config.prune();
            String sparsity = p.isDense() ? ""
                    : "-s" + BigDecimal.valueOf(p.sparsity()).stripTrailingZeros().toPlainString();
            return p.label() + sparsity + "-seed" + p.seed();
        }

        /** The same cell without the layer-wise shuffle: the cell whose mask a shuffled cell shuffles. */
        public Cell unshuffled() {
            return new Cell(new RunConfig(config.prune().unshuffled(), config.train()));
        }
    }

    /**
     * How a cell ended.
     *
     * @param cell   the cell
     * @param result its result, or null if it failed
     * @param error  why it failed (one line), or null
     */
    public record CellResult(Cell cell, RunResult result, String error) {
        /** Whether the cell stopped with an error. */
        public boolean failed() {
            return result == null;
        }
    }

    /**
     * What a sweep did.
     *
     * @param cells every cell's result, in the grid's order
     * @param table the results table of the grid, failures included
     */
    public record Outcome(List<CellResult> cells, ResultsTable table) {
        /** The cells that failed. */
        public List<CellResult> failures() {
            return cells.stream().filter(CellResult::failed).toList();
        }
    }

    /** Follows a sweep, e.g. to draw its progress ({@link SweepProgress}). Every method does nothing by default. */
    public interface Listener {
        /** The sweep starts; {@code cells} is the whole grid, finished cells included. */
        default void sweepStarted(List<Cell> cells) {
        }

        /**
         * Cell number {@code index} (from 0) starts.
         *
         * @return what follows the cell's training
         */
        default TrainingListener cellStarted(int index, Cell cell) {
            return TrainingListener.NONE;
        }

        /** Cell number {@code index} ended: finished, skipped as finished earlier, or failed. */
        default void cellFinished(int index, CellResult result) {
        }
    }

    private final AgentPanning agent;
    private final PrintWriter log;
    private final Listener listener;

    /**
     * @param agent    runs {@value PruneSettings#RL_PANNING}
     * @param log      the runs' log lines, a line per failed cell and a WARNING per cell at chance
     * @param listener follows the cells
     */
    public Sweep(AgentPanning agent, PrintWriter log, Listener listener) {
        this.agent = agent;
        this.log = log;
        this.listener = listener;
    }

    /**
     * Runs the cells of {@code grid} that are not finished in {@code out}, writing the table and the plot of the
     * cells done so far after each one.
     *
     * @throws IllegalArgumentException if {@code out} cannot be written, or a setting every cell shares is wrong
     */
    public Outcome run(Grid grid, Path out) throws IOException {
        List<Cell> cells = grid.cells();
        writeConfig(grid, cells, out);
        listener.sweepStarted(cells);
        List<CellResult> results = new ArrayList<>();
        for (int i = 0; i < cells.size(); i++) {
            Cell cell = cells.get(i);
            TrainingListener training = listener.cellStarted(i, cell);
            CellResult result;
            try {
                Path unshuffled = cell.config().prune().shuffle() ? out.resolve(cell.unshuffled().name()) : null;
                result = new CellResult(cell, new Experiment(agent, log, training).run(cell.config(),
                        out.resolve(cell.name()), unshuffled), null);
            } catch (IllegalArgumentException e) {
                throw e; // bad shared settings: every other cell would fail the same way
            } catch (RuntimeException | IOException e) {
                String error = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
                log.printf("FAILED %s: %s%n", cell.name(), error);
                result = new CellResult(cell, null, error);
            }
            results.add(result);
            warnIfAtChance(result);
            log.flush();
            writeTable(results, out);
            listener.cellFinished(i, result);
        }
        return new Outcome(List.copyOf(results), table(results));
    }

    /** The table and the plot of {@code results} (each file is replaced atomically). */
    private static void writeTable(List<CellResult> results, Path out) throws IOException {
        ResultsTable table = table(results);
        table.write(out);
        if (table.groups().stream().anyMatch(g -> g.n() > 0)) {
            Plots.accuracyVsDensity(table.groups(), out.resolve(PLOT_FILE));
        }
    }

    private void warnIfAtChance(CellResult r) {
        if (!r.failed()) {
            ResultsTable.Run run = row(r);
            if (run.atChance()) {
                log.printf(Locale.ROOT, "WARNING: %s stayed at chance: final test accuracy %.2f%% (chance %.4g%%);"
                        + " it did not leave chance within its budget (see docs/results/stuck-at-chance.md)%n",
                        r.cell().name(), run.finalTestAcc(), run.chanceAcc());
            }
        }
    }

    /** The table of {@code results}: a row per finished cell, a failure per failed one. */
    static ResultsTable table(List<CellResult> results) {
        List<ResultsTable.Run> runs = new ArrayList<>();
        List<ResultsTable.Failure> failures = new ArrayList<>();
        for (CellResult r : results) {
            if (r.failed()) {
                PruneSettings p = r.cell().config().prune();
                failures.add(new ResultsTable.Failure(p.model(), p.dataset(), p.label(), p.sparsity(), p.seed(),
                        r.error()));
            } else {
                runs.add(row(r));
            }
        }
        return ResultsTable.of(runs, failures);
    }

    private static ResultsTable.Run row(CellResult r) {
        PruneSettings p = r.cell().config().prune();
        RunResult x = r.result();
        return new ResultsTable.Run(p.model(), p.dataset(), p.label(), p.sparsity(), p.seed(), x.finalTestAcc(),
                x.finalTestLoss(), x.bestTestAcc(), x.density(), x.effectiveDensity(), x.pruneSeconds(),
                x.trainSeconds());
    }

    /**
     * {@value #CONFIG_FILE}: the grid, its method-specific settings, the cell names in order, and the settings the
     * cells share (the base configuration without what varies per cell).
     */
    private static void writeConfig(Grid grid, List<Cell> cells, Path out) throws IOException {
        ObjectNode shared = Json.MAPPER.valueToTree(grid.base());
        ((ObjectNode) shared.get("prune")).remove(List.of("method", "sparsity", "seed", "iterations", "shuffle",
                "agent_steps", "policy", "fusion"));
        ((ObjectNode) shared.get("train")).remove("seed");
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.set("methods", Json.MAPPER.valueToTree(grid.methods()));
        root.set("sparsities", Json.MAPPER.valueToTree(grid.sparsities()));
        root.set("seeds", Json.MAPPER.valueToTree(grid.seeds()));
        root.set("method_options", Json.MAPPER.valueToTree(grid.options()));
        root.set("cells", Json.MAPPER.valueToTree(cells.stream().map(Cell::name).toList()));
        root.set("shared", shared);
        OutputDirectories.prepare(out, "sweep directory");
        Json.write(out.resolve(CONFIG_FILE), root);
    }
}
