package org.nnpan.pruning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nnpan.nn.Module;
import org.nnpan.nn.Sequential;
import org.nnpan.tensor.MemoryScope;

class DensePassTest {
    private MemoryScope scope;

    @BeforeEach
    void open() {
        scope = MemoryScope.open("dense-pass-test");
    }

    @AfterEach
    void close() {
        scope.close();
    }

    /** Every value and buffer of the model by name. */
    private static Map<String, double[]> state(Module net) {
        Map<String, double[]> s = new TreeMap<>();
        net.stateDict().forEach((name, t) -> s.put(name, t.toDoubleArray()));
        return s;
    }

    /**
     * Bit for bit what GraSP and the probe compute separately, and SNIP too where no BatchNorm sits on the path: its
     * gradient then comes from the same kernels whether the backward pass is recorded or not.
     */
    @Test
    void equalsTheSeparateSaliencesAndProbeExactlyWithoutBatchNorm() {
        for (int seed = 1; seed <= 3; seed++) {
            Sequential net = TestNets.convNet(new SplittableRandom(seed), 3, 4, 5, 5);
            ScoringBatch batch = TestNets.batch(new SplittableRandom(10 + seed), 5, 2, 3, 6);
            DensePass.Result r = DensePass.run(net, batch, new LossProbe(1));
            assertArrayEquals(SnipSaliency.dense().score(net, Mask.dense(net), batch).flat().toFloatArray(),
                    r.snip().flat().toFloatArray());
            assertSeparateGraspAndProbe(net, batch, r);
        }
    }

    /**
     * With BatchNorm, GraSP's recorded first-order pass differentiates BatchNorm's composite formula while SNIP alone
     * runs the fused backward kernel: the same gradient up to float32 rounding.
     */
    @Test
    void matchesSnipToRoundingThroughBatchNorm() {
        for (int seed = 1; seed <= 3; seed++) {
            Sequential net = TestNets.batchNormNet(new SplittableRandom(seed));
            ScoringBatch batch = TestNets.batch(new SplittableRandom(10 + seed), 5, 2, 3, 6);
            Map<String, double[]> before = state(net);
            DensePass.Result r = DensePass.run(net, batch, new LossProbe(1));
            float[] expected = SnipSaliency.dense().score(net, Mask.dense(net), batch).flat().toFloatArray();
            float[] actual = r.snip().flat().toFloatArray();
            float largest = 0;
            for (float v : expected) {
                largest = Math.max(largest, Math.abs(v));
            }
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-5f * largest, "weight " + i);
            }
            assertSeparateGraspAndProbe(net, batch, r);
            Map<String, double[]> after = state(net);
            assertEquals(before.keySet(), after.keySet());
            before.forEach((name, v) -> assertArrayEquals(v, after.get(name), name + " changed"));
        }
    }

    private static void assertSeparateGraspAndProbe(Module net, ScoringBatch batch, DensePass.Result r) {
        assertArrayEquals(GraspSaliency.reference().score(net, Mask.dense(net), batch).flat().toFloatArray(),
                r.grasp().flat().toFloatArray());
        assertEquals(new LossProbe(1).dense(net, batch), r.dense());
    }

    @Test
    void withoutAProbeMeasuresNothing() {
        Sequential net = TestNets.batchNormNet(new SplittableRandom(1));
        DensePass.Result r = DensePass.run(net, TestNets.batch(new SplittableRandom(2), 5, 2, 3, 6), null);
        assertNull(r.dense());
        assertEquals(WeightLayout.of(net).numel(), r.snip().flat().numel());
    }

    @Test
    void refusesAMaskedModel() {
        Sequential net = TestNets.batchNormNet(new SplittableRandom(1));
        Mask.dense(net).install(net);
        assertThrows(IllegalArgumentException.class,
                () -> DensePass.run(net, TestNets.batch(new SplittableRandom(2), 5, 2, 3, 6), null));
    }
}
