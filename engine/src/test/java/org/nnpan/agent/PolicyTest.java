package org.nnpan.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnpan.data.SplitMix64;
import org.nnpan.io.Json;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/** Policy outputs, save/load and rollouts. */
class PolicyTest {
    @TempDir
    Path dir;

    private static final Td3Config CONFIG = Td3Config.defaults().toBuilder().hiddenSizes(8, 6)
            .algorithm(Td3Config.Algorithm.DDPG).build();

    @Test
    void saveAndLoadRoundTrip() throws IOException {
        Policy policy = Policy.create(7, 3, CONFIG, new SplitMix64(4));
        Path file = dir.resolve("policy.safetensors");
        policy.save(file);

        Map<String, Object> sidecar = Json.readMap(dir.resolve("policy.json"));
        assertEquals(Policy.FORMAT, sidecar.get("format"));
        assertEquals(7, sidecar.get("state_size"));
        assertEquals(3, sidecar.get("action_size"));
        assertEquals(List.of(8, 6), sidecar.get("hidden_sizes"));
        assertEquals("DDPG", sidecar.get("algorithm"));

        Policy loaded = Policy.load(file);
        assertEquals(CONFIG, loaded.config());
        assertEquals(List.copyOf(policy.network().stateDict().keySet()), List.of("0.weight", "0.bias", "2.weight",
                "2.bias", "4.weight", "4.bias"));
        policy.network().stateDict().forEach((name, t) ->
                assertArrayEquals(t.toFloatArray(), loaded.network().stateDict().get(name).toFloatArray(), name));
        SplitMix64 rng = new SplitMix64(8);
        for (int i = 0; i < 5; i++) {
            double[] s = new double[7];
            for (int k = 0; k < s.length; k++) {
                s[k] = rng.nextGaussian();
            }
            assertArrayEquals(policy.act(s), loaded.act(s));
        }
    }

    @Test
    void loadExplainsMissingOrMismatchedFiles() throws IOException {
        Path absent = dir.resolve("absent.safetensors");
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> Policy.load(absent));
        assertTrue(none.getMessage().contains(absent + ": no such file"), none.getMessage());

        Policy policy = Policy.create(7, 3, CONFIG, new SplitMix64(4));
        Path file = dir.resolve("actor.safetensors");
        policy.save(file);
        Files.delete(dir.resolve("actor.json"));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> Policy.load(file));
        assertTrue(missing.getMessage().contains("actor.json"), missing.getMessage());

        Policy.create(5, 3, CONFIG, new SplitMix64(4)).save(dir.resolve("other.safetensors"));
        Files.copy(dir.resolve("other.json"), dir.resolve("actor.json"));
        IllegalArgumentException shapes = assertThrows(IllegalArgumentException.class, () -> Policy.load(file));
        assertTrue(shapes.getMessage().contains("shape"), shapes.getMessage());
    }

    @Test
    void actionsStayInTheUnitBoxAndRolloutsPlayOneEpisode() {
        Policy policy = Policy.create(2, 2, CONFIG, new SplitMix64(1));
        try (MemoryScope _ = MemoryScope.open()) {
            for (float v : policy.forward(Tensor.full(1000, DType.F32, 3, 2)).toFloatArray()) {
                assertTrue(v >= -1 && v <= 1);
            }
        }
        EpisodeResult episode = policy.rollout(new LinearTargetEnvironment(3), new SplitMix64(2));
        assertEquals(3, episode.length());
        assertTrue(episode.reward() < 0);
        assertEquals(1L, ((Number) episode.info().get("resets")).longValue());
        assertThrows(IllegalArgumentException.class,
                () -> Policy.create(3, 2, CONFIG, new SplitMix64(1)).rollout(new LinearTargetEnvironment(3), null));
    }
}
