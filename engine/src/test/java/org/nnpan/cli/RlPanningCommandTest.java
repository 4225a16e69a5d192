package org.nnpan.cli;

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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnpan.agent.Td3Config;
import org.nnpan.data.SplitMix64;
import org.nnpan.data.SyntheticImages;
import org.nnpan.models.ModelSpec;
import org.nnpan.models.ModelZoo;
import org.nnpan.nn.Module;
import org.nnpan.nn.init.InitScheme;
import org.nnpan.pruning.Density;
import org.nnpan.pruning.Mask;
import org.nnpan.pruning.Panning;
import org.nnpan.pruning.PanningEnvironment;
import org.nnpan.tensor.MemoryScope;

class RlPanningCommandTest {
    @TempDir
    Path dir;

    private static String[] prune(String... args) {
        return CliRun.prune(args);
    }

    @Test
    void trainsSavesAndReusesAPolicy() throws Exception {
        Path trained = dir.resolve("trained");
        String[] r = prune("--model", "lenet5", "--dataset", "synthetic", "--method", "rl-panning", "--sparsity", "0.9",
                "--iterations", "2", "--agent-steps", "6", "--samples-per-class", "1", "--out", trained.toString());
        assertEquals("0", r[0], r[1]);
        for (String f : new String[] {"masks.safetensors", "init.safetensors", "report.json", "policy.safetensors",
            "policy.json", "panning-steps.jsonl", "agent/metrics.jsonl"}) {
            assertTrue(Files.exists(trained.resolve(f)), f + " missing; output:\n" + r[1]);
        }
        assertEquals(2, Files.readAllLines(trained.resolve("panning-steps.jsonl")).size());

        Path reused = dir.resolve("reused");
        r = prune("--model", "lenet5", "--dataset", "synthetic", "--method", "rl-panning", "--sparsity", "0.98",
                "--iterations", "2", "--policy", trained.resolve("policy.safetensors").toString(),
                "--samples-per-class", "1", "--out", reused.toString());
        assertEquals("0", r[0], r[1]);
        assertTrue(Files.notExists(reused.resolve("agent")), "a given policy is not retrained");
        try (MemoryScope _ = MemoryScope.open("test")) {
            Module lenet = ModelZoo.create("lenet5", ModelSpec.of(10, 3, 32), InitScheme.REFERENCE, new SplitMix64(1));
            Mask mask = Mask.load(reused.resolve("masks.safetensors"), lenet);
            assertEquals(Density.ofSparsity(0.98).keptCount(mask.numel()), mask.kept());
        }
    }

    @Test
    void agentOptionsOfAnotherMethodAreAUsageError() {
        String[] r = prune("--model", "lenet5", "--method", "snip", "--sparsity", "0.9", "--agent-steps", "5",
                "--out", dir.toString());
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("--method rl-panning only"), r[1]);
    }

    @Test
    void shortRunsScaleWarmUpAndEvaluationDown() {
        Td3Config c = RlPanning.trainingConfig(500);
        assertEquals(100, c.warmupSteps());
        assertEquals(100, c.evalInterval());
        assertEquals(500, c.totalSteps());
        Td3Config full = RlPanning.trainingConfig(50_000);
        assertEquals(Td3Config.defaults(), full.toBuilder().replayCapacity(1_000_000).build());
        assertEquals(10_000, RlPanning.checkpointInterval(50_000));
        assertEquals(100, RlPanning.checkpointInterval(500));
        assertEquals(1, RlPanning.checkpointInterval(3));
    }

    @Test
    void rerunningTheCommandResumesItsAgentAndRefusesOtherSettings() {
        Path out = dir.resolve("run");
        String[] first = prune("--model", "lenet5", "--dataset", "synthetic", "--method", "rl-panning", "--sparsity",
                "0.9", "--iterations", "2", "--agent-steps", "6", "--samples-per-class", "1", "--out", out.toString());
        assertEquals("0", first[0], first[1]);
        assertTrue(first[1].contains("training the panning agent for 6 steps"), first[1]);

        String[] again = prune("--model", "lenet5", "--dataset", "synthetic", "--method", "rl-panning", "--sparsity",
                "0.9", "--iterations", "2", "--agent-steps", "6", "--samples-per-class", "1", "--out", out.toString());
        assertEquals("0", again[0], again[1]);
        assertTrue(again[1].contains("resuming the panning agent's training in " + out.resolve("agent")
                + " from step 6 of 6"), again[1]);

        String[] other = CliRun.main("prune", "--model", "lenet5", "--dataset", "synthetic", "--method", "rl-panning",
                "--sparsity", "0.95", "--iterations", "2", "--agent-steps", "6", "--samples-per-class", "2", "--out",
                out.toString());
        assertEquals("2", other[0], other[1]);
        assertTrue(other[1].contains("error: cannot resume the agent's training in " + out.resolve("agent")), other[1]);
        assertTrue(other[1].contains("--sparsity 0.9 in the checkpoint, 0.95 now"), other[1]);
        assertTrue(other[1].contains("scoring batches (--dataset, --samples-per-class, --seed)"), other[1]);
        assertFalse(other[1].contains("--agent-steps"), "only the differences are named: " + other[1]);
    }

    /** Synthetic 1×28×28 images of 10 classes, one per class per batch, batch i from its own shuffle. */
    private static Panning.BatchSource syntheticBatches() {
        SyntheticImages.Spec spec = new SyntheticImages.Spec(100, 0, 10, 1, 28, 28, 0.25f, 7);
        return Panning.BatchSource.classBalanced(SyntheticImages.generate(spec, true), spec.normalization(), 28, 1, 5);
    }

    private static float[] trainAndRollOut(Panning.BatchSource batches, Path out) throws IOException {
        try (MemoryScope _ = MemoryScope.open("rl-panning-test")) {
            Module lenet = ModelZoo.create("lenet5", ModelSpec.of(10, 1, 28), InitScheme.REFERENCE,
                    new SplitMix64(1));
            return RlPanning.prune(lenet, batches, PanningEnvironment.Config.defaults(Density.ofSparsity(0.9))
                    .withSteps(2), 12, null, 3, out, new PrintWriter(new StringWriter())).flat().toFloatArray();
        }
    }

    /** A crash mid-training (a batch that cannot be drawn), then the same call again: it ends as one run would. */
    @Test
    void interruptedTrainingResumesToTheSameAgentBitForBit() throws IOException {
        Path whole = dir.resolve("whole");
        float[] expected = trainAndRollOut(syntheticBatches(), whole);

        Path interrupted = dir.resolve("interrupted");
        Panning.BatchSource good = syntheticBatches();
        // 10 normalisation batches, then 3 per episode (reset, 2 steps), each training episode followed by an evaluation:
        // batch 30 is drawn in training step 8, after the checkpoint at step 6.
        Panning.BatchSource crashing = i -> {
            if (i >= 30) {
                throw new IllegalStateException("simulated crash");
            }
            return good.draw(i);
        };
        assertThrows(IllegalStateException.class, () -> trainAndRollOut(crashing, interrupted));
        StringWriter console = new StringWriter();
        try (MemoryScope _ = MemoryScope.open("rl-panning-test")) {
            Module lenet = ModelZoo.create("lenet5", ModelSpec.of(10, 1, 28), InitScheme.REFERENCE,
                    new SplitMix64(1));
            float[] resumed = RlPanning.prune(lenet, good, PanningEnvironment.Config.defaults(Density.ofSparsity(0.9))
                    .withSteps(2), 12, null, 3, interrupted, new PrintWriter(console, true)).flat().toFloatArray();
            assertArrayEquals(expected, resumed);
        }
        assertTrue(console.toString().matches("(?s).*resuming the panning agent's training in .* from step [1-9]\\d* of 12.*"),
                console.toString());
        for (String file : List.of("policy.safetensors", "agent/checkpoint/agent/networks.safetensors",
                "agent/checkpoint/agent/replay.safetensors", "agent/checkpoint/environment/panning-environment.json")) {
            assertArrayEquals(Files.readAllBytes(whole.resolve(file)), Files.readAllBytes(interrupted.resolve(file)),
                    file);
        }
    }
}
