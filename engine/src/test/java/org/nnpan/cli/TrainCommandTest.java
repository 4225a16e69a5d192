package org.nnpan.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnpan.report.Plots;
import org.nnpan.report.RunReport;
import org.nnpan.train.Trainer;

class TrainCommandTest {

    private static String[] run(String... args) {
        return CliRun.main(args);
    }

    private static void assertUsageError(String expected, String... args) {
        String[] r = run(args);
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains(expected), r[1]);
    }

    @Test
    void trainsWritesTheRunDirectoryAndResumesOnlyWithTheSameSettings(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("run");
        String[] common = {"train", "--model", "lenet300", "--dataset", "synthetic", "--epochs", "1", "--batch-size",
            "64", "--limit-train", "128", "--limit-test", "64", "--out", out.toString()};
        String[] r = run(common);
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("final test accuracy"), r[1]);
        assertTrue(r[1].contains("epoch 1/1  train loss"), r[1]);
        for (String file : new String[] {Trainer.CONFIG_FILE, Trainer.METRICS_FILE, Trainer.RESULT_FILE,
            Trainer.FINAL_MODEL_FILE, Trainer.CHECKPOINT_DIR + "/state.json"}) {
            assertTrue(Files.exists(out.resolve(file)), file);
        }
        assertTrue(Files.readString(out.resolve(Trainer.CONFIG_FILE)).contains("\"limit_train\" : 128"));

        assertUsageError("already holds a training run", common);
        assertUsageError("lr: 0.05 (0.1)", "train", "--resume", "--out", out.toString(), "--lr", "0.05");
        String[] resumed = run("train", "--resume", "--out", out.toString());
        assertEquals("0", resumed[0], resumed[1]);
        assertTrue(resumed[1].contains("resuming " + out + " after epoch 1"), resumed[1]);
    }

    @Test
    void writesAReportWithTrainingCurvesAndForAPrunedRunItsMask(@TempDir Path dir) throws IOException {
        Path pruned = dir.resolve("prune");
        String[] p = CliRun.prune("--model", "lenet5", "--dataset", "synthetic", "--method", "magnitude",
                "--sparsity", "0.9", "--samples-per-class", "2", "--out", pruned.toString());
        assertEquals("0", p[0], p[1]);
        Path out = dir.resolve("run");
        String[] r = run("train", "--model", "lenet5", "--dataset", "synthetic", "--epochs", "2", "--batch-size",
                "64", "--limit-train", "128", "--limit-test", "64", "--masks", pruned.toString(), "--out",
                out.toString());
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("report: " + out.resolve(RunReport.FILE)), r[1]);

        String md = Files.readString(out.resolve(RunReport.FILE));
        assertTrue(md.startsWith("# Run report: lenet5 on synthetic, 90 % pruned (density 0.1)\n"), md);
        assertTrue(md.contains("| epochs | 2 |"), md);
        assertTrue(md.contains("| weight_decay | 0.0005 |"), md);
        assertTrue(md.contains("## Pruning\n\n- masks: " + out.resolve("masks.safetensors")), md);
        assertTrue(md.contains("| conv1.weight | [20, 3, 5, 5] |"), md);
        assertTrue(md.contains("- nominal: density 0.1 (90 % pruned"), md);
        assertTrue(md.contains("\n| 2 |") || md.contains("\n| 2 (best) |"), md);
        assertTrue(md.contains("- pruning: in an earlier run"), md);
        assertTrue(md.contains("![Training curves](plots/training.png)"), md);
        for (String plot : new String[] {RunReport.TRAINING_PLOT, RunReport.LAYER_DENSITY_PLOT}) {
            BufferedImage png = ImageIO.read(out.resolve(RunReport.PLOTS_DIR).resolve(plot).toFile());
            assertEquals(Plots.WIDTH, png.getWidth(), plot);
            assertEquals(Plots.HEIGHT, png.getHeight(), plot);
        }
    }

    @Test
    void badArgumentsGiveOneLineAndExitCode2(@TempDir Path dir) throws IOException {
        String out = dir.resolve("run").toString();
        assertUsageError("valid names: lenet300, lenet5", "train", "--model", "alexnet", "--dataset", "mnist", "--out", out);
        assertUsageError("valid names: fashion-mnist, mnist", "train", "--model", "lenet5", "--dataset", "imagenet",
                "--out", out);
        assertUsageError("valid names: sgd, adam, adamw", "train", "--model", "lenet5", "--dataset", "mnist",
                "--optimizer", "rmsprop", "--out", out);
        assertUsageError("valid names: cosine, multistep, constant", "train", "--model", "lenet5", "--dataset", "mnist",
                "--schedule", "step", "--out", out);
        assertUsageError("--optimizer sgd only", "train", "--model", "lenet5", "--dataset", "mnist", "--optimizer",
                "adam", "--momentum", "0.5", "--out", out);
        assertUsageError("weight decay must be finite and >= 0", "train", "--model", "lenet5", "--dataset", "mnist",
                "--weight-decay", "-1", "--out", out);
        assertUsageError("--model and --dataset are required", "train", "--out", out);
        assertUsageError("Missing required option: '--out=DIR'", "train", "--model", "lenet5", "--dataset", "mnist");
        assertUsageError("holds no training run", "train", "--resume", "--out", out);

        Path file = Files.writeString(dir.resolve("a-file"), "x");
        assertUsageError("cannot create --out directory", "train", "--model", "lenet300", "--dataset", "synthetic",
                "--out", file.resolve("run").toString());
    }

    @Test
    void helpListsTheOptionsWithTheirValidValues() {
        String[] r = run("train", "--help");
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("--limit-train"), r[1]);
        assertTrue(r[1].contains("sgd, adam, adamw"), r[1]);
    }
}
