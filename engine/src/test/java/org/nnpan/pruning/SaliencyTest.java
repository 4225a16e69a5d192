package org.nnpan.pruning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nnpan.nn.Module;
import org.nnpan.nn.Parameter;
import org.nnpan.nn.Sequential;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

class SaliencyTest {
    private MemoryScope scope;

    @BeforeEach
    void open() {
        scope = MemoryScope.open("saliency-test");
    }

    @AfterEach
    void close() {
        scope.close();
    }

    static Stream<Saliency> saliencies() {
        return Stream.of(new RandomSaliency(1), new MagnitudeSaliency(), SnipSaliency.dense(), SnipSaliency.masked(),
                GraspSaliency.reference(), new GraspSaliency(1, GraspSaliency.GradientNorm.ALL_PARAMETERS),
                new SynFlowSaliency());
    }

    /** Values, buffers (running statistics, num_batches_tracked) and per-module training modes, as plain data. */
    private static List<Object> state(Module net) {
        List<Object> s = new ArrayList<>();
        net.stateDict().forEach((name, t) -> s.add(name + "=" + java.util.Arrays.toString(t.toDoubleArray())));
        net.namedModules().forEach((name, m) -> s.add(name + (m.isTraining() ? " train" : " eval")));
        net.namedParameters().forEach((name, p) -> s.add(name + (p.isMasked() ? " masked" : " dense")));
        return s;
    }

    @ParameterizedTest
    @MethodSource("saliencies")
    void scoringLeavesTheModelExactlyAsItWas(Saliency saliency) {
        SplittableRandom rng = new SplittableRandom(2);
        Sequential net = TestNets.batchNormNet(rng);
        net.get(1).eval(); // a mixed mode must survive too
        ScoringBatch batch = TestNets.batch(rng, 5, 2, 3, 6);
        List<Object> before = state(net);
        Mask mask = MaskSelection.select(new RandomSaliency(3).score(net, Mask.dense(net), batch), Density.of(0.5),
                MaskSelection.Scope.GLOBAL);
        Scores scores = saliency.score(net, mask, batch);
        saliency.score(net, mask, batch); // a second call reuses any working copy
        assertEquals(before, state(net));
        net.parameters().forEach(p -> assertNull(p.grad()));
        assertEquals(WeightLayout.of(net).numel(), scores.flat().numel());
    }

    @Test
    void aModelCarryingMasksIsRejected() {
        SplittableRandom rng = new SplittableRandom(2);
        Sequential net = TestNets.batchNormNet(rng);
        Mask.dense(net).install(net);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SnipSaliency.dense().score(net, Mask.dense(net), TestNets.batch(rng, 5, 1, 3, 6)));
        assertTrue(e.getMessage().contains("dense network"), e.getMessage());
    }

    @Test
    void maskedNetworkSnipAtTheDenseMaskIsSnipAndScoresPrunedWeightsToo() {
        SplittableRandom rng = new SplittableRandom(4);
        Sequential net = TestNets.batchNormNet(rng);
        ScoringBatch batch = TestNets.batch(rng, 5, 2, 3, 6);
        Mask dense = Mask.dense(net);
        assertArrayEquals(SnipSaliency.dense().score(net, dense, batch).flat().toFloatArray(),
                SnipSaliency.masked().score(net, dense, batch).flat().toFloatArray());
        Mask half = MaskSelection.select(new RandomSaliency(5).score(net, dense, batch), Density.of(0.5),
                MaskSelection.Scope.GLOBAL);
        float[] masked = SnipSaliency.masked().score(net, half, batch).flat().toFloatArray();
        float[] m = half.flat().toFloatArray();
        int prunedWithScore = 0;
        for (int i = 0; i < m.length; i++) {
            prunedWithScore += m[i] == 0 && masked[i] != 0 ? 1 : 0;
        }
        assertTrue(prunedWithScore > 0, "FORCE's gradient reaches pruned weights, so they can come back");
    }

    @Test
    void magnitudeIsAbsoluteThetaAndRandomIsSeeded() {
        SplittableRandom rng = new SplittableRandom(6);
        Sequential net = TestNets.batchNormNet(rng);
        ScoringBatch batch = TestNets.shapeOnly(3, 6);
        Scores magnitude = new MagnitudeSaliency().score(net, Mask.dense(net), batch);
        for (Map.Entry<String, Parameter> e : net.prunableParameters().entrySet()) {
            float[] w = e.getValue().value().toFloatArray();
            float[] s = magnitude.get(e.getKey()).toFloatArray();
            for (int i = 0; i < w.length; i++) {
                assertEquals(Math.abs(w[i]), s[i]);
            }
        }
        float[] a = new RandomSaliency(9).score(net, Mask.dense(net), batch).flat().toFloatArray();
        assertArrayEquals(a, new RandomSaliency(9).score(net, Mask.dense(net), batch).flat().toFloatArray());
        assertFalse(java.util.Arrays.equals(a,
                new RandomSaliency(10).score(net, Mask.dense(net), batch).flat().toFloatArray()));
    }

    @Test
    void graspNormOverAllParametersDiffersFromThePrunableWeightsOnly() {
        SplittableRandom rng = new SplittableRandom(8);
        Sequential net = TestNets.batchNormNet(rng);
        ScoringBatch batch = TestNets.batch(rng, 5, 2, 3, 6);
        Tensor weightsOnly = GraspSaliency.reference().score(net, Mask.dense(net), batch).flat();
        Tensor all = new GraspSaliency(200, GraspSaliency.GradientNorm.ALL_PARAMETERS)
                .score(net, Mask.dense(net), batch).flat();
        assertFalse(java.util.Arrays.equals(weightsOnly.toFloatArray(), all.toFloatArray()));
    }
}
