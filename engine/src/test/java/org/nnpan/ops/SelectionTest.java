package org.nnpan.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

class SelectionTest {

    @Test
    void maskKeepsExactlyKLargestWithIndexTieBreakOnStridedAndFloat64Input() {
        SplittableRandom rng = new SplittableRandom(11);
        for (int trial = 0; trial < 50; trial++) {
            int rows = 1 + rng.nextInt(20);
            int cols = 1 + rng.nextInt(20);
            // Few distinct values: many ties.
            double[] v = IntStream.range(0, rows * cols).mapToDouble(i -> rng.nextInt(5) - 2).toArray();
            Tensor t = Tensor.of(v, cols, rows).transpose(0, 1); // strided float64 view of shape [rows, cols]
            int k = rng.nextInt(rows * cols + 1);
            float[] mask = Selection.topKMask(t, k).toFloatArray();
            double[] logical = t.toDoubleArray();
            Integer[] order = IntStream.range(0, logical.length).boxed().toArray(Integer[]::new);
            Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -logical[i]).thenComparingInt(i -> i));
            float[] expected = new float[logical.length];
            for (int i = 0; i < k; i++) {
                expected[order[i]] = 1;
            }
            assertArrayEquals(expected, mask, "trial " + trial + " k=" + k);
        }
    }

    @Test
    void kthLargestAndIndices() {
        Tensor t = Tensor.of(new float[] {3, 9, 1, 9, 5}, 5);
        assertEquals(9, Selection.kthLargest(t, 2));
        assertEquals(5, Selection.kthLargest(t, 3));
        assertArrayEquals(new long[] {1, 3, 4}, Selection.topKIndices(t, 3));
        assertArrayEquals(new float[] {1, 0, 0, 0, 0}, Selection.bottomKMask(Tensor.of(new float[] {-1, 2, 3, 4, 5}, 5), 1).toFloatArray());
        assertThrows(IllegalArgumentException.class, () -> Selection.topKMask(Tensor.of(new float[] {Float.NaN}, 1), 1));
        assertThrows(IllegalArgumentException.class, () -> Selection.topKMask(t, 6));
        assertEquals(DType.F32, Selection.topKMask(t, 1).dtype());
    }
}
