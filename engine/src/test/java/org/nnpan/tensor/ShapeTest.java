package org.nnpan.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link Shape#broadcastStrides} against its definition, on random shapes of every rank up to the target's. */
class ShapeTest {

    @Test
    void broadcastStridesZeroTheLeadingAndTheStretchedDimensions() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int trial = 0; trial < 500; trial++) {
            int[] target = new int[1 + rnd.nextInt(5)];
            for (int i = 0; i < target.length; i++) {
                target[i] = 1 + rnd.nextInt(4);
            }
            int[] shape = new int[rnd.nextInt(target.length + 1)];
            int lead = target.length - shape.length;
            int[] strides = new int[shape.length];
            for (int j = 0; j < shape.length; j++) {
                shape[j] = rnd.nextBoolean() ? 1 : target[lead + j];
                strides[j] = rnd.nextInt(1000);
            }
            int[] expected = new int[target.length];
            for (int i = lead; i < target.length; i++) {
                expected[i] = shape[i - lead] == 1 && target[i] != 1 ? 0 : strides[i - lead];
            }
            assertArrayEquals(expected, Shape.broadcastStrides(shape, strides, target));
        }
    }

    @Test
    void shapesThatDoNotBroadcastAreRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> Shape.broadcastStrides(new int[] {3}, new int[] {1}, new int[] {2, 4}), "3 against 4");
        assertThrows(IllegalArgumentException.class,
                () -> Shape.broadcastStrides(new int[] {2, 3}, new int[] {3, 1}, new int[] {3}), "more dimensions");
    }
}
