package org.nnpan.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnpan.agent.Td3Config;
import org.nnpan.data.SplitMix64;
import org.nnpan.models.ModelSpec;
import org.nnpan.models.ModelZoo;
import org.nnpan.nn.Module;
import org.nnpan.nn.init.InitScheme;
import org.nnpan.pruning.Density;
import org.nnpan.pruning.Mask;
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
    }
}
