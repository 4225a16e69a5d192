package org.nnpan.pruning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
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

class PanningTest {
    private MemoryScope scope;

    @BeforeEach
    void open() {
        scope = MemoryScope.open("panning-test");
    }

    @AfterEach
    void close() {
        scope.close();
    }

    /** A different random batch of 5 classes × 2 images per step, the same for every run. */
    private static Panning.BatchSource randomBatches() {
        return step -> TestNets.batch(new SplittableRandom(100 + step), 5, 2, 3, 6);
    }

    private record Run(Mask mask, List<PanningStep> steps, List<float[]> masks) {
    }

    private static Run run(Module net, Panning.BatchSource batches, Panning.Config config) {
        List<PanningStep> steps = new ArrayList<>();
        List<float[]> masks = new ArrayList<>();
        Mask mask = Panning.prune(net, batches, config, (step, m) -> {
            steps.add(step);
            masks.add(m.flat().toFloatArray());
        });
        return new Run(mask, steps, masks);
    }

    @Test
    void everyStepKeepsExactlyTheScheduledCountAndTheModelIsUntouched() {
        Sequential net = TestNets.batchNormNet(new SplittableRandom(1));
        float[] before = net.stateDict().get("0.weight").toFloatArray();
        Density target = Density.ofSparsity(0.93);
        Panning.Config config = new Panning.Config(target, 5, IndexFusion.ADDITIVE, StageTable.additiveDefaults());
        Run run = run(net, randomBatches(), config);
        long n = WeightLayout.of(net).numel();
        assertEquals(target.keptCount(n), run.mask().kept());
        assertEquals(5, run.steps().size());
        for (PanningStep s : run.steps()) {
            Density d = Schedule.EXPONENTIAL.densityAfter(s.step(), 5, target);
            assertEquals(d.sparsity(), s.scheduledSparsity());
            assertEquals(d.keptCount(n), s.observation().kept());
            assertTrue(s.observation().effectiveSparsity() >= s.scheduledSparsity() - 1e-12, "live ≤ kept");
        }
        assertEquals(4, run.steps().getLast().step());
        assertArrayEquals(before, net.stateDict().get("0.weight").toFloatArray());
        assertTrue(net.prunableParameters().values().stream().noneMatch(p -> p.isMasked()));
    }

    /**
     * A table that ranks by SNIP alone up to s_t = 0.6 and by SynFlow alone above: the second step's top-k by
     * another index keeps weights the first step pruned, which a method whose pruned weights stay pruned never does.
     */
    @Test
    void prunedWeightsCanComeBack() {
        Sequential net = TestNets.batchNormNet(new SplittableRandom(2));
        StageTable snipThenSynflow = new StageTable(new double[] {0.6},
                List.of(new IndexWeights(0, 1, 0), new IndexWeights(1, 0, 0)));
        // s_t = 0.536, 0.785, 0.9: stage 0, then stage 1
        Run run = run(net, randomBatches(), new Panning.Config(Density.ofSparsity(0.9), 3, IndexFusion.ADDITIVE,
                snipThenSynflow));
        assertEquals(List.of(0, 1, 1), run.steps().stream().map(PanningStep::stage).toList());
        float[] first = run.masks().get(0);
        float[] second = run.masks().get(1);
        int revived = 0;
        for (int i = 0; i < first.length; i++) {
            if (first[i] == 0 && second[i] == 1) {
                revived++;
            }
        }
        assertTrue(revived > 0, "no weight pruned at step 0 came back at step 1");
    }

    @Test
    void isDeterministicForTheSameModelAndBatches() {
        Panning.Config config = new Panning.Config(Density.ofSparsity(0.9), 3, IndexFusion.MULTIPLICATIVE,
                StageTable.multiplicativeDefaults());
        Run a = run(TestNets.batchNormNet(new SplittableRandom(3)), randomBatches(), config);
        Run b = run(TestNets.batchNormNet(new SplittableRandom(3)), randomBatches(), config);
        assertArrayEquals(a.mask().flat().toFloatArray(), b.mask().flat().toFloatArray());
        assertEquals(a.steps(), b.steps());
        Mask quiet = Panning.prune(TestNets.batchNormNet(new SplittableRandom(3)), randomBatches(), config);
        assertArrayEquals(a.mask().flat().toFloatArray(), quiet.flat().toFloatArray(), "the listener changes nothing");
    }

    /**
     * With a pool of two threads the dense passes run ahead on another thread and every side on one: the steps and
     * masks are bit for bit those of a one-thread run, with and without the per-step observation.
     */
    @Test
    void lookaheadChangesNoBit() {
        Panning.Config config = new Panning.Config(Density.ofSparsity(0.95), 6, IndexFusion.ADDITIVE,
                StageTable.additiveDefaults());
        Run serial = Parallel.callWith(1, () -> run(TestNets.batchNormNet(new SplittableRandom(4)), randomBatches(),
                config));
        Run ahead = Parallel.callWith(2, () -> run(TestNets.batchNormNet(new SplittableRandom(4)), randomBatches(),
                config));
        assertEquals(serial.steps(), ahead.steps());
        for (int i = 0; i < serial.masks().size(); i++) {
            assertArrayEquals(serial.masks().get(i), ahead.masks().get(i), "step " + i);
        }
        Mask quiet = Parallel.callWith(2, () -> Panning.prune(TestNets.batchNormNet(new SplittableRandom(4)),
                randomBatches(), config));
        assertArrayEquals(serial.mask().flat().toFloatArray(), quiet.flat().toFloatArray());
    }

    @Test
    void lenet5OnClassBalancedSyntheticBatches() {
        ImageDataset data = SyntheticImages.generate(new SyntheticImages.Spec(200, 0, 10, 1, 28, 28, 0.25f, 7), true);
        Module lenet = ModelZoo.create("lenet5", ModelSpec.of(10, 1, 28), InitScheme.REFERENCE, new SplitMix64(1));
        Density target = Density.ofSparsity(0.98);
        Panning.BatchSource batches = Panning.BatchSource.classBalanced(data,
                new SyntheticImages.Spec(200, 0, 10, 1, 28, 28, 0.25f, 7).normalization(), 28, 2, 5);
        Run run = run(lenet, batches, new Panning.Config(target, 5, IndexFusion.ADDITIVE,
                StageTable.additiveDefaults()));
        assertEquals(target.keptCount(WeightLayout.of(lenet).numel()), run.mask().kept());
        double previous = 0;
        for (PanningStep s : run.steps()) {
            assertTrue(s.scheduledSparsity() > previous, "sparsity rises: " + run.steps());
            previous = s.scheduledSparsity();
            PanningObservation o = s.observation();
            assertTrue(o.loss() > 0 && o.subLoss() > 0 && o.squaredGradientNorm() > 0
                    && o.subSquaredGradientNorm() > 0, o.toString());
            assertEquals(StageTable.additiveDefaults().weights(s.stage()), s.weights());
        }
        assertEquals(0.98, run.steps().getLast().scheduledSparsity());
        // s_t = 0.54, 0.79, 0.90, 0.96, 0.98: stages 0, 0, 1, 2, 2
        assertEquals(List.of(0, 0, 1, 2, 2), run.steps().stream().map(PanningStep::stage).toList());
    }
}
