package org.nnpan.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnpan.pruning.InitDiagnostics;
import org.nnpan.train.EpochMetrics;
import org.nnpan.train.TrainResult;

class RunReportTest {

    @Test
    void aDenseRunHasConfigurationTrainingAndTimingsButNoPruning(@TempDir Path dir) throws IOException {
        RunReport.write(RunSummary.dense(Fixtures.config(), Fixtures.training(4, 3)), dir);
        String md = Files.readString(dir.resolve(RunReport.FILE));
        assertTrue(md.startsWith("# Run report: lenet300 on synthetic\n"), md);
        assertTrue(md.contains("| model | lenet300 |"), md);
        assertTrue(md.contains("| data_dir | (default) |"), md);
        assertTrue(md.contains("Final test accuracy **89.90 %** after epoch 4; best **90.00 %** after epoch 3."), md);
        assertTrue(md.contains("| 3 (best) | 0.3333 |"), md);
        assertTrue(md.contains("- training: 10.0 s for 4 epochs (2.5 s per epoch"), md);
        assertTrue(md.contains("![Training curves](plots/training.png)"), md);
        assertFalse(md.contains("## Pruning"), md);
        assertFalse(md.contains("pruning:"), md);
        PlotsTest.assertChart(dir.resolve("plots/training.png"));
        assertFalse(Files.exists(dir.resolve("plots/" + RunReport.LAYER_DENSITY_PLOT)));
    }

    @Test
    void aPrunedRunReportsItsMaskAndWarnsOfCollapse(@TempDir Path dir) throws IOException {
        RunSummary run = new RunSummary(Fixtures.config(), Fixtures.pruning(0.05, 0.2, 0), OptionalDouble.of(3.25),
                Fixtures.training(2, 2), null);
        RunReport.write(run, dir);
        String md = Files.readString(dir.resolve(RunReport.FILE));
        assertTrue(md.contains("## Pruning\n\n- method: random\n"), md);
        assertTrue(md.contains("**WARNING** LAYER COLLAPSE: fc3.weight"), md);
        assertTrue(md.contains("| layer | shape | weights | kept | density | effective density | FLOPs kept |"), md);
        assertTrue(md.contains("![Per-layer density](plots/layer-density.png)"), md);
        assertTrue(md.contains("- pruning: 3.3 s"), md);
        assertFalse(md.contains("# Pruning report"), md);
        PlotsTest.assertChart(dir.resolve("plots/layer-density.png"));
        PlotsTest.assertChart(dir.resolve("plots/training.png"));

        String earlier = RunReport.markdown(new RunSummary(run.config(), run.pruning(), OptionalDouble.empty(),
                run.training(), null));
        assertTrue(earlier.contains("- pruning: in an earlier run"), earlier);
    }

    @Test
    void theNetworkAtInitialisationIsReportedWhenDiagnosed() {
        InitDiagnostics atInit = new InitDiagnostics(
                List.of(new InitDiagnostics.Layer("fc1.weight", 8, 2, 0.5), new InitDiagnostics.Layer("fc2.weight", 4, 0,
                        1e-7)), List.of(new InitDiagnostics.Activation(8, 0.25, 4)), 3e-6, 2.302585);
        RunSummary run = RunSummary.dense(Fixtures.config(), Fixtures.training(2, 2));
        String md = RunReport.markdown(run.withAtInit(atInit));
        assertTrue(md.contains("## At initialisation\n\nθ₀⊙m on one batch before training: loss 2.3026, logit std"
                + " 3.00e-06, 50.0 % of ReLU units dead."), md);
        assertTrue(md.contains("| fc1.weight | 8 | 25.0 | 0.500 |"), md);
        assertTrue(md.contains("| fc2.weight | 4 | 0.0 | 1.00e-07 |"), md);
        assertTrue(md.contains("| 1 | 8 | 0.250 | 50.0 |"), md);
        assertTrue(md.indexOf("## At initialisation") < md.indexOf("## Training"), md);
        assertFalse(RunReport.markdown(run).contains("## At initialisation"));
    }

    @Test
    void longRunsListEveryKthEpochTheBestAndTheLast() {
        for (int epochs : new int[] {1, 20, 21, 80, 180}) {
            for (int best : new int[] {1, epochs / 2 + 1, epochs}) {
                TrainResult result = Fixtures.training(epochs, best);
                List<Integer> shown = RunReport.epochRows(result).stream().map(EpochMetrics::epoch).toList();
                int k = Math.ceilDiv(epochs, RunReport.MAX_EPOCH_ROWS);
                assertTrue(shown.size() <= RunReport.MAX_EPOCH_ROWS + 3, epochs + ": " + shown);
                assertTrue(shown.contains(1) && shown.contains(best) && shown.getLast() == epochs, shown.toString());
                for (int e = 1; e <= epochs; e++) {
                    assertEquals(e == 1 || e == best || e == epochs || e % k == 0, shown.contains(e), "epoch " + e);
                }
            }
        }
        String md = RunReport.markdown(RunSummary.dense(Fixtures.config(), Fixtures.training(80, 30)));
        assertTrue(md.contains("Epochs 1, 4, 8, ..., the best and the last"), md);
    }
}
