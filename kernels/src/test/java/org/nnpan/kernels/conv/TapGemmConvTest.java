package org.nnpan.kernels.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nnpan.kernels.gemm.Gemms;
import org.nnpan.kernels.memory.OffHeap;
import org.nnpan.kernels.parallel.Parallel;

/**
 * The per-tap GEMMs of maps at most 2x2 against the column-matrix convolution ({@link BatchColumnsConv}, itself bit
 * for bit im2col + GEMM + col2im): equal on small integers, where every sum is exact whatever its order; close on
 * random floats; the same bits on one thread as on the pool.
 */
class TapGemmConvTest {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;

    /** Channels, height, width, output channels: 2x2, 1x1 and the two 1x2 shapes; 300 channels span GEMM blocks. */
    private static final int[][] SHAPES = {{40, 2, 2, 24}, {300, 2, 2, 33}, {7, 1, 1, 5}, {9, 1, 2, 6}, {5, 2, 1, 11}};

    @Test
    void matchesTheColumnMatrixConvolution() {
        assumeTrue("vector".equals(Gemms.best().name()), "the small-map paths run only with the vector GEMM");
        SplittableRandom rnd = new SplittableRandom(11);
        for (int[] s : SHAPES) {
            ConvGeometry g = new ConvGeometry(s[0], s[1], s[2], 3, 3, 1, 1, 1, 1);
            assertTrue(TapGemmConv.handles(g), g.toString());
            int batch = 5;
            int out = s[3];
            int x = batch * (int) g.inputSize();
            int w = out * (int) g.colRows();
            int y = batch * out * (int) g.colCols();
            // Small integers: every product and sum is exact, so any order gives the same values.
            compare(g, batch, out, ints(rnd, x), ints(rnd, w), ints(rnd, y), 0);
            compare(g, batch, out, floats(rnd, x), floats(rnd, w), floats(rnd, y), 2e-6);
        }
    }

    @Test
    void oneThreadGivesThePoolsBits() {
        assumeTrue("vector".equals(Gemms.best().name()), "the small-map paths run only with the vector GEMM");
        SplittableRandom rnd = new SplittableRandom(12);
        ConvGeometry g = new ConvGeometry(300, 2, 2, 3, 3, 1, 1, 1, 1);
        int batch = 9;
        int out = 70;
        MemorySegment x = OffHeap.copy(floats(rnd, batch * (int) g.inputSize()));
        MemorySegment w = OffHeap.copy(floats(rnd, out * (int) g.colRows()));
        MemorySegment gy = OffHeap.copy(floats(rnd, batch * out * 4));
        float[][] pool = run(g, batch, out, x, w, gy);
        float[][] one = Parallel.callWith(1, () -> run(g, batch, out, x, w, gy));
        assertArrayEquals(pool[0], one[0], "forward");
        assertArrayEquals(pool[1], one[1], "input gradient");
    }

    @Test
    void takesOnlyTinyStrideOnePaddingOneMaps() {
        assertFalse(TapGemmConv.handles(new ConvGeometry(8, 4, 4, 3, 3, 1, 1, 1, 1)), "4x4");
        assertFalse(TapGemmConv.handles(new ConvGeometry(8, 2, 3, 3, 3, 1, 1, 1, 1)), "2x3");
        assertFalse(TapGemmConv.handles(new ConvGeometry(8, 2, 2, 3, 3, 2, 2, 1, 1)), "stride 2");
        assertFalse(TapGemmConv.handles(new ConvGeometry(8, 2, 2, 2, 2, 1, 1, 1, 1)), "2x2 kernel");
        assertFalse(TapGemmConv.handles(new ConvGeometry(8, 2, 2, 1, 1, 1, 1, 0, 0)), "1x1 kernel");
    }

    /** Forward and input gradient of both paths, equal within {@code tolerance} of each result's largest value. */
    private static void compare(ConvGeometry g, int batch, int out, float[] x, float[] w, float[] gy,
                                double tolerance) {
        int y = batch * out * (int) g.colCols();
        MemorySegment expectedY = OffHeap.zeros(y);
        BatchColumnsConv.forward(g, batch, out, OffHeap.copy(x), 0, OffHeap.copy(w), 0, expectedY, 0);
        MemorySegment actualY = OffHeap.zeros(y);
        TapGemmConv.forward(g, batch, out, OffHeap.copy(x), 0, OffHeap.copy(w), 0, actualY, 0);
        assertClose(g + " forward", expectedY.toArray(F32), actualY.toArray(F32), tolerance);
        MemorySegment expectedGx = OffHeap.zeros(x.length);
        BatchColumnsConv.inputGrad(g, batch, out, OffHeap.copy(gy), 0, OffHeap.copy(w), 0, expectedGx, 0);
        MemorySegment actualGx = OffHeap.zeros(x.length);
        TapGemmConv.inputGrad(g, batch, out, OffHeap.copy(gy), 0, OffHeap.copy(w), 0, actualGx, 0);
        assertClose(g + " input gradient", expectedGx.toArray(F32), actualGx.toArray(F32), tolerance);
    }

    private static float[][] run(ConvGeometry g, int batch, int out, MemorySegment x, MemorySegment w,
                                 MemorySegment gy) {
        MemorySegment y = OffHeap.zeros((int) (gy.byteSize() / Float.BYTES));
        TapGemmConv.forward(g, batch, out, x, 0, w, 0, y, 0);
        MemorySegment gx = OffHeap.zeros((int) (x.byteSize() / Float.BYTES));
        TapGemmConv.inputGrad(g, batch, out, gy, 0, w, 0, gx, 0);
        return new float[][] {y.toArray(F32), gx.toArray(F32)};
    }

    private static void assertClose(String what, float[] expected, float[] actual, double tolerance) {
        double scale = 0;
        for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], tolerance * scale, what + ": element " + i);
        }
    }

    private static float[] ints(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = rnd.nextInt(-4, 5);
        }
        return a;
    }

    private static float[] floats(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextDouble(-1, 1);
        }
        return a;
    }
}
