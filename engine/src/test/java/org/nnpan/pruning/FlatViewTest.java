package org.nnpan.pruning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

class FlatViewTest {
    private MemoryScope scope;

    @BeforeEach
    void open() {
        scope = MemoryScope.open("flat-view-test");
    }

    @AfterEach
    void close() {
        scope.close();
    }

    /** Ranges around the block size: the blocks cover each one exactly, in order, none empty or oversized. */
    @Test
    void blocksWalkARangeInOrder() {
        int size = FlatView.Blocks.SIZE;
        for (long[] range : new long[][] {{0, 0}, {5, 5}, {0, 1}, {3, size}, {0, size}, {7, 7 + size + 1},
            {100, 100 + 3L * size - 1}}) {
            long expected = range[0];
            for (FlatView.Blocks b = new FlatView.Blocks(range[0], range[1]); b.next(); ) {
                assertEquals(expected, b.from());
                assertTrue(b.length() > 0 && b.length() <= size, "block length " + b.length());
                expected += b.length();
            }
            assertEquals(range[1], expected, "blocks over [" + range[0] + ", " + range[1] + ")");
        }
    }

    /**
     * Random float32 and float64 tensors over several blocks: a block read gives each element widened to double, and
     * writing doubles back into a view that starts inside the tensor rounds them to the tensor's dtype and leaves
     * the elements before it alone.
     */
    @Test
    void readWidensAndWriteRoundsToTheTensorsDtype() {
        SplittableRandom rng = new SplittableRandom(3);
        int n = 2 * FlatView.Blocks.SIZE + 37;
        int start = 11;
        float[] floats = new float[n];
        double[] doubles = new double[n];
        for (int i = 0; i < n; i++) {
            floats[i] = (float) rng.nextGaussian();
            doubles[i] = rng.nextGaussian();
        }
        Tensor f32 = Tensor.of(floats.clone(), n);
        Tensor f64 = Tensor.of(doubles.clone(), n);
        FlatView fv = FlatView.of(f32, "float32 test tensor");
        FlatView dv = FlatView.of(f64, "float64 test tensor");
        for (FlatView.Blocks b = new FlatView.Blocks(0, n); b.next(); ) {
            fv.read(b, b.x);
            dv.read(b, b.y);
            for (int k = 0; k < b.length(); k++) {
                assertEquals(floats[(int) b.from() + k], b.x[k]);
                assertEquals(doubles[(int) b.from() + k], b.y[k]);
            }
        }
        FlatView fTail = fv.startingAt(start);
        FlatView dTail = dv.startingAt(start);
        for (FlatView.Blocks b = new FlatView.Blocks(0, n - start); b.next(); ) {
            for (int k = 0; k < b.length(); k++) {
                b.z[k] = doubles[start + (int) b.from() + k] * 3;
            }
            fTail.write(b, b.z);
            dTail.write(b, b.z);
        }
        float[] expectedFloats = floats.clone();
        double[] expectedDoubles = doubles.clone();
        for (int i = start; i < n; i++) {
            expectedFloats[i] = (float) (doubles[i] * 3);
            expectedDoubles[i] = doubles[i] * 3;
        }
        assertArrayEquals(expectedFloats, f32.toFloatArray());
        assertArrayEquals(expectedDoubles, f64.toDoubleArray());
    }
}
