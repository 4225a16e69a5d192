package org.nnpan.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnpan.data.SplitMix64;
import org.nnpan.io.Json;

/** Training runs on the toy task: learning, the DDPG variant, metrics, checkpoints and exact resume. */
class AgentTrainerTest {
    @TempDir
    Path dir;

    /** Small networks and a fast learning rate: TD3 solves the toy task in about a thousand updates. */
    private static Td3Config toyConfig() {
        return Td3Config.defaults().toBuilder().hiddenSizes(32, 32).learningRate(1e-3).batchSize(64)
                .replayCapacity(10_000).tau(0.02).warmupSteps(200).totalSteps(1500).evalInterval(500).build();
    }

    /** Mean squared distance of the deterministic policy from the optimal one over fresh states. */
    private static double policyError(Policy policy) {
        SplitMix64 rng = new SplitMix64(99);
        double sum = 0;
        int n = 500;
        for (int i = 0; i < n; i++) {
            double[] s = {2 * rng.nextDouble() - 1, 2 * rng.nextDouble() - 1};
            sum += LinearTargetEnvironment.squaredError(policy.act(s), s);
        }
        return sum / n;
    }

    private AgentTrainer.Options options(Path runDirectory, long checkpointInterval) {
        return new AgentTrainer.Options(1, runDirectory, checkpointInterval, false);
    }

    @Test
    void td3LearnsTheLinearTarget() throws IOException {
        Policy untrained = Policy.create(2, 2, toyConfig(), new SplitMix64(1));
        AgentTrainer.Result r = new AgentTrainer(new LinearTargetEnvironment(1), toyConfig(), options(dir, 1000))
                .train();
        double error = policyError(r.policy());
        assertTrue(error < 0.01, "policy error " + error + " (untrained " + policyError(untrained) + ")");
        assertEquals(1500, r.steps());
        assertEquals(1500, r.episodes());
        assertEquals(List.of(500L, 1000L, 1500L), r.evaluations().stream().map(AgentTrainer.Evaluation::step).toList());
        assertTrue(r.evaluations().getLast().result().reward() > -0.05);
        assertTrue(r.secondsPerUpdate() > 0);

        Policy saved = Policy.load(dir.resolve(AgentTrainer.POLICY_FILE));
        assertEquals(error, policyError(saved));
        assertTrue(Files.exists(dir.resolve(AgentTrainer.SUMMARY_FILE)));
        List<JsonNode> lines = metrics(dir);
        assertEquals(1500 + 3, lines.size());
        JsonNode last = lines.getLast();
        assertEquals("eval", last.get("kind").asText());
        assertEquals(1500, last.get("step").asLong());
        // The environment's own info goes through: it counts every reset, training and evaluation ones.
        assertEquals(1503, last.get("info").get("resets").asLong());
        JsonNode warmup = lines.getFirst();
        assertTrue(warmup.get("critic_loss").isNull());
        assertFalse(lines.get(1400).get("critic_loss").isNull());
    }

    @Test
    void ddpgTrainsToo() throws IOException {
        Td3Config ddpg = toyConfig().toBuilder().algorithm(Td3Config.Algorithm.DDPG).totalSteps(800).build();
        AgentTrainer.Result r = new AgentTrainer(new LinearTargetEnvironment(1), ddpg, options(dir, 1000)).train();
        Policy untrained = Policy.create(2, 2, ddpg, new SplitMix64(1));
        assertTrue(policyError(r.policy()) < policyError(untrained) / 2,
                policyError(r.policy()) + " vs untrained " + policyError(untrained));
        assertEquals("DDPG", Json.readMap(dir.resolve("policy.json")).get("algorithm"));
    }

    /** Fails like a killed process after a number of steps. */
    private static final class CrashingEnvironment implements Environment {
        private final Environment inner;
        private int stepsLeft;

        CrashingEnvironment(Environment inner, int steps) {
            this.inner = inner;
            this.stepsLeft = steps;
        }

        @Override
        public double[] reset(RandomGenerator rng) {
            return inner.reset(rng);
        }

        @Override
        public Step step(double[] action) {
            if (stepsLeft-- == 0) {
                throw new IllegalStateException("simulated crash");
            }
            return inner.step(action);
        }

        @Override
        public int stateSize() {
            return inner.stateSize();
        }

        @Override
        public int actionSize() {
            return inner.actionSize();
        }

        @Override
        public void saveState(Path directory) throws IOException {
            inner.saveState(directory);
        }

        @Override
        public void loadState(Path directory) throws IOException {
            inner.loadState(directory);
        }
    }

    @Test
    void resumeAfterACrashEqualsAnUninterruptedRun() throws IOException {
        Td3Config config = toyConfig().toBuilder().hiddenSizes(16, 16).batchSize(32).warmupSteps(60).totalSteps(300)
                .evalInterval(100).build();
        Path whole = dir.resolve("whole");
        Path interrupted = dir.resolve("interrupted");
        AgentTrainer.Result expected = new AgentTrainer(new LinearTargetEnvironment(5), config, options(whole, 100))
                .train();

        Environment crashing = new CrashingEnvironment(new LinearTargetEnvironment(5), 230);
        AgentTrainer first = new AgentTrainer(crashing, config, options(interrupted, 100));
        assertThrows(IllegalStateException.class, first::train);
        assertTrue(metrics(interrupted).stream().anyMatch(l -> l.get("step").asLong() > 200));
        AgentTrainer.Result resumed = new AgentTrainer(new LinearTargetEnvironment(5), config,
                options(interrupted, 100)).resume();

        assertEquals(expected.steps(), resumed.steps());
        assertEquals(expected.episodes(), resumed.episodes());
        // Evaluations before the crash come back from the checkpoint's JSON, so compare them as JSON.
        assertEquals(Json.MAPPER.writeValueAsString(expected.evaluations()),
                Json.MAPPER.writeValueAsString(resumed.evaluations()));
        assertEquals(withoutTimes(metrics(whole)), withoutTimes(metrics(interrupted)));
        // Bit for bit: every network, both optimizers and the replay buffer.
        for (String file : List.of("networks.safetensors", "replay.safetensors",
                "actor_optimizer/optimizer.safetensors", "critic_optimizer/optimizer.safetensors")) {
            assertArrayEquals(Files.readAllBytes(whole.resolve("checkpoint/agent").resolve(file)),
                    Files.readAllBytes(interrupted.resolve("checkpoint/agent").resolve(file)), file);
        }
        assertArrayEquals(Files.readAllBytes(whole.resolve(AgentTrainer.POLICY_FILE)),
                Files.readAllBytes(interrupted.resolve(AgentTrainer.POLICY_FILE)));

        // A finished run resumes to the same result without training further.
        assertEquals(300, new AgentTrainer(new LinearTargetEnvironment(5), config, options(whole, 100)).resume()
                .steps());
    }

    @Test
    void refusesToOverwriteOrToResumeNothing() throws IOException {
        Td3Config tiny = toyConfig().toBuilder().hiddenSizes(4).batchSize(4).warmupSteps(5).totalSteps(20).build();
        assertThrows(IllegalStateException.class,
                () -> new AgentTrainer(new LinearTargetEnvironment(2), tiny, options(dir, 10)).resume());
        new AgentTrainer(new LinearTargetEnvironment(2), tiny, options(dir, 10)).train();
        assertThrows(IllegalStateException.class,
                () -> new AgentTrainer(new LinearTargetEnvironment(2), tiny, options(dir, 10)).train());
        Td3Config other = tiny.toBuilder().gamma(0.5).build();
        assertThrows(IllegalArgumentException.class,
                () -> new AgentTrainer(new LinearTargetEnvironment(2), other, options(dir, 10)).resume());
    }

    private static List<JsonNode> metrics(Path runDirectory) throws IOException {
        return Files.readAllLines(runDirectory.resolve(AgentTrainer.METRICS_FILE)).stream().map(line -> {
            try {
                return Json.MAPPER.readTree(line);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).toList();
    }

    private static List<JsonNode> withoutTimes(List<JsonNode> lines) {
        return lines.stream().<JsonNode>map(l -> ((ObjectNode) l.deepCopy()).without(
                List.of("env_ms_per_step", "agent_ms_per_step"))).toList();
    }
}
