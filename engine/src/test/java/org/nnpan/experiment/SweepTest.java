package org.nnpan.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnpan.io.Json;
import org.nnpan.report.ResultsTable;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.train.EpochMetrics;
import org.nnpan.train.Trainer;
import org.nnpan.train.TrainConfig;
import org.nnpan.train.TrainingListener;

class SweepTest {
    @TempDir
    Path dir;

    private final StringWriter log = new StringWriter();

    /** Runs of two epochs on a few synthetic images: a cell takes a second or two. */
    private static RunConfig base() {
        PruneSettings prune = new PruneSettings("lenet5", "synthetic", null, "reference", 1, "magnitude", 0.5, 0,
                "exp", "global", false, 2, false, 0, null, null);
        TrainConfig d = RunConfig.withDefaultTraining(prune).train();
        return new RunConfig(prune, new TrainConfig(d.model(), d.dataset(), d.dataDir(), d.inputSize(),
                d.widthMultiplier(), d.init(), d.seed(), 1, 2, 32, d.optimizer(), 0.05, d.momentum(),
                d.weightDecay(), d.nesterov(), d.schedule(), d.milestones(), d.gamma(), d.warmupEpochs(), d.augment(),
                64, 32, d.rescaleKept()));
    }

    /** Two cheap methods at two sparsities, two seeds: eight cells. */
    private static Sweep.Grid grid() {
        return new Sweep.Grid(base(), List.of("magnitude", "random"), List.of(0.5, 0.9), List.of(1L, 2L));
    }

    private Sweep.Outcome run(Sweep.Grid grid, Sweep.Listener listener) throws IOException {
        Sweep sweep = new Sweep((m, b, c, steps, policy, seed, out, l) -> {
            throw new AssertionError("no agent in these tests");
        }, new PrintWriter(log, true), listener);
        return sweep.run(grid, dir);
    }

    /** Stands for the process being killed: an Error, which a sweep does not take for a failed cell. */
    private static final class Killed extends Error {
    }

    /** Runs {@code action} when cell {@code name}'s epoch {@code epoch} starts. */
    private record At(String name, int epoch, Runnable action) implements Sweep.Listener {
        @Override
        public TrainingListener cellStarted(int index, Sweep.Cell cell) {
            return !cell.name().equals(name) ? TrainingListener.NONE : new TrainingListener() {
                @Override
                public void epochStarted(int started, int epochs, int batches) {
                    if (started == epoch) {
                        action.run();
                    }
                }
            };
        }
    }

    @Test
    void theGridRunsSeedBySeedWithReadableStableNames() {
        Sweep.Grid g = new Sweep.Grid(base(), List.of("snip", "dense", "random"), List.of(0.9, 0.98),
                List.of(4L, 7L));
        List<String> names = g.cells().stream().map(Sweep.Cell::name).toList();
        assertEquals(List.of("dense-seed4", "snip-s0.9-seed4", "random-s0.9-seed4", "snip-s0.98-seed4",
                "random-s0.98-seed4", "dense-seed7", "snip-s0.9-seed7", "random-s0.9-seed7", "snip-s0.98-seed7",
                "random-s0.98-seed7"), names);
        for (Sweep.Cell c : g.cells()) {
            assertEquals(c.config().prune().seed(), c.config().train().seed(), c.name());
            assertEquals(base().train().withSeed(c.config().prune().seed()), c.config().train(), c.name());
        }
        assertEquals(List.of(1L, 2L, 3L), Sweep.Grid.firstSeeds(3));
        Sweep.Grid synflow = new Sweep.Grid(base(), List.of("synflow", "magnitude"), List.of(0.9), List.of(1L));
        assertEquals(List.of(100, 1), synflow.cells().stream().map(c -> c.config().prune().iterations()).toList());
    }

    @Test
    void aShuffledMethodIsItsOwnCellAndMethodOptionsApplyWhereTheyConcern() {
        Sweep.Grid g = new Sweep.Grid(base(), new MethodOptions(5, 7, null, "multiplicative"),
                List.of("synflow", "magnitude", "panning", "panning+shuffle", "rl-panning"), List.of(0.9),
                List.of(1L));
        List<Sweep.Cell> cells = g.cells();
        assertEquals(List.of("synflow-s0.9-seed1", "magnitude-s0.9-seed1", "panning-s0.9-seed1",
                "panning+shuffle-s0.9-seed1", "rl-panning-s0.9-seed1"), cells.stream().map(Sweep.Cell::name).toList());
        List<PruneSettings> p = cells.stream().map(c -> c.config().prune()).toList();
        assertEquals(List.of(5, 1, 5, 5, 5), p.stream().map(PruneSettings::iterations).toList());
        assertEquals(List.of(false, false, false, true, false), p.stream().map(PruneSettings::shuffle).toList());
        assertEquals("panning", p.get(3).method());
        assertEquals("panning+shuffle", p.get(3).label());
        assertEquals(Arrays.asList(null, null, "multiplicative", "multiplicative", null),
                p.stream().map(PruneSettings::fusion).toList());
        assertEquals(List.of(0L, 0L, 0L, 0L, 7L), p.stream().map(PruneSettings::agentSteps).toList());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Sweep.Grid(base(), List.of("dense+shuffle"),
                List.of(0.9), List.of(1L))).getMessage().contains("method dense prunes nothing"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Sweep.Grid(base(),
                new MethodOptions(0, 0, null, "sum"), List.of("panning"), List.of(0.9), List.of(1L))).getMessage()
                .contains("unknown fusion 'sum'"));
    }

    @Test
    void aShuffledMethodRunsAfterItsMethodWithinASparsityAndSeed() {
        Sweep.Grid g = new Sweep.Grid(base(), List.of("panning+shuffle", "snip", "panning", "magnitude+shuffle",
                "magnitude", "random+shuffle"), List.of(0.9), List.of(1L));
        assertEquals(List.of("snip", "panning", "panning+shuffle", "magnitude", "magnitude+shuffle",
                "random+shuffle"), g.methodOrder());
        assertEquals("panning-s0.9-seed1", g.cells().get(2).unshuffled().name());
    }

    /** The base run with save-scores on, so that every file a pruning can write is compared. */
    private static RunConfig savingScores() {
        PruneSettings p = base().prune();
        return new RunConfig(new PruneSettings(p.model(), p.dataset(), p.dataDir(), p.init(), p.seed(), p.method(),
                p.sparsity(), p.iterations(), p.schedule(), p.scope(), false, p.samplesPerClass(), true, 0, null,
                null), base().train());
    }

    /** Prunes {@code cell} from scratch into {@code out}. */
    private void pruneFromScratch(Sweep.Cell cell, Path out) throws IOException {
        try (MemoryScope _ = MemoryScope.open("scratch")) {
            new Pruning((m, b, c, steps, policy, seed, o, l) -> {
                throw new AssertionError("no agent in these tests");
            }, new PrintWriter(log, true)).run(cell.config().prune(), out);
        }
    }

    private static void assertSameFiles(Path expected, Path actual, String... names) throws IOException {
        for (String name : names) {
            assertEquals(-1, Files.mismatch(expected.resolve(name), actual.resolve(name)), actual + " " + name);
        }
    }

    @Test
    void aShuffledCellReusesItsMethodsPruningWithTheBytesOfAFreshPruning() throws IOException {
        Sweep.Grid grid = new Sweep.Grid(savingScores(), new MethodOptions(3, 0, null, null),
                List.of("panning+shuffle", "panning", "synflow", "synflow+shuffle"), List.of(0.9), List.of(1L));
        run(grid, new Sweep.Listener() {
        });
        for (Sweep.Cell cell : grid.cells()) {
            if (!cell.config().prune().shuffle()) {
                continue;
            }
            String source = cell.unshuffled().name();
            assertTrue(log.toString().contains("reusing the pruning of " + source + " for the shuffled control"),
                    log.toString());
            Path scratch = dir.resolve("scratch").resolve(cell.name());
            pruneFromScratch(cell, scratch);
            Path reused = dir.resolve(cell.name());
            assertSameFiles(scratch, reused, Pruning.MASKS_FILE, Pruning.INIT_FILE, Pruning.BATCH_FILE, "report.json");
            assertSameFiles(scratch, reused, cell.config().prune().method().equals("panning")
                    ? PanningStepLog.FILE_NAME : Pruning.SCORES_FILE);
            assertEquals(Json.readMap(dir.resolve(source).resolve(Experiment.PRUNE_FILE)).get("seconds"),
                    Json.readMap(reused.resolve(Experiment.PRUNE_FILE)).get("seconds"), "the reused pruning's time");
            assertNotEquals(-1, Files.mismatch(reused.resolve(Pruning.MASKS_FILE),
                    dir.resolve(source).resolve(Pruning.MASKS_FILE)), "the mask is shuffled");
        }
    }

    @Test
    void aShuffledCellPrunesFromScratchWhenItsMethodsCellHoldsOtherSettings() throws IOException {
        Sweep.Grid other = new Sweep.Grid(base(), new MethodOptions(2, 0, null, null), List.of("synflow"),
                List.of(0.9), List.of(1L));
        run(other, new Sweep.Listener() {
        });
        Sweep.Grid grid = new Sweep.Grid(base(), new MethodOptions(3, 0, null, null), List.of("synflow+shuffle"),
                List.of(0.9), List.of(1L));
        run(grid, new Sweep.Listener() {
        });
        assertFalse(log.toString().contains("reusing the pruning of"), log.toString());
        Sweep.Cell cell = grid.cells().getFirst();
        pruneFromScratch(cell, dir.resolve("scratch"));
        assertSameFiles(dir.resolve("scratch"), dir.resolve(cell.name()), Pruning.MASKS_FILE, Pruning.INIT_FILE);
    }

    @Test
    void aBadGridIsRefusedNamingWhatIsWrong() {
        assertEquals("sparsities: 0.9 appears twice", assertThrows(IllegalArgumentException.class,
                () -> new Sweep.Grid(base(), List.of("snip"), List.of(0.9, 0.9), List.of(1L))).getMessage());
        assertEquals("methods: give at least one", assertThrows(IllegalArgumentException.class,
                () -> new Sweep.Grid(base(), List.of(), List.of(0.9), List.of(1L))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new Sweep.Grid(base(), List.of("snap"), List.of(0.9), List.of(1L))).getMessage()
                .startsWith("unknown method 'snap'; valid: random, magnitude, snip"));
        assertThrows(IllegalArgumentException.class,
                () -> new Sweep.Grid(base(), List.of("snip"), List.of(1.0), List.of(1L)));
        assertThrows(IllegalArgumentException.class, () -> Sweep.Grid.firstSeeds(0));
    }

    @Test
    void aKilledSweepFinishesOnlyWhatIsMissingWhenRunAgain() throws IOException {
        Sweep.Grid grid = grid();
        List<String> names = grid.cells().stream().map(Sweep.Cell::name).toList();
        // Killed during the second epoch of the fourth cell: three cells finished, one has a checkpoint.
        String killedCell = names.get(3);
        assertThrows(Killed.class, () -> run(grid, new At(killedCell, 2, () -> {
            throw new Killed();
        })));
        Map<String, FileTime> finishedAt = new HashMap<>();
        for (String name : names.subList(0, 3)) {
            finishedAt.put(name, Files.getLastModifiedTime(dir.resolve(name).resolve(Trainer.FINAL_MODEL_FILE)));
        }
        // The table of the finished cells was written after each of them, so the crash lost none.
        assertEquals(1 + 3, Files.readAllLines(dir.resolve(ResultsTable.RUNS_CSV_FILE)).size());
        assertTrue(Files.isRegularFile(dir.resolve(Sweep.PLOT_FILE)));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no partial files left");
        }

        List<String> trained = new ArrayList<>();
        Sweep.Outcome again = run(grid, new Sweep.Listener() {
            @Override
            public TrainingListener cellStarted(int index, Sweep.Cell cell) {
                return new TrainingListener() {
                    @Override
                    public void epochFinished(EpochMetrics m) {
                        trained.add(cell.name() + "@" + m.epoch());
                    }
                };
            }
        });
        // Only the killed cell's second epoch and the four cells never started were trained.
        List<String> expected = new ArrayList<>(List.of(killedCell + "@2"));
        names.subList(4, 8).forEach(n -> expected.addAll(List.of(n + "@1", n + "@2")));
        assertEquals(expected, trained);
        for (int i = 0; i < names.size(); i++) {
            RunResult r = again.cells().get(i).result();
            assertEquals(i < 3, r.skipped(), names.get(i));
            assertEquals(i == 3, r.resumed(), names.get(i));
        }
        for (var e : finishedAt.entrySet()) {
            assertEquals(e.getValue(), Files.getLastModifiedTime(dir.resolve(e.getKey())
                    .resolve(Trainer.FINAL_MODEL_FILE)), e.getKey());
        }
        ResultsTable table = again.table();
        assertEquals(4, table.groups().size());
        table.groups().forEach(g -> assertEquals(2, g.n(), g.method() + " " + g.sparsity()));
        assertTrue(again.failures().isEmpty());
        for (String f : List.of(ResultsTable.MARKDOWN_FILE, ResultsTable.CSV_FILE, ResultsTable.RUNS_CSV_FILE,
            ResultsTable.JSON_FILE, Sweep.PLOT_FILE, Sweep.CONFIG_FILE)) {
            assertTrue(Files.isRegularFile(dir.resolve(f)), f);
        }
        assertEquals(1 + 8, Files.readAllLines(dir.resolve(ResultsTable.RUNS_CSV_FILE)).size());
    }

    @Test
    void aFailedCellIsRecordedAndTheOthersGoOn() throws IOException {
        Sweep.Grid grid = new Sweep.Grid(base(), List.of("magnitude", "random"), List.of(0.9), List.of(1L, 2L));
        Sweep.Outcome outcome = run(grid, new At("random-s0.9-seed1", 1, () -> {
            throw new IllegalStateException("training diverged: the loss is NaN at epoch 1, batch 2\nsecond line");
        }));
        assertEquals(4, outcome.cells().size());
        assertEquals(List.of("random-s0.9-seed1"), outcome.failures().stream().map(f -> f.cell().name()).toList());
        assertEquals("training diverged: the loss is NaN at epoch 1, batch 2", outcome.failures().getFirst().error());
        assertTrue(log.toString().contains("FAILED random-s0.9-seed1: training diverged"), log.toString());
        ResultsTable.Group random = outcome.table().groups().get(1);
        assertEquals("random", random.method());
        assertEquals(1, random.n());
        assertEquals(1, random.failed());
        assertEquals(2L, random.runs().getFirst().seed());
        String md = Files.readString(dir.resolve(ResultsTable.MARKDOWN_FILE));
        assertTrue(md.contains(", 1 failed)"), md);
        assertTrue(md.contains("## Failed runs"), md);
        assertTrue(md.contains("| lenet5 | synthetic | random | 90 % | 1 | training diverged: the loss is NaN at"
                + " epoch 1, batch 2 |"), md);
        assertTrue(Files.readString(dir.resolve(ResultsTable.RUNS_CSV_FILE)).contains(",failed,"));
    }

    @Test
    void aSettingEveryCellSharesStopsTheSweep() throws IOException {
        run(new Sweep.Grid(base(), List.of("magnitude"), List.of(0.5), List.of(1L)), new Sweep.Listener() {
        });
        RunConfig other = new RunConfig(base().prune(), base().train().withBudget(1, 64));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run(
                new Sweep.Grid(other, List.of("magnitude"), List.of(0.5), List.of(1L)), new Sweep.Listener() {
                }));
        assertTrue(e.getMessage().contains("holds a run with other settings: train.epochs: 1 (2)"), e.getMessage());
    }

    @Test
    void sweepJsonHoldsTheGridAndTheSharedSettingsAndWarningsMatchTheTable() throws IOException {
        Sweep.Grid grid = new Sweep.Grid(base(), List.of("dense", "magnitude"), List.of(0.9), List.of(3L));
        Sweep.Outcome outcome = run(grid, new Sweep.Listener() {
        });
        JsonNode json = Json.MAPPER.readTree(dir.resolve(Sweep.CONFIG_FILE).toFile());
        assertEquals("[\"dense\",\"magnitude\"]", json.get("methods").toString());
        assertEquals("[0.9]", json.get("sparsities").toString());
        assertEquals("[3]", json.get("seeds").toString());
        assertEquals("[\"dense-seed3\",\"magnitude-s0.9-seed3\"]", json.get("cells").toString());
        assertEquals("lenet5", json.get("shared").get("prune").get("model").asText());
        assertFalse(json.get("shared").get("prune").has("method"));
        assertFalse(json.get("shared").get("prune").has("shuffle"));
        assertEquals(0, json.get("method_options").get("iterations").asInt());
        assertFalse(json.get("shared").get("train").has("seed"));
        assertEquals(2, json.get("shared").get("train").get("epochs").asInt());

        assertEquals(List.of(0.0, 0.9), outcome.table().groups().stream().map(ResultsTable.Group::sparsity)
                .sorted().toList());
        long warnings = log.toString().lines().filter(l -> l.startsWith("WARNING: ")
                && l.contains("stayed at chance")).count();
        assertEquals(outcome.table().runsAtChance().size(), warnings, log.toString());
    }
}
