package org.nnpan.kernels.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nnpan.kernels.gemm.Gemm;
import org.nnpan.kernels.gemm.Gemms;
import org.nnpan.kernels.memory.OffHeap;

/**
 * The whole-batch small-map convolution bit for bit against its definition: {@code im2col} of every image into one
 * batch column matrix, the engine's GEMM, and {@code col2im} of each image's columns, on fresh zeroed arrays. However
 * the columns are gathered, scattered or buffered, no element may see other operations or another order.
 */
class BatchColumnsConvTest {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;

    /**
     * Channels, height, width, kernel, stride, padding, output channels: VGG's 4x4 and 2x2 maps (300 channels make
     * three 256-deep blocks of 2700 rows), an odd 3x3 map, stride 2, a 1x1 kernel, a 5x5 kernel on a 2x3 map.
     */
    private static final int[][] SHAPES = {
        {40, 4, 4, 3, 1, 1, 24}, {300, 2, 2, 3, 1, 1, 33}, {7, 3, 3, 3, 1, 1, 5}, {6, 7, 7, 3, 2, 1, 9},
        {12, 4, 4, 1, 1, 0, 70}, {3, 2, 3, 5, 1, 2, 4},
    };

    @Test
    void matchesIm2colGemmCol2imBitForBit() {
        Gemm gemm = Gemms.best();
        assumeTrue("vector".equals(gemm.name()), "the batch-columns path runs only with the vector GEMM");
        SplittableRandom rnd = new SplittableRandom(5);
        for (int[] s : SHAPES) {
            ConvGeometry g = new ConvGeometry(s[0], s[1], s[2], s[3], s[3], s[4], s[4], s[5], s[5]);
            int batch = 5;
            int out = s[6];
            int k = (int) g.colRows();
            int hw = (int) g.colCols();
            int n = batch * hw;
            float[] x = random(rnd, batch * (int) g.inputSize());
            float[] w = random(rnd, out * k);
            float[] gy = random(rnd, batch * out * hw);
            float[] cols = batchColumns(g, batch, x);
            float[] gyMatrix = toMatrix(gy, batch, out, hw);

            float[] yMatrix = new float[out * n];
            gemm.sgemm(false, false, out, n, k, 1f, seg(w), 0, k, seg(cols), 0, n, 0f, seg(yMatrix), 0, n);
            MemorySegment y = OffHeap.zeros(gy.length);
            BatchColumnsConv.forward(g, batch, out, OffHeap.copy(x), 0, OffHeap.copy(w), 0, y, 0);
            assertBits(g + " forward", toMatrix(y, batch, out, hw), yMatrix);

            float[] gCols = new float[k * n];
            gemm.sgemm(true, false, k, n, out, 1f, seg(w), 0, k, seg(gyMatrix), 0, n, 0f, seg(gCols), 0, n);
            float[] gxExpected = new float[x.length];
            float[] imageCols = new float[k * hw];
            for (int b = 0; b < batch; b++) {
                for (int r = 0; r < k; r++) {
                    System.arraycopy(gCols, r * n + b * hw, imageCols, r * hw, hw);
                }
                Im2col.F32.col2im(g, seg(imageCols), 0, seg(gxExpected), b * g.inputSize());
            }
            MemorySegment gx = OffHeap.zeros(x.length);
            BatchColumnsConv.inputGrad(g, batch, out, OffHeap.copy(gy), 0, OffHeap.copy(w), 0, gx, 0);
            assertBits(g + " input grad", gx.toArray(F32), gxExpected);

            float[] gwExpected = new float[out * k];
            gemm.sgemm(false, true, out, k, n, 1f, seg(gyMatrix), 0, n, seg(cols), 0, n, 0f, seg(gwExpected), 0, k);
            MemorySegment gw = OffHeap.zeros(out * k);
            BatchColumnsConv.weightGrad(g, batch, out, OffHeap.copy(x), 0, OffHeap.copy(gy), 0, gw, 0);
            assertBits(g + " weight grad", gw.toArray(F32), gwExpected);
        }
    }

    /** Every image's {@code im2col}, image {@code b} in columns {@code b * outHW...} of one matrix. */
    private static float[] batchColumns(ConvGeometry g, int batch, float[] x) {
        int k = (int) g.colRows();
        int hw = (int) g.colCols();
        float[] cols = new float[k * batch * hw];
        float[] image = new float[k * hw];
        for (int b = 0; b < batch; b++) {
            Im2col.F32.im2col(g, seg(x), b * g.inputSize(), seg(image), 0);
            for (int r = 0; r < k; r++) {
                System.arraycopy(image, r * hw, cols, (r * batch + b) * hw, hw);
            }
        }
        return cols;
    }

    /** A {@code [batch, channels, hw]} tensor as the {@code channels x (batch * hw)} matrix. */
    private static float[] toMatrix(float[] images, int batch, int channels, int hw) {
        float[] m = new float[images.length];
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < channels; c++) {
                System.arraycopy(images, (b * channels + c) * hw, m, (c * batch + b) * hw, hw);
            }
        }
        return m;
    }

    private static float[] toMatrix(MemorySegment images, int batch, int channels, int hw) {
        return toMatrix(images.toArray(F32), batch, channels, hw);
    }

    /** The reference side's arrays (the GEMM copies heap operands; the kernel under test gets native ones). */
    private static MemorySegment seg(float[] a) {
        return MemorySegment.ofArray(a);
    }

    private static void assertBits(String what, float[] actual, float[] expected) {
        for (int i = 0; i < expected.length; i++) {
            int at = i;
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
                    () -> what + ": element " + at + " differs from im2col + GEMM + col2im");
        }
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextDouble(-1, 1);
        }
        return a;
    }
}
