package org.nnpan.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnpan.data.SplitMix64;
import org.nnpan.io.Json;
import org.nnpan.nn.Linear;
import org.nnpan.nn.Module;
import org.nnpan.nn.init.InitScheme;
import org.nnpan.ops.Fusion;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/** The pieces of one TD3 iteration: soft updates, target smoothing, delays, memory and determinism. */
class Td3AgentTest {

    private static Td3Config small() {
        return Td3Config.defaults().toBuilder().hiddenSizes(16, 16).batchSize(32).replayCapacity(1000)
                .warmupSteps(10).totalSteps(1000).build();
    }

    /** An agent whose buffer holds 100 transitions of a fixed random sequence. */
    private static Td3Agent filledAgent(Td3Config config, long seed) {
        Td3Agent agent = new Td3Agent(3, 2, config, seed);
        SplitMix64 rng = new SplitMix64(5);
        for (int i = 0; i < 100; i++) {
            double[] s = {rng.nextDouble(), rng.nextDouble(), rng.nextDouble()};
            double[] s2 = {rng.nextDouble(), rng.nextDouble(), rng.nextDouble()};
            agent.observe(s, agent.randomAction(), rng.nextGaussian(), s2, i % 10 == 9);
        }
        return agent;
    }

    /** Every value of the module's state dict, in order. */
    static float[] weights(Module m) {
        List<float[]> parts = m.stateDict().values().stream().map(Tensor::toFloatArray).toList();
        float[] out = new float[parts.stream().mapToInt(p -> p.length).sum()];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    @Test
    void softUpdateMovesEveryParameterByTau() {
        Linear source = new Linear(4, 3);
        Linear target = new Linear(4, 3);
        InitScheme.PYTORCH.apply(source, new SplitMix64(1));
        InitScheme.PYTORCH.apply(target, new SplitMix64(2));
        float[] s = weights(source);
        float[] t = weights(target);

        Td3Agent.softUpdate(target, source, 0.01);
        float[] expected = new float[t.length];
        for (int i = 0; i < t.length; i++) {
            // PyTorch's float32 rounding of tau * p + (1 - tau) * p_target.
            expected[i] = 0.01f * s[i] + (float) (1 - 0.01) * t[i];
        }
        assertArrayEquals(expected, weights(target));
        assertArrayEquals(s, weights(source));

        Td3Agent.softUpdate(target, source, 1);
        assertArrayEquals(s, weights(target));
        assertThrows(IllegalArgumentException.class, () -> Td3Agent.softUpdate(new Linear(4, 2), source, 0.5));
    }

    @Test
    void targetSmoothingClipsTheNoiseAndTheAction() {
        Td3Agent agent = new Td3Agent(3, 2, small().toBuilder().policyNoise(10).noiseClip(0.5).build(), 1);
        try (MemoryScope _ = MemoryScope.open()) {
            double[] fromZero = agent.smoothTargetActions(Tensor.zeros(500, 2)).toDoubleArray();
            for (double v : fromZero) {
                assertTrue(Math.abs(v) <= 0.5, "noise beyond the clip: " + v);
            }
            // With σ = 10 almost every draw is clipped: both bounds are hit exactly.
            assertTrue(Arrays.stream(fromZero).anyMatch(v -> v == 0.5f));
            assertTrue(Arrays.stream(fromZero).anyMatch(v -> v == -0.5f));

            double[] nearEdge = agent.smoothTargetActions(Tensor.full(0.9, DType.F32, 500, 2)).toDoubleArray();
            for (double v : nearEdge) {
                assertTrue(v >= 0.4f - 1e-7 && v <= 1, "outside [0.4, 1]: " + v);
            }
            assertTrue(Arrays.stream(nearEdge).anyMatch(v -> v == 1));
        }
        Td3Agent quiet = new Td3Agent(3, 2, small().toBuilder().policyNoise(0).build(), 1);
        try (MemoryScope _ = MemoryScope.open()) {
            Tensor a = Tensor.full(0.25, DType.F32, 4, 2);
            assertArrayEquals(a.toFloatArray(), quiet.smoothTargetActions(a).toFloatArray());
        }
    }

    @Test
    void td3DelaysThePolicyAndDdpgDoesNot() {
        Td3Agent td3 = filledAgent(small(), 3);
        List<Boolean> actorUpdated = IntStream.range(0, 6)
                .mapToObj(i -> !Double.isNaN(td3.update().actorLoss())).toList();
        assertEquals(List.of(false, true, false, true, false, true), actorUpdated);

        Td3Agent ddpg = filledAgent(small().toBuilder().algorithm(Td3Config.Algorithm.DDPG).build(), 3);
        for (int i = 0; i < 3; i++) {
            Td3Agent.Losses l = ddpg.update();
            assertFalse(Double.isNaN(l.actorLoss()));
            assertTrue(l.criticLoss() >= 0);
        }
        assertEquals(1, small().toBuilder().algorithm(Td3Config.Algorithm.DDPG).build().criticCount());
    }

    @Test
    void updatesAllocateNothingOutsideTheirOwnScope() {
        Td3Agent agent = filledAgent(small(), 4);
        try (MemoryScope outer = MemoryScope.open("caller")) {
            for (int i = 0; i < 4; i++) {
                agent.update();
                agent.act(new double[] {0.1, 0.2, 0.3}, true);
            }
            assertEquals(0, outer.allocatedBytes());
        }
    }

    @Test
    void sameSeedSameAgent() {
        Td3Agent a = filledAgent(small(), 11);
        Td3Agent b = filledAgent(small(), 11);
        Td3Agent c = filledAgent(small(), 12);
        assertFalse(Arrays.equals(weights(a.policy().network()), weights(c.policy().network())));
        for (int i = 0; i < 5; i++) {
            assertEquals(a.update(), b.update());
        }
        assertArrayEquals(weights(a.policy().network()), weights(b.policy().network()));
        double[] s = {0.3, -0.2, 0.9};
        assertArrayEquals(a.act(s, true), b.act(s, true));
        double[] deterministic = a.act(s, false);
        assertArrayEquals(deterministic, a.act(s, false));
        for (double v : a.act(s, true)) {
            assertTrue(v >= -1 && v <= 1);
        }
    }

    /**
     * The fused hidden layers change no bit of an update: with fusion off (each layer's bias add and ReLU as separate
     * ops, the graph of {@code Sequential.forward}) the losses, every network and both optimizers' states are the
     * same floats after updates that include actor steps and soft updates, and the next actions are the same.
     */
    @Test
    void updatesAreBitIdenticalWithAndWithoutFusedLayers(@TempDir Path dir) throws IOException {
        for (long seed = 21; seed <= 22; seed++) {
            Td3Agent fused = filledAgent(small(), seed);
            Td3Agent unfused = filledAgent(small(), seed);
            double[] s = {0.3, -0.2, 0.9};
            for (int i = 0; i < 6; i++) {
                Td3Agent.Losses expected;
                double[] expectedAction;
                try (Fusion.Scope _ = Fusion.off()) {
                    expected = unfused.update();
                    expectedAction = unfused.act(s, true);
                }
                assertEquals(expected, fused.update(), "seed " + seed + ", update " + (i + 1));
                assertArrayEquals(expectedAction, fused.act(s, true), "seed " + seed + ", update " + (i + 1));
            }
            unfused.save(dir.resolve("unfused" + seed));
            fused.save(dir.resolve("fused" + seed));
            for (String file : List.of("networks.safetensors", "actor_optimizer/optimizer.safetensors",
                    "critic_optimizer/optimizer.safetensors")) {
                assertArrayEquals(Files.readAllBytes(dir.resolve("unfused" + seed).resolve(file)),
                        Files.readAllBytes(dir.resolve("fused" + seed).resolve(file)), "seed " + seed + ", " + file);
            }
        }
    }

    @Test
    void configValidatesAndRoundTripsThroughJson() {
        Td3Config defaults = Td3Config.defaults();
        assertEquals(List.of(256, 256), defaults.hiddenSizes());
        assertEquals(2, defaults.criticCount());
        assertEquals(2, defaults.effectivePolicyDelay());
        assertEquals(defaults, Json.convert(Json.MAPPER.convertValue(defaults, Map.class), Td3Config.class));
        assertEquals(List.of("algorithm", "hidden_sizes", "actor_lr", "critic_lr", "gamma", "tau", "policy_noise",
                "noise_clip", "policy_delay", "exploration_noise", "replay_capacity", "batch_size", "warmup_steps",
                "total_steps", "eval_interval"),
                List.copyOf(Json.MAPPER.convertValue(defaults, new TypeReference<LinkedHashMap<String, Object>>() {
                }).keySet()));
        assertThrows(IllegalArgumentException.class, () -> defaults.toBuilder().tau(1.5).build());
        assertThrows(IllegalArgumentException.class, () -> defaults.toBuilder().warmupSteps(0).build());
        assertThrows(IllegalArgumentException.class, () -> defaults.toBuilder().hiddenSizes(0).build());
    }
}
