package org.nnpan.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;
import org.nnpan.nn.Linear;
import org.nnpan.nn.Parameter;
import org.nnpan.tensor.Tensor;

class MasksTest {

    @Test
    void applyToWeightsZeroesPrunedWeightsToPositiveZeroAndLeavesTheRest() {
        Linear layer = new Linear(2, 2);
        Parameter w = layer.weight();
        w.assignInPlace(Tensor.of(new float[] {-1.5f, 2f, -3f, 4f}, 2, 2));
        layer.bias().assignInPlace(Tensor.of(new float[] {-7f, 8f}, 2));
        w.setMask(Tensor.of(new float[] {0, 1, 0, 1}, 2, 2));
        Masks.applyToWeights(layer);
        float[] v = w.value().toFloatArray();
        assertEquals(0, Float.floatToRawIntBits(v[0]), "+0, not -0");
        assertEquals(0, Float.floatToRawIntBits(v[2]));
        assertArrayEquals(new float[] {2f, 4f}, new float[] {v[1], v[3]});
        assertArrayEquals(new float[] {-7f, 8f}, layer.bias().value().toFloatArray());
    }

    @Test
    void fingerprintIsZeroWhenDenseAndFollowsTheMask() {
        Linear layer = new Linear(2, 2);
        assertEquals(0, Masks.fingerprint(layer));
        layer.weight().setMask(Tensor.of(new float[] {0, 1, 1, 1}, 2, 2));
        long first = Masks.fingerprint(layer);
        layer.weight().setMask(Tensor.of(new float[] {1, 0, 1, 1}, 2, 2));
        assertNotEquals(0, first);
        assertNotEquals(first, Masks.fingerprint(layer));
    }
}
