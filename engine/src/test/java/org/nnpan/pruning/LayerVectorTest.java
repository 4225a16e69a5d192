package org.nnpan.pruning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nnpan.nn.Module;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Shape;
import org.nnpan.tensor.Tensor;

/** The flat vector with per-layer views behind {@link Mask} and {@link Scores}, on random layouts. */
class LayerVectorTest {
    private MemoryScope scope;

    @BeforeEach
    void open() {
        scope = MemoryScope.open("layer-vector-test");
    }

    @AfterEach
    void close() {
        scope.close();
    }

    /** Random per-layer values for {@code layout}: 0/1 when {@code binary}, any float otherwise. */
    private static Map<String, Tensor> randomValues(WeightLayout layout, SplittableRandom rng, boolean binary) {
        Map<String, Tensor> values = new LinkedHashMap<>();
        for (WeightLayout.Layer l : layout.layers()) {
            float[] v = new float[Math.toIntExact(l.numel())];
            for (int i = 0; i < v.length; i++) {
                v[i] = binary ? rng.nextInt(2) : (float) rng.nextGaussian();
            }
            values.put(l.name(), Tensor.of(v, l.shape()));
        }
        return values;
    }

    private static void assertViewsHold(LayerVector vector, Map<String, Tensor> values) {
        WeightLayout layout = vector.layout();
        assertEquals(layout.names(), List.copyOf(vector.asMap().keySet()));
        float[] flat = vector.flat().toFloatArray();
        assertEquals(layout.numel(), flat.length);
        for (WeightLayout.Layer l : layout.layers()) {
            float[] expected = values.get(l.name()).toFloatArray();
            assertArrayEquals(expected, vector.get(l.name()).toFloatArray(), l.name());
            assertArrayEquals(expected, vector.asMap().get(l.name()).toFloatArray(), l.name());
            assertArrayEquals(l.shape(), vector.get(l.name()).shape(), l.name());
            float[] slice = new float[expected.length];
            System.arraycopy(flat, Math.toIntExact(l.offset()), slice, 0, slice.length);
            assertArrayEquals(expected, slice, l.name() + " in the flat vector");
        }
    }

    @Test
    void masksAndScoresLayTheirLayersOutInModelOrder() {
        SplittableRandom rng = new SplittableRandom(7);
        for (int trial = 0; trial < 20; trial++) {
            Module net = TestNets.mlp(rng, 1 + rng.nextInt(6), 1 + rng.nextInt(6), 1 + rng.nextInt(6));
            WeightLayout layout = WeightLayout.of(net);
            Map<String, Tensor> scores = randomValues(layout, rng, false);
            assertViewsHold(Scores.of(layout, scores), scores);
            Map<String, Tensor> mask = randomValues(layout, rng, true);
            assertViewsHold(Mask.of(net, mask), mask);
        }
    }

    @Test
    void misShapedScoresAreRejectedBeforeAnythingIsOverwritten() {
        Module net = TestNets.mlp(new SplittableRandom(3), 3, 4, 2);
        WeightLayout layout = WeightLayout.of(net);
        Map<String, Tensor> good = randomValues(layout, new SplittableRandom(4), false);
        Scores scores = Scores.of(layout, good);
        Map<String, Tensor> bad = randomValues(layout, new SplittableRandom(5), false);
        WeightLayout.Layer last = layout.layers().getLast();
        int n = Math.toIntExact(last.numel());
        bad.put(last.name(), Tensor.of(new float[n], n));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> scores.assign(bad));
        assertEquals("scores of " + last.name() + " have shape " + Shape.str(new int[] {n}) + ", the weight has "
                + Shape.str(last.shape()), e.getMessage());
        assertViewsHold(scores, good);
    }
}
