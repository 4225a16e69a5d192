package org.nnpan.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnpan.io.Json;
import org.nnpan.io.TensorFiles;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;
import org.nnpan.train.TrainConfig;
import org.nnpan.train.Trainer;
import org.nnpan.train.TrainingListener;

class ExperimentTest {
    @TempDir
    Path dir;

    private final StringWriter log = new StringWriter();

    /** A two-epoch run on a few synthetic images: seconds. */
    private static RunConfig config(String method, double sparsity, double lr) {
        PruneSettings prune = new PruneSettings("lenet5", "synthetic", null, "reference", 5, method, sparsity, 0,
                "exp", "global", false, 2, false, 0, null, null);
        TrainConfig d = RunConfig.withDefaultTraining(prune).train();
        return new RunConfig(prune, new TrainConfig(d.model(), d.dataset(), d.dataDir(), d.inputSize(),
                d.widthMultiplier(), d.init(), d.seed(), 1, 2, 32, d.optimizer(), lr, d.momentum(), d.weightDecay(),
                d.nesterov(), d.schedule(), d.milestones(), d.gamma(), d.warmupEpochs(), d.augment(), 64, 32,
                d.rescaleKept()));
    }

    private RunResult run(RunConfig config, Path runDir, TrainingListener listener) throws IOException {
        Experiment experiment = new Experiment((m, b, c, steps, policy, seed, out, l) -> {
            throw new AssertionError("no agent in these tests");
        }, new PrintWriter(log, true), listener);
        return experiment.run(config, runDir);
    }

    /** Stands for the process being killed at a chosen point of training. */
    private static final class Killed extends RuntimeException {
    }

    @Test
    void writesTheRunDirectoryAndSkipsAFinishedRun() throws IOException {
        Path runDir = dir.resolve("snip");
        RunResult r = run(config("snip", 0.9, 0.1), runDir, TrainingListener.NONE);
        assertEquals(2, r.epochs());
        assertEquals(0.1, r.density(), 1e-3);
        assertTrue(r.effectiveDensity() <= r.density(), r.toString());
        assertFalse(r.skipped() || r.resumed(), r.toString());
        for (String f : new String[] {"config.json", "init.safetensors", "masks.safetensors", "report.json",
            "report.md", "prune.json", "metrics.jsonl", "model.safetensors", "result.json", "plots/training.png",
            "plots/layer-density.png", "diag.json"}) {
            assertTrue(Files.isRegularFile(runDir.resolve(f)), f);
        }
        // The run's report (not the pruning phase's) covers both phases.
        String report = Files.readString(runDir.resolve("report.md"));
        assertTrue(report.contains("## Pruning") && report.contains("## At initialisation")
                && report.contains("## Training"), report);
        Map<String, Object> diag = Json.readMap(runDir.resolve(Experiment.DIAGNOSTICS_FILE));
        assertTrue(diag.containsKey("logit_std") && diag.containsKey("activations"), diag.toString());
        Map<String, Object> config = Json.readMap(runDir.resolve(Experiment.CONFIG_FILE));
        assertTrue(config.containsKey("provenance") && config.containsKey("config"), config.toString());
        assertEquals(5, ((Map<?, ?>) config.get("provenance")).get("seed"));

        RunResult again = run(config("snip", 0.9, 0.1), runDir, new Killing(0));
        assertTrue(again.skipped(), again.toString());
        assertEquals(r.finalTestAcc(), again.finalTestAcc());
        assertTrue(log.toString().contains("skipping " + runDir + ": the run is already finished"), log.toString());
    }

    @Test
    void pruningIntoAPathThatCannotBeADirectoryIsOneLineNamingIt() throws IOException {
        Path file = Files.writeString(dir.resolve("taken"), "a file");
        Path out = file.resolve("prune");
        try (MemoryScope _ = MemoryScope.open("pruning-test")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Pruning(
                    (m, b, c, steps, policy, seed, o, l) -> null, new PrintWriter(log, true))
                    .run(config("magnitude", 0.5, 0.1).prune(), out));
            assertTrue(e.getMessage().startsWith("cannot create pruning output directory " + out + ": "),
                    e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        }
    }

    @Test
    void refusesADirectoryHoldingAnotherRun() throws IOException {
        Path runDir = dir.resolve("run");
        assertThrows(Killed.class, () -> run(config("magnitude", 0.5, 0.1), runDir, new Killing(0)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> run(config("magnitude", 0.5, 0.05), runDir, TrainingListener.NONE));
        assertEquals(runDir + " holds a run with other settings: train.lr: 0.05 (0.1) (yours first); choose another"
                + " directory", e.getMessage());
    }

    @Test
    void anInterruptedRunFinishesWithTheWeightsOfAnUninterruptedOne() throws IOException {
        RunConfig config = config("snip", 0.9, 0.1);
        run(config, dir.resolve("straight"), TrainingListener.NONE);

        Path afterEpoch1 = dir.resolve("after-epoch-1");
        assertThrows(Killed.class, () -> run(config, afterEpoch1, new Killing(1)));
        RunResult resumed = run(config, afterEpoch1, TrainingListener.NONE);
        assertTrue(resumed.resumed(), resumed.toString());

        Path afterPruning = dir.resolve("after-pruning");
        assertThrows(Killed.class, () -> run(config, afterPruning, new Killing(0)));
        RunResult fresh = run(config, afterPruning, TrainingListener.NONE);
        assertFalse(fresh.resumed(), fresh.toString());
        assertTrue(log.toString().contains("reusing the finished pruning in " + afterPruning), log.toString());

        try (MemoryScope _ = MemoryScope.open()) {
            Map<String, Tensor> expected = TensorFiles.load(dir.resolve("straight").resolve(Trainer.FINAL_MODEL_FILE));
            for (Path runDir : new Path[] {afterEpoch1, afterPruning}) {
                Map<String, Tensor> got = TensorFiles.load(runDir.resolve(Trainer.FINAL_MODEL_FILE));
                assertEquals(expected.keySet(), got.keySet());
                expected.forEach((name, t) -> assertArrayEquals(t.toFloatArray(), got.get(name).toFloatArray(),
                        runDir + " " + name));
            }
        }
    }

    @Test
    void aDenseRunTrainsFromTheSameInitialWeightsWithoutAMask() throws IOException {
        RunResult r = run(config("dense", 0, 0.1), dir.resolve("dense"), TrainingListener.NONE);
        run(config("snip", 0.9, 0.1), dir.resolve("snip"), TrainingListener.NONE);
        assertEquals(1.0, r.density());
        assertFalse(Files.exists(dir.resolve("dense").resolve("masks.safetensors")));
        try (MemoryScope _ = MemoryScope.open()) {
            Map<String, Tensor> dense = TensorFiles.load(dir.resolve("dense").resolve("init.safetensors"));
            Map<String, Tensor> snip = TensorFiles.load(dir.resolve("snip").resolve("init.safetensors"));
            dense.forEach((name, t) -> assertArrayEquals(t.toFloatArray(), snip.get(name).toFloatArray(), name));
        }
    }

    /** Throws {@link Killed} when epoch {@code epoch} + 1 starts, i.e. after {@code epoch} completed epochs. */
    private record Killing(int epoch) implements TrainingListener {
        @Override
        public void epochStarted(int started, int epochs, int batches) {
            if (started == epoch + 1) {
                throw new Killed();
            }
        }
    }
}
