package org.nnpan.kernels.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nnpan.kernels.memory.OffHeap;

/**
 * Both window-index implementations against a per-window reference scan, on random planes of many sizes (odd ones,
 * rows ending mid-vector, one window wide), with ties, signed zeros, infinities and NaNs in the windows.
 */
class MaxPoolIndicesTest {

    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED;
    /** Few distinct values, so windows often hold equal maxima. */
    private static final float[] VALUES = {0f, -0f, 1f, -1f, 2.5f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        Float.NaN, Float.MIN_VALUE, -3f};

    @Test
    void scalarIndicesAreEachWindowsFirstMaximum() {
        check(MaxPoolKernels.scalar());
    }

    @Test
    void vectorIndicesAreEachWindowsFirstMaximum() {
        assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(), "no Vector API in this JVM");
        check(MaxPoolKernels.vector());
        assertTrue(MaxPoolKernels.describe().startsWith("Vector API"), MaxPoolKernels.describe());
    }

    private static void check(MaxPoolIndices kernel) {
        SplittableRandom rnd = new SplittableRandom(3);
        int[][] sizes = {{24, 24}, {8, 8}, {2, 2}, {3, 5}, {7, 33}, {12, 40}, {5, 64}, {9, 17}, {2, 31}};
        for (int[] size : sizes) {
            for (int trial = 0; trial < 20; trial++) {
                int h = size[0];
                int w = size[1];
                float[] plane = new float[h * w + 3];
                for (int i = 0; i < plane.length; i++) {
                    plane[i] = trial % 2 == 0 ? VALUES[rnd.nextInt(VALUES.length)] : (float) rnd.nextGaussian();
                }
                int ow = w / 2;
                int outputs = h / 2 * ow;
                // Offsets inside larger segments, and a sentinel past the last index that must survive.
                MemorySegment x = OffHeap.copy(plane);
                MemorySegment out = OffHeap.zeros(2 * (outputs + 2));
                out.setAtIndex(I64, outputs + 1, -7);
                kernel.indices2x2(x, 3, h, w, out, 1);
                for (int oy = 0; oy < h / 2; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        int expected = firstMax(plane, 3, w, oy, ox);
                        long actual = out.getAtIndex(I64, 1 + (long) oy * ow + ox);
                        String where = kernel.getClass().getSimpleName() + " " + h + "x" + w + " window (" + oy + ", "
                                + ox + ")";
                        assertEquals(expected, actual, where);
                    }
                }
                assertEquals(-7, out.getAtIndex(I64, outputs + 1), "wrote past the last window");
            }
        }
    }

    /** The window's elements in row order, the first strictly greater one replacing the best so far. */
    private static int firstMax(float[] plane, int offset, int w, int oy, int ox) {
        int best = 2 * oy * w + 2 * ox;
        for (int dy = 0; dy < 2; dy++) {
            for (int dx = 0; dx < 2; dx++) {
                int at = (2 * oy + dy) * w + 2 * ox + dx;
                if (plane[offset + at] > plane[offset + best]) {
                    best = at;
                }
            }
        }
        return best;
    }
}
