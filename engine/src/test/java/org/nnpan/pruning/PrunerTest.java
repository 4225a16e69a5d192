package org.nnpan.pruning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nnpan.nn.Sequential;
import org.nnpan.tensor.MemoryScope;

class PrunerTest {
    private MemoryScope scope;

    @BeforeEach
    void open() {
        scope = MemoryScope.open("pruner-test");
    }

    @AfterEach
    void close() {
        scope.close();
    }

    /** Every step keeps exactly the schedule's count; methods that forbid revival only ever remove weights. */
    @ParameterizedTest
    @EnumSource(PruningMethod.class)
    void everyStepKeepsTheScheduledCountAndMonotoneMethodsNeverRevive(PruningMethod method) {
        SplittableRandom rng = new SplittableRandom(1);
        Sequential net = TestNets.batchNormNet(rng);
        ScoringBatch batch = TestNets.batch(rng, 5, 2, 3, 6);
        Density target = Density.ofSparsity(0.9);
        Pruner.Config config = new Pruner.Config(method, target, MaskSelection.Scope.GLOBAL, Schedule.EXPONENTIAL,
                5, 3);
        List<float[]> masks = new ArrayList<>();
        long n = WeightLayout.of(net).numel();
        Mask result = Pruner.prune(net, batch, config, step -> {
            assertEquals(step.density().keptCount(n), step.mask().kept(), method + " step " + step.index());
            assertEquals(method.saliency(3).name(), step.saliency().name());
            masks.add(step.mask().flat().toFloatArray());
        });
        assertEquals(target.keptCount(n), result.kept());
        assertEquals(5, masks.size());
        if (method.prunedStayPruned()) {
            for (int t = 1; t < masks.size(); t++) {
                for (int i = 0; i < n; i++) {
                    assertTrue(masks.get(t)[i] <= masks.get(t - 1)[i],
                            method + " revived weight " + i + " at step " + t);
                }
            }
        }
        assertTrue(net.prunableParameters().values().stream().noneMatch(p -> p.isMasked()), "the model is untouched");
    }

    @Test
    void rejectsZeroIterationsAndMaskedModels() {
        assertThrows(IllegalArgumentException.class, () -> new Pruner.Config(PruningMethod.SNIP, Density.of(0.5),
                MaskSelection.Scope.GLOBAL, Schedule.EXPONENTIAL, 0, 1));
        SplittableRandom rng = new SplittableRandom(1);
        Sequential net = TestNets.batchNormNet(rng);
        Mask.dense(net).install(net);
        assertThrows(IllegalArgumentException.class, () -> Pruner.prune(net, TestNets.batch(rng, 5, 1, 3, 6),
                Pruner.Config.defaults(PruningMethod.MAGNITUDE, Density.of(0.5), 1)));
    }

    @Test
    void parsesMethodNamesAndListsTheValidOnes() {
        assertEquals(PruningMethod.ITERATIVE_SNIP, PruningMethod.parse("iter-snip"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PruningMethod.parse("obd"));
        assertTrue(e.getMessage().contains("random, magnitude, snip, grasp, grasp-abs, synflow, iter-snip, force"),
                e.getMessage());
    }

    /** The original GraSP keeps the lowest θ⊙Hg (ranks −s); Panning's variant keeps the largest |θ⊙Hg|. */
    @Test
    void graspKeepsTheLowestScoresAndGraspAbsTheLargestMagnitudes() {
        SplittableRandom rng = new SplittableRandom(1);
        Sequential net = TestNets.batchNormNet(rng);
        ScoringBatch batch = TestNets.batch(rng, 5, 2, 3, 6);
        Map<PruningMethod, ScoreRule> rules = Map.of(PruningMethod.GRASP, ScoreRule.NEGATED, PruningMethod.GRASP_ABS,
                ScoreRule.ABSOLUTE);
        List<float[]> masks = new ArrayList<>();
        for (PruningMethod method : List.of(PruningMethod.GRASP, PruningMethod.GRASP_ABS)) {
            Mask mask = Pruner.prune(net, batch, Pruner.Config.defaults(method, Density.ofSparsity(0.5), 1), step -> {
                Mask expected = MaskSelection.select(rules.get(method).apply(step.rawScores()), step.density(),
                        MaskSelection.Scope.GLOBAL);
                assertArrayEquals(expected.flat().toFloatArray(), step.mask().flat().toFloatArray(), method.cliName());
            });
            masks.add(mask.flat().toFloatArray());
        }
        assertFalse(Arrays.equals(masks.get(0), masks.get(1)), "both rules kept the same weights");
    }
}
