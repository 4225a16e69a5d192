package org.nnpan.kernels.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nnpan.kernels.memory.OffHeap;
import org.nnpan.kernels.parallel.Parallel;

/**
 * The vector convolution's float32 results bit for bit, whichever way a geometry's tiles read the staged image
 * (in place, in place over rows widened to whole vectors, or in place from one copy per kernel column): every output element is a chain of
 * fused multiply-adds over the column matrix's rows in order, restarted from zero every {@code 256} rows, the chains
 * added in order. The input gradient is the same over the output gradient and the flipped weight, except where
 * {@link ScatterInputGrad} takes it (unpadded 5x5 and 3x3 layers here), whose order is col2im's. The register-tile
 * weight gradient, on one thread, is per image a chain over each {@code 256}-position block, the chains added in
 * order, however it reads the positions. Runs are reproducible only if no tiling choice changes that order.
 */
class ConvSummationOrderTest {

    private static final int KC = 256;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;

    /**
     * Channels, height, width, kernel, padding, output channels: output rows 24, 12 and 13 (widened), 8 and 9 (staged
     * once per kernel column; 64 channels make the 3x3 chains three 256-deep blocks; packed with more than 64 output
     * channels), 16 (in place).
     */
    private static final int[][] SHAPES = {
        {1, 28, 28, 5, 0, 20}, {20, 12, 12, 5, 0, 50}, {50, 8, 8, 5, 4, 20}, {3, 11, 11, 3, 0, 9},
        {12, 13, 13, 3, 1, 7}, {4, 16, 16, 3, 1, 10}, {6, 10, 12, 5, 2, 3}, {64, 8, 8, 3, 1, 12},
        {8, 8, 8, 3, 1, 72},
    };

    @Test
    void forwardAndInputGradientKeepTheSummationOrder() {
        // The direct kernel's order: Winograd (BatchConvs.best() for 3x3 padding-1 shapes) regroups the sums.
        BatchConv conv = BatchConvs.direct();
        assumeTrue(conv != null, "no vector convolution in this JVM");
        SplittableRandom rnd = new SplittableRandom(11);
        for (int[] s : SHAPES) {
            ConvGeometry g = new ConvGeometry(s[0], s[1], s[2], s[3], s[3], 1, 1, s[4], s[4]);
            int batch = 3;
            int out = s[5];
            float[] x = random(rnd, batch * (int) g.inputSize());
            float[] w = random(rnd, out * (int) g.colRows());
            float[] gy = random(rnd, batch * out * (int) g.colCols());

            MemorySegment y = OffHeap.zeros(gy.length);
            conv.forward(g, batch, out, OffHeap.copy(x), 0, OffHeap.copy(w), 0, y, 0);
            assertBits(g + " forward", ordered(g, batch, out, x, w), y);

            MemorySegment gx = OffHeap.zeros(x.length);
            conv.inputGrad(g, batch, out, OffHeap.copy(gy), 0, OffHeap.copy(w), 0, gx, 0);
            if (ScatterInputGrad.preferredFor(g, out)) {
                assertBits(g + " input grad", Col2imReference.inputGrad(g, batch, out, w, gy).toArray(F32), gx);
            } else {
                assertBits(g + " input grad", ordered(BatchConv.transposed(g, out), batch, s[0], gy,
                        flipped(w, out, s[0], s[3] * s[3])), gx);
            }
        }
    }

    /**
     * Channels, height, width, kernel, stride, padding, output channels of weight gradients on the register-tile path:
     * rows read as runs of a padded image (16 and 32 wide; 32x32 spans four 256-position blocks), staged per kernel
     * column and read as one run per block (8, 9 and LeNet-5's 8x8 second layer), and strided (position by position).
     */
    private static final int[][] WEIGHT_GRAD_SHAPES = {
        {3, 16, 16, 3, 1, 1, 40}, {2, 32, 32, 3, 1, 1, 32}, {5, 8, 8, 3, 1, 1, 36}, {4, 9, 9, 3, 1, 1, 33},
        {20, 12, 12, 5, 1, 0, 50}, {3, 17, 17, 3, 2, 1, 40},
    };

    @Test
    void weightGradientKeepsTheSummationOrder() {
        BatchConv conv = BatchConvs.direct();
        assumeTrue(conv != null, "no vector convolution in this JVM");
        SplittableRandom rnd = new SplittableRandom(13);
        for (int[] s : WEIGHT_GRAD_SHAPES) {
            ConvGeometry g = new ConvGeometry(s[0], s[1], s[2], s[3], s[3], s[4], s[4], s[5], s[5]);
            int out = s[6];
            assertEquals(false, RowDotWeightGrad.preferredFor(g, out) || BatchColumnsConv.preferredFor(g, 32), g
                    + " must take the register-tile path");
            int batch = 3;
            float[] x = random(rnd, batch * (int) g.inputSize());
            float[] gy = random(rnd, batch * out * (int) g.colCols());
            MemorySegment gw = OffHeap.zeros(out * (int) g.colRows());
            // One thread: one chunk, so the images are summed in order (more threads add chunks' sums in order).
            Parallel.callWith(1, () -> {
                conv.weightGrad(g, batch, out, OffHeap.copy(x), 0, OffHeap.copy(gy), 0, gw, 0);
                return null;
            });
            assertBits(g + " weight grad", orderedWeightGrad(g, batch, out, x, gy), gw);
        }
    }

    /**
     * The weight gradient in the documented order: per image, per block of {@code 256} output positions, a chain of
     * fused multiply-adds over the block's positions, the chains added in order.
     */
    private static float[] orderedWeightGrad(ConvGeometry g, int batch, int out, float[] x, float[] gy) {
        int k = (int) g.colRows();
        int taps = g.kernelH() * g.kernelW();
        int outHW = (int) g.colCols();
        float[] gw = new float[out * k];
        for (int o = 0; o < out; o++) {
            for (int j = 0; j < k; j++) {
                int c = j / taps;
                float sum = 0f;
                for (int b = 0; b < batch; b++) {
                    for (int p0 = 0; p0 < outHW; p0 += KC) {
                        float chain = 0f;
                        for (int p = p0; p < Math.min(outHW, p0 + KC); p++) {
                            int ih = p / g.outW() * g.strideH() - g.padH() + j % taps / g.kernelW();
                            int iw = p % g.outW() * g.strideW() - g.padW() + j % g.kernelW();
                            boolean inside = ih >= 0 && ih < g.height() && iw >= 0 && iw < g.width();
                            float v = inside ? x[(int) (b * g.inputSize()) + (c * g.height() + ih) * g.width() + iw] : 0f;
                            chain = Math.fma(v, gy[(b * out + o) * outHW + p], chain);
                        }
                        sum += chain;
                    }
                }
                gw[o * k + j] = sum;
            }
        }
        return gw;
    }

    /** The convolution with the documented summation order, one element at a time. */
    private static float[] ordered(ConvGeometry g, int batch, int out, float[] x, float[] w) {
        int k = (int) g.colRows();
        int taps = g.kernelH() * g.kernelW();
        int outHW = (int) g.colCols();
        float[] y = new float[batch * out * outHW];
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < out; o++) {
                for (int p = 0; p < outHW; p++) {
                    int oh = p / g.outW();
                    int ow = p % g.outW();
                    float sum = 0f;
                    for (int pc = 0; pc < k; pc += KC) {
                        float chain = 0f;
                        for (int j = pc; j < Math.min(k, pc + KC); j++) {
                            int c = j / taps;
                            int ih = oh * g.strideH() - g.padH() + j % taps / g.kernelW();
                            int iw = ow * g.strideW() - g.padW() + j % g.kernelW();
                            boolean inside = ih >= 0 && ih < g.height() && iw >= 0 && iw < g.width();
                            float v = inside ? x[(int) (b * g.inputSize()) + (c * g.height() + ih) * g.width() + iw] : 0f;
                            chain = Math.fma(w[o * k + j], v, chain);
                        }
                        sum = pc == 0 ? chain : Math.fma(sum, 1f, chain);
                    }
                    y[(b * out + o) * outHW + p] = sum;
                }
            }
        }
        return y;
    }

    /** {@code w[o][c][t]} as {@code [c][o][taps - 1 - t]}: the input gradient's forward weight. */
    private static float[] flipped(float[] w, int out, int channels, int taps) {
        float[] f = new float[w.length];
        for (int o = 0; o < out; o++) {
            for (int c = 0; c < channels; c++) {
                for (int t = 0; t < taps; t++) {
                    f[(c * out + o) * taps + t] = w[(o * channels + c) * taps + taps - 1 - t];
                }
            }
        }
        return f;
    }

    private static void assertBits(String what, float[] expected, MemorySegment actual) {
        for (int i = 0; i < expected.length; i++) {
            int e = Float.floatToRawIntBits(expected[i]);
            int a = Float.floatToRawIntBits(actual.getAtIndex(F32, i));
            assertEquals(e, a, () -> what + ": element differs from the ordered sum");
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
