package org.nnpan.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SweepProgressTest {
    private long now;

    private static Sweep.Cell cell(String method, long seed) {
        PruneSettings p = new PruneSettings("lenet5", "synthetic", null, "reference", seed, method, 0.9, 0, "exp",
                "global", false, 2, false, 0, null, null);
        return new Sweep.Cell(RunConfig.withDefaultTraining(p));
    }

    private static RunResult result(double acc, boolean skipped) {
        return new RunResult("snip", 1, acc, 0.5, acc, 1, 0.1, 0.1, 1, 10, false, skipped);
    }

    @Test
    void showsCellsDoneFailuresAndAnEstimateFromTheCellsComputed() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        SweepProgress p = new SweepProgress(new PrintStream(buf, true, StandardCharsets.UTF_8), false, () -> now);
        List<Sweep.Cell> cells = List.of(cell("snip", 1), cell("random", 1), cell("snip", 2), cell("random", 2));
        p.sweepStarted(cells);
        p.cellStarted(0, cells.get(0));
        p.cellFinished(0, new Sweep.CellResult(cells.get(0), result(81.5, true), null)); // skipped: costs nothing
        p.cellStarted(1, cells.get(1));
        now += 60_000_000_000L;
        p.cellFinished(1, new Sweep.CellResult(cells.get(1), result(70.25, false), null));
        p.cellStarted(2, cells.get(2));
        now += 120_000_000_000L;
        p.cellFinished(2, new Sweep.CellResult(cells.get(2), null, "training diverged"));
        p.cellStarted(3, cells.get(3));
        assertEquals(List.of(
                "sweep [--------------------] 0/4 cells done  ETA unknown  |  cell 1: snip-s0.9-seed1",
                "cell 1/4 snip-s0.9-seed1: finished earlier: 81.50%",
                "sweep [#####---------------] 1/4 cells done  ETA unknown  |  cell 2: random-s0.9-seed1",
                "cell 2/4 random-s0.9-seed1: 70.25% in 1:00",
                "sweep [##########----------] 2/4 cells done  ETA 2:00  |  cell 3: snip-s0.9-seed2",
                "cell 3/4 snip-s0.9-seed2: FAILED: training diverged",
                "sweep [###############-----] 3/4 cells done, 1 failed  ETA 1:30  |  cell 4: random-s0.9-seed2"),
                buf.toString(StandardCharsets.UTF_8).lines().toList());
    }
}
