package org.nnpan.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
