package org.nnpan.kernels.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nnpan.kernels.gemm.SgemmKernel;
import org.nnpan.kernels.memory.OffHeap;
import org.nnpan.kernels.parallel.Parallel;

/**
 * Winograd F(2x2, 3x3) against a float64 reference convolution and weight gradient, on random shapes it handles:
 * heights and widths it takes, channel counts on both sides of a register tile and of a 256-deep chain, batches that
 * fill a block partly.
 *
 * <p>The bound, {@code 1e-5} of the output's largest magnitude: each output is a sum over {@code 16 C} products of
 * transformed values (input tiles grow by at most 4x, kernels by 9/4x, and the output transform adds 9 products), so
 * its float32 rounding error is a few rounding units ({@code 6e-8}) times sums of magnitudes of the output's size;
 * the measured worst case over these shapes is about {@code 1e-6}, and the direct kernel's own error is of the same
 * order. An indexing mistake (a tile, a phase, a flipped tap) gives errors of order 1.
 */
class WinogradConvTest {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;
    private static final double TOLERANCE = 1e-5;
    private static final int[] HEIGHTS = {2, 4, 6, 8, 10, 16, 32};

    private BatchConv winograd;

    @BeforeEach
    void vectorApi() {
        BatchConv direct = BatchConvs.direct();
        assumeTrue(direct != null, "no vector convolution in this JVM");
        winograd = new WinogradConv(direct, true);
    }

    /** Output x input channels: with and without a partial panel, across a 256-deep block. */
    private static final int[][] PANEL_SHAPES = {{8, 3}, {16, 16}, {13, 5}, {64, 64}, {24, 300}, {7, 9}};

    /** The weight gradient's back-transform by vector panels gives the per-filter back-transform's bits. */
    @Test
    void filterGradientsByVectorPanelsHaveThePerFilterBits() {
        assumeTrue(WinogradConv.PANELS_BY_VECTORS, "the panel transform needs 512-bit vectors");
        SplittableRandom rnd = new SplittableRandom(19);
        for (int[] shape : PANEL_SHAPES) {
            int out = shape[0];
            int in = shape[1];
            int outPadded = Math.ceilDiv(out, SgemmKernel.NR) * SgemmKernel.NR;
            int inPadded = Math.ceilDiv(in, SgemmKernel.MR) * SgemmKernel.MR;
            float[] sums = spread(rnd, 16 * inPadded * outPadded);
            assertPanelsGiveThePerFilterBits(
                    byVectors -> WinogradConv.filterGradients(sums, out, in, outPadded, inPadded, byVectors),
                    out * in * 9, out + "x" + in);
        }
    }

    /**
     * The weight transform by vector panels gives the per-filter transform's bits at every element, in both kernel
     * orientations (a wrong lane stride or panel offset fails it).
     */
    @Test
    void weightTransformByVectorPanelsHasThePerFilterBits() {
        assumeTrue(WinogradConv.PANELS_BY_VECTORS, "the panel transform needs 512-bit vectors");
        SplittableRandom rnd = new SplittableRandom(17);
        for (int[] shape : PANEL_SHAPES) {
            int out = shape[0];
            int in = shape[1];
            MemorySegment weight = OffHeap.copy(spread(rnd, out * in * 9));
            for (boolean flipped : new boolean[] {false, true}) {
                int o = flipped ? in : out;
                int c = flipped ? out : in;
                assertPanelsGiveThePerFilterBits(
                        byVectors -> WinogradConv.transformWeight(weight, 0, o, c, flipped, byVectors),
                        16 * Math.ceilDiv(o, SgemmKernel.MR) * SgemmKernel.MR * c,
                        out + "x" + in + (flipped ? " flipped" : ""));
            }
        }
    }

    /**
     * The first {@code size} elements of {@code transform(true)} have the bits of {@code transform(false)}'s. Both
     * return the same scratch array, so it is filled with NaN in between: an element the panels leave unwritten fails.
     */
    private static void assertPanelsGiveThePerFilterBits(Function<Boolean, float[]> transform, int size, String where) {
        float[] scratch = transform.apply(false);
        float[] perFilter = scratch.clone();
        Arrays.fill(scratch, Float.NaN);
        float[] panels = transform.apply(true);
        for (int i = 0; i < size; i++) {
            assertEquals(Float.floatToRawIntBits(perFilter[i]), Float.floatToRawIntBits(panels[i]), where + " at " + i);
        }
    }

    /** {@code n} Gaussian values spread over 40 binary orders of magnitude. */
    private static float[] spread(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextGaussian() * Math.scalb(1.0, rnd.nextInt(-20, 20)));
        }
        return a;
    }

    @Test
    void forwardAndInputGradientMatchTheFloat64Reference() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int round = 0; round < 40; round++) {
            // Every tenth round has more than 256 output channels (two chains in the input gradient), on small maps.
            boolean wide = round % 10 == 9;
            ConvGeometry g = wide ? smallGeometry(rnd) : randomGeometry(rnd);
            int batch = 1 + rnd.nextInt(wide ? 2 : 5);
            int out = wide ? 260 + rnd.nextInt(20) : 8 + rnd.nextInt(40);
            assertTrue(WinogradConv.fits(g), g::toString);
            float[] x = random(rnd, batch * (int) g.inputSize());
            float[] w = random(rnd, out * (int) g.colRows());
            float[] gy = random(rnd, batch * out * (int) g.colCols());

            MemorySegment y = OffHeap.zeros(batch * out * (int) g.colCols());
            winograd.forward(g, batch, out, OffHeap.copy(x), 0, OffHeap.copy(w), 0, y, 0);
            assertClose(g + " x " + out + " forward", reference(g, batch, out, x, w, false), y);

            ConvGeometry t = BatchConv.transposed(g, out);
            MemorySegment gx = OffHeap.zeros(x.length);
            winograd.inputGrad(g, batch, out, OffHeap.copy(gy), 0, OffHeap.copy(w), 0, gx, 0);
            assertClose(g + " x " + out + " input grad", reference(t, batch, g.channels(), gy, w, true), gx);
        }
    }

    /**
     * The weight gradient, the adjoint of the forward's transforms, against the float64 reference on random shapes and
     * batches (up to 3 threads, so several chunks' sums are added), within the forward's bound (measured worst case
     * about {@code 3.5e-7} of the largest gradient).
     */
    @Test
    void weightGradientMatchesTheFloat64Reference() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int round = 0; round < 30; round++) {
            ConvGeometry g = randomGeometry(rnd);
            int batch = 1 + rnd.nextInt(round % 5 == 4 ? 12 : 4);
            int out = 8 + rnd.nextInt(40);
            int threads = 1 + round % 3;
            float[] x = random(rnd, batch * (int) g.inputSize());
            float[] gy = random(rnd, batch * out * (int) g.colCols());
            MemorySegment gw = OffHeap.zeros(out * (int) g.colRows());
            Parallel.callWith(threads, () -> {
                winograd.weightGrad(g, batch, out, OffHeap.copy(x), 0, OffHeap.copy(gy), 0, gw, 0);
                return null;
            });
            assertClose(g + " x " + out + ", batch " + batch + ", " + threads + " threads: weight grad",
                    referenceWeightGrad(g, batch, out, x, gy), gw);
        }
    }

    /** Every output element is computed alone: the thread count and the images around it change no bit. */
    @Test
    void resultsDoNotDependOnThreadsOrBatchSplit() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int round = 0; round < 6; round++) {
            ConvGeometry g = randomGeometry(rnd);
            int batch = 3 + rnd.nextInt(40);
            int out = 8 + rnd.nextInt(30);
            MemorySegment x = OffHeap.copy(random(rnd, batch * (int) g.inputSize()));
            MemorySegment w = OffHeap.copy(random(rnd, out * (int) g.colRows()));
            int ySize = batch * out * (int) g.colCols();
            MemorySegment one = OffHeap.zeros(ySize);
            MemorySegment three = OffHeap.zeros(ySize);
            MemorySegment split = OffHeap.zeros(ySize);
            Parallel.callWith(1, () -> {
                winograd.forward(g, batch, out, x, 0, w, 0, one, 0);
                return null;
            });
            Parallel.callWith(3, () -> {
                winograd.forward(g, batch, out, x, 0, w, 0, three, 0);
                return null;
            });
            long imageOut = out * g.colCols();
            for (int b = 0; b < batch; b++) {
                winograd.forward(g, 1, out, x, b * g.inputSize(), w, 0, split, b * imageOut);
            }
            for (long i = 0; i < ySize; i++) {
                int expected = Float.floatToRawIntBits(one.getAtIndex(F32, i));
                long at = i;
                assertEquals(expected, Float.floatToRawIntBits(three.getAtIndex(F32, i)),
                        () -> g + ": element " + at + " differs between 1 and 3 threads");
                assertEquals(expected, Float.floatToRawIntBits(split.getAtIndex(F32, i)),
                        () -> g + ": element " + at + " differs when images are convolved one by one");
            }
        }
    }

    @Test
    void otherShapesAreLeftToTheDirectKernel() {
        assertFalse(WinogradConv.fits(new ConvGeometry(64, 8, 8, 3, 3, 2, 2, 1, 1)), "stride 2");
        assertFalse(WinogradConv.fits(new ConvGeometry(64, 8, 8, 3, 3, 1, 1, 0, 0)), "padding 0");
        assertFalse(WinogradConv.fits(new ConvGeometry(64, 8, 8, 5, 5, 1, 1, 2, 2)), "5x5");
        assertFalse(WinogradConv.fits(new ConvGeometry(64, 7, 8, 3, 3, 1, 1, 1, 1)), "odd height");
        assertFalse(WinogradConv.fits(new ConvGeometry(64, 12, 12, 3, 3, 1, 1, 1, 1)), "6 tiles per row");
        assertTrue(WinogradConv.handles(new ConvGeometry(64, 8, 8, 3, 3, 1, 1, 1, 1), 64), "ResNet's 8x8 layers");
        assertFalse(WinogradConv.handles(new ConvGeometry(3, 32, 32, 3, 3, 1, 1, 1, 1), 16), "3 input channels");
        assertFalse(WinogradConv.handles(new ConvGeometry(16, 32, 32, 3, 3, 1, 1, 1, 1), 16), "16 channels");
        int l = SgemmKernel.L;
        assertTrue(WinogradConv.handles(new ConvGeometry(32, l, l, 3, 3, 1, 1, 1, 1), 32),
                "32 channels on vector-wide maps (ResNet's 16x16 with 16 lanes)");
        assertFalse(WinogradConv.handles(new ConvGeometry(32, 2 * l, 2 * l, 3, 3, 1, 1, 1, 1), 32),
                "32 channels on maps wider than a vector");
        assertFalse(WinogradConv.handles(new ConvGeometry(32, l + 2, l, 3, 3, 1, 1, 1, 1), 32),
                "32 channels, an odd number of tile rows");
        assertTrue(WinogradConv.handles(new ConvGeometry(32, 8, l / 2, 3, 3, 1, 1, 1, 1), 32),
                "32 channels on maps half a vector wide and 8 high (8x8 with 16 lanes)");
        assertFalse(WinogradConv.handles(new ConvGeometry(32, 10, l / 2, 3, 3, 1, 1, 1, 1), 32),
                "32 channels on maps half a vector wide and 10 high");
        assertFalse(WinogradConv.handles(new ConvGeometry(16, l, l, 3, 3, 1, 1, 1, 1), 16), "16 channels");
        assertTrue(WinogradConv.handles(new ConvGeometry(256, 4, 4, 3, 3, 1, 1, 1, 1), 512), "256 -> 512 channels");
        assertTrue(WinogradConv.handles(new ConvGeometry(512, 4, 4, 3, 3, 1, 1, 1, 1), 512), "512 x 512 channels");
        assertFalse(WinogradConv.handles(new ConvGeometry(512, 2, 2, 3, 3, 1, 1, 1, 1), 512), "2x2 maps: per-tap GEMMs");
        assertFalse(WinogradConv.handles(new ConvGeometry(512, 4, 4, 3, 3, 1, 1, 1, 1), 1024), "512 x 1024 channels");
        assertTrue(WinogradConv.handlesWeightGrad(new ConvGeometry(64, 8, 8, 3, 3, 1, 1, 1, 1), 64),
                "ResNet's 8x8 weight gradients");
        assertFalse(WinogradConv.handlesWeightGrad(new ConvGeometry(32, l, l, 3, 3, 1, 1, 1, 1), 32),
                "32-channel weight gradients");
        assertFalse(WinogradConv.handlesWeightGrad(new ConvGeometry(256, 4, 4, 3, 3, 1, 1, 1, 1), 256),
                "weight gradients on 4x4 maps");
    }

    /** A 3x3, stride-1, padding-1 geometry with a width whose tiles per row divide the vector's lanes. */
    private static ConvGeometry randomGeometry(SplittableRandom rnd) {
        int width = 2 << rnd.nextInt(Integer.numberOfTrailingZeros(2 * SgemmKernel.L));
        int height = HEIGHTS[rnd.nextInt(HEIGHTS.length)];
        return new ConvGeometry(8 + rnd.nextInt(40), height, width, 3, 3, 1, 1, 1, 1);
    }

    /** Maps up to 8x8 with 250-269 input channels (two chains in the forward GEMMs), so the reference stays cheap. */
    private static ConvGeometry smallGeometry(SplittableRandom rnd) {
        int width = 2 << rnd.nextInt(3);
        int height = HEIGHTS[rnd.nextInt(4)];
        return new ConvGeometry(250 + rnd.nextInt(20), height, width, 3, 3, 1, 1, 1, 1);
    }

    /**
     * The convolution in float64, {@code w} being {@code [out, C, 3, 3]}; with {@code flipped}, {@code w} is the forward
     * weight {@code [C, out, 3, 3]} of an input gradient, turned by 180 degrees and transposed.
     */
    private static double[] reference(ConvGeometry g, int batch, int out, float[] x, float[] w, boolean flipped) {
        int c = g.channels();
        int h = g.height();
        int wd = g.width();
        double[] y = new double[batch * out * h * wd];
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < out; o++) {
                for (int oh = 0; oh < h; oh++) {
                    for (int ow = 0; ow < wd; ow++) {
                        double sum = 0;
                        for (int ci = 0; ci < c; ci++) {
                            for (int t = 0; t < 9; t++) {
                                int ih = oh - 1 + t / 3;
                                int iw = ow - 1 + t % 3;
                                if (ih >= 0 && ih < h && iw >= 0 && iw < wd) {
                                    float k = flipped ? w[(ci * out + o) * 9 + 8 - t] : w[(o * c + ci) * 9 + t];
                                    sum += (double) k * x[((b * c + ci) * h + ih) * wd + iw];
                                }
                            }
                        }
                        y[((b * out + o) * h + oh) * wd + ow] = sum;
                    }
                }
            }
        }
        return y;
    }

    /** {@code gW[o][c][t]}: the sum over images and positions of {@code gY[o] * x[c]} shifted by tap {@code t}. */
    private static double[] referenceWeightGrad(ConvGeometry g, int batch, int out, float[] x, float[] gy) {
        int c = g.channels();
        int h = g.height();
        int wd = g.width();
        double[] gw = new double[out * c * 9];
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < out; o++) {
                for (int ci = 0; ci < c; ci++) {
                    for (int t = 0; t < 9; t++) {
                        double sum = 0;
                        for (int oh = 0; oh < h; oh++) {
                            for (int ow = 0; ow < wd; ow++) {
                                int ih = oh - 1 + t / 3;
                                int iw = ow - 1 + t % 3;
                                if (ih >= 0 && ih < h && iw >= 0 && iw < wd) {
                                    sum += (double) gy[((b * out + o) * h + oh) * wd + ow]
                                            * x[((b * c + ci) * h + ih) * wd + iw];
                                }
                            }
                        }
                        gw[(o * c + ci) * 9 + t] += sum;
                    }
                }
            }
        }
        return gw;
    }

    private static void assertClose(String what, double[] expected, MemorySegment actual) {
        double max = 0;
        for (double e : expected) {
            max = Math.max(max, Math.abs(e));
        }
        double worst = 0;
        int worstAt = 0;
        for (int i = 0; i < expected.length; i++) {
            double error = Math.abs(actual.getAtIndex(F32, i) - expected[i]);
            if (!(error <= worst)) {
                worst = error;
                worstAt = i;
            }
        }
        double relative = worst / max;
        int at = worstAt;
        double largest = max;
        assertTrue(relative <= TOLERANCE, () -> what + ": element " + at + " is " + actual.getAtIndex(F32, at)
                + ", reference " + expected[at] + " (error " + relative + " of the largest output " + largest + ")");
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextDouble(-1, 1);
        }
        return a;
    }
}
