package org.nnpan.pruning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnpan.agent.AgentTrainer;
import org.nnpan.agent.Environment;
import org.nnpan.agent.Td3Config;
import org.nnpan.data.ImageDataset;
import org.nnpan.data.SplitMix64;
import org.nnpan.data.SyntheticImages;
import org.nnpan.kernels.parallel.Parallel;
import org.nnpan.models.ModelSpec;
import org.nnpan.models.ModelZoo;
import org.nnpan.nn.Module;
import org.nnpan.nn.Sequential;
import org.nnpan.nn.init.InitScheme;
import org.nnpan.tensor.MemoryScope;

class PanningEnvironmentTest {
    private static final double[] EQUAL_WEIGHTS = {0, 0, 0};
    private static final Density TARGET = Density.ofSparsity(0.9);

    private MemoryScope scope;

    @BeforeEach
    void open() {
        scope = MemoryScope.open("panning-environment-test");
    }

    @AfterEach
    void close() {
        scope.close();
    }

    /** Batch i: 5 classes × 2 random 3×6×6 images, the same for every environment. */
    private static ScoringBatch batch(int i) {
        return TestNets.batch(new SplittableRandom(100 + i), 5, 2, 3, 6);
    }

    private static PanningEnvironment environment(Module net, long curriculumSteps) {
        return new PanningEnvironment(net, PanningEnvironmentTest::batch,
                new PanningEnvironment.Config(TARGET, 3, curriculumSteps, 3));
    }

    /** (x − min) / (max − min) over {@code seen}. */
    private static double normalised(double x, double... seen) {
        double min = Arrays.stream(seen).min().orElseThrow();
        double max = Arrays.stream(seen).max().orElseThrow();
        return (x - min) / (max - min);
    }

    /** On one thread, so the reference values below are computed as the environment computes them. */
    @Test
    void stateAtResetAndAfterAStepFollowTheDefinitions() {
        Parallel.callWith(1, () -> {
            checkStateAtResetAndAfterAStep();
            return null;
        });
    }

    private static void checkStateAtResetAndAfterAStep() {
        Sequential net = TestNets.batchNormNet(new SplittableRandom(1));
        PanningEnvironment env = environment(net, 10);
        env.setEvaluation(true);
        double[] reset = env.reset(new SplitMix64(1));

        // Batches 0-2 initialise the extremes, batch 3 is the reset's, batch 4 the first step's.
        LossProbe probe = new LossProbe(1);
        double[] loss = new double[5];
        double[] g = new double[5];
        for (int i = 0; i < 5; i++) {
            LossProbe.Measurement m = probe.dense(net, batch(i));
            loss[i] = m.loss();
            g[i] = m.squaredGradientNorm();
        }
        double[] l4 = Arrays.copyOf(loss, 4);
        double[] g4 = Arrays.copyOf(g, 4);
        assertArrayEquals(new double[] {normalised(loss[3], l4), normalised(g[3], g4), 0, 0, 0, 0, 0}, reset, 1e-12);

        Environment.Step step = env.step(new double[] {-0.5, 0, 0.5});
        Mask expected = Mask.dense(net);
        Density density = Schedule.EXPONENTIAL.densityAfter(0, 3, TARGET);
        new PanningScorer(IndexFusion.ADDITIVE, new SynFlowCarryOver(), Set.of()).selectInto(net, batch(4),
                new IndexWeights(0.5, 1, 1.5), density, expected, DensePass.run(net, batch(4), null));
        assertArrayEquals(expected.flat().toFloatArray(), env.lastMask().flat().toFloatArray());
        PanningObservation o = PanningObservation.of(net, expected, batch(4), probe);
        double lossRange = Arrays.stream(loss).max().orElseThrow() - Arrays.stream(loss).min().orElseThrow();
        double gRange = Arrays.stream(g).max().orElseThrow() - Arrays.stream(g).min().orElseThrow();
        double rLoss = Math.abs(o.subLoss() - o.loss()) / lossRange;
        double rG = Math.abs(o.subSquaredGradientNorm() - o.squaredGradientNorm()) / gRange / 5;
        assertArrayEquals(new double[] {normalised(loss[4], loss), normalised(g[4], g), rLoss, rG,
            o.effectiveSparsity(), density.sparsity(), 1 / 3.0}, step.state(), 1e-9);
        assertEquals(PanningEnvironment.reward(density.sparsity(), o.effectiveSparsity(), rLoss, rG, 1 / 3.0, 3),
                step.reward(), 1e-9);
        assertFalse(step.done());
        assertEquals(o.effectiveSparsity(), step.info().get("effective_sparsity"));
        assertEquals(TARGET.sparsity(), step.info().get("target_sparsity"));
    }

    /**
     * With a pool of two threads the dense passes run ahead on another thread, and both sides on one thread each: every
     * state, reward and mask is bit for bit that of a one-thread environment, across episodes and a jump back in the
     * batch sequence (loading a saved state).
     */
    @Test
    void lookaheadChangesNoBit(@TempDir Path dir) throws IOException {
        List<double[]> serial = Parallel.callWith(1, () -> trace(dir.resolve("serial")));
        List<double[]> ahead = Parallel.callWith(2, () -> trace(dir.resolve("ahead")));
        assertEquals(serial.size(), ahead.size());
        for (int i = 0; i < serial.size(); i++) {
            assertArrayEquals(serial.get(i), ahead.get(i), "record " + i);
        }
    }

    /** States, rewards and masks of three episodes, the last after a save and a load that rewinds the batches. */
    private static List<double[]> trace(Path dir) {
        List<double[]> records = new ArrayList<>();
        PanningEnvironment env = environment(TestNets.batchNormNet(new SplittableRandom(1)), 4);
        try {
            Files.createDirectories(dir);
            env.saveState(dir);
            for (long episode = 0; episode < 3; episode++) {
                if (episode == 2) {
                    env.loadState(dir);
                }
                records.add(env.reset(new SplitMix64(episode)));
                Environment.Step step;
                do {
                    step = env.step(new double[] {0.3 * episode - 0.5, 0.2, -0.1});
                    records.add(step.state());
                    records.add(new double[] {step.reward()});
                    float[] mask = env.lastMask().flat().toFloatArray();
                    records.add(IntStream.range(0, mask.length).mapToDouble(k -> mask[k]).toArray());
                } while (!step.done());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return records;
    }

    @Test
    void rewardPenalisesTheGapAndDisconnection() {
        assertEquals(-100 * 0.1 - 0.2 - 0.1, PanningEnvironment.reward(0.5, 0.6, 0.2, 0.1, 0.4, 10), 1e-12);
        // ε = 1 after 4 of 10 steps: the 6 lost steps on top.
        assertEquals(-100 * 0.5 - 0.3 - 6, PanningEnvironment.reward(0.5, 1, 0.2, 0.1, 0.4, 10), 1e-12);
        assertEquals(0, PanningEnvironment.reward(0.9, 0.9, 0, 0, 0.5, 10), 1e-12);
    }

    /** Three layers and at most two kept weights after the second step: no input-output path can survive. */
    @Test
    void aDisconnectedNetworkEndsTheEpisodeWithThePenalty() {
        Sequential net = TestNets.mlp(new SplittableRandom(2), 4, 3, 3, 2);
        PanningEnvironment env = new PanningEnvironment(net,
                i -> TestNets.batch(new SplittableRandom(i), 2, 2, 4, 1),
                new PanningEnvironment.Config(Density.ofSparsity(0.98), 3, 0, 2));
        env.setEvaluation(true);
        env.reset(new SplitMix64(3));
        Environment.Step step;
        int steps = 0;
        do {
            step = env.step(EQUAL_WEIGHTS);
            steps++;
        } while (!step.done());
        assertTrue(steps <= 2, "disconnected by step 2, ended after " + steps);
        assertEquals(1.0, step.info().get("effective_sparsity"));
        assertEquals(true, step.info().get("disconnected"));
        double[] s = step.state();
        assertEquals(PanningEnvironment.reward(s[5], 1, s[2], s[3], s[6], 3), step.reward(), 1e-12);
        assertTrue(step.reward() <= -100 * (1 - s[5]) - (1 - s[6]) * 3 + 1e-12, "penalty included: " + step.reward());
    }

    @Test
    void curriculumSwitchesAfterTheTrainingStepsAndIgnoresEvaluations() {
        PanningEnvironment env = environment(TestNets.batchNormNet(new SplittableRandom(1)), 6);
        SplitMix64 rng = new SplitMix64(7);
        assertTrue(drawTargets(env, rng).stream().anyMatch(p -> p < 0.9), "U[0.8, 1] at first");
        playEpisode(env, rng, true);
        assertEquals(0, env.trainingSteps());
        assertTrue(drawTargets(env, rng).stream().anyMatch(p -> p < 0.9), "evaluations do not count");
        playEpisode(env, rng, false);
        assertEquals(3, env.trainingSteps());
        assertTrue(drawTargets(env, rng).stream().anyMatch(p -> p < 0.9), "still 3 steps before the switch");
        playEpisode(env, rng, false);
        assertEquals(6, env.trainingSteps());
        List<Double> late = drawTargets(env, rng);
        assertTrue(late.stream().allMatch(p -> p >= 0.9 && p <= PanningEnvironment.MAX_SPARSITY), late.toString());
        assertTrue(late.stream().anyMatch(p -> p < 0.98) && late.stream().anyMatch(p -> p >= 0.98), late.toString());
    }

    /** The targets of 40 resets (resets alone take no steps). */
    private static List<Double> drawTargets(PanningEnvironment env, SplitMix64 rng) {
        List<Double> targets = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            env.reset(rng);
            targets.add(env.target().sparsity());
        }
        return targets;
    }

    private static List<Environment.Step> playEpisode(PanningEnvironment env, SplitMix64 rng, boolean evaluation) {
        env.setEvaluation(evaluation);
        env.reset(rng);
        List<Environment.Step> steps = new ArrayList<>();
        do {
            steps.add(env.step(EQUAL_WEIGHTS));
        } while (!steps.getLast().done());
        env.setEvaluation(false);
        return steps;
    }

    @Test
    void savedStateMakesAFreshEnvironmentContinueIdentically(@TempDir Path dir) throws IOException {
        PanningEnvironment original = environment(TestNets.batchNormNet(new SplittableRandom(1)), 4);
        playEpisode(original, new SplitMix64(1), false);
        playEpisode(original, new SplitMix64(2), false);
        original.saveState(dir);
        PanningEnvironment restored = environment(TestNets.batchNormNet(new SplittableRandom(1)), 4);
        restored.loadState(dir);
        assertEquals(original.trainingSteps(), restored.trainingSteps());
        List<Environment.Step> a = playEpisode(original, new SplitMix64(3), false);
        List<Environment.Step> b = playEpisode(restored, new SplitMix64(3), false);
        assertEquals(original.target(), restored.target());
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).state(), b.get(i).state());
            assertEquals(a.get(i).reward(), b.get(i).reward());
        }
    }

    @Test
    void agentTrainsOnLenet5AndItsRolloutKeepsExactlyTheTarget(@TempDir Path dir) throws IOException {
        SyntheticImages.Spec spec = new SyntheticImages.Spec(100, 0, 10, 1, 28, 28, 0.25f, 7);
        ImageDataset data = SyntheticImages.generate(spec, true);
        Module lenet = ModelZoo.create("lenet5", ModelSpec.of(10, 1, 28), InitScheme.REFERENCE, new SplitMix64(1));
        Density target = Density.ofSparsity(0.95);
        PanningEnvironment env = new PanningEnvironment(lenet,
                Panning.BatchSource.classBalanced(data, spec.normalization(), 28, 1, 5),
                PanningEnvironment.Config.defaults(target).withSteps(3));
        Td3Config config = Td3Config.defaults().toBuilder().hiddenSizes(16, 16).batchSize(8).totalSteps(24)
                .warmupSteps(6).evalInterval(12).replayCapacity(24).build();
        AgentTrainer.Result result = new AgentTrainer(env, config,
                new AgentTrainer.Options(1, dir, 12, false)).train();
        assertEquals(24, result.steps());
        assertEquals(24, env.trainingSteps(), "evaluation episodes are not training steps");
        assertEquals(2, result.evaluations().size());
        result.policy().rollout(env, new SplitMix64(9));
        assertEquals(target, env.target());
        assertEquals(target.keptCount(WeightLayout.of(lenet).numel()), env.lastMask().kept());
    }
}
