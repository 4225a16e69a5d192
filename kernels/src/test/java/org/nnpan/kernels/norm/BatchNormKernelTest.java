package org.nnpan.kernels.norm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Both batch-norm kernels against a double-precision reference on random layouts: runs of whole vectors, with tails,
 * and shorter than a vector, channels in one block or several; and the same bits however the channels are split into
 * ranges.
 */
class BatchNormKernelTest {

    private static final BatchNormKernel SCALAR = new ScalarBatchNormKernel();
    private static final BatchNormKernel VECTOR = BatchNormKernels.vector();
    private static final double EPS = 1e-5;

    @Test
    void vectorKernelIsChosenWithTheModule() {
        // Surefire runs with --add-modules jdk.incubator.vector.
        assertEquals("VectorBatchNormKernel", BatchNormKernels.best().getClass().getSimpleName());
    }

    @Test
    void bothKernelsMatchTheDoubleReference() {
        Random random = new Random(11);
        for (int trial = 0; trial < 200; trial++) {
            BatchNormKernel.Layout layout = randomLayout(random, trial);
            Case c = Case.random(layout, random);
            for (BatchNormKernel kernel : new BatchNormKernel[] {SCALAR, VECTOR}) {
                c.check(kernel);
            }
        }
    }

    /**
     * Up to 5 images and 12 channels; maps of up to 20 elements in even trials (tails), of up to 300 in odd ones, where
     * the vector kernel reads channels in blocks of 6 or more forward and 3 or more backward (so some layouts take more
     * than one block).
     */
    private static BatchNormKernel.Layout randomLayout(Random random, int trial) {
        return new BatchNormKernel.Layout(1 + random.nextInt(5), 1 + random.nextInt(12),
                1 + random.nextInt(trial % 2 == 0 ? 20 : 300));
    }

    @Test
    void channelRangesGiveTheBitsOfOneRange() {
        Random random = new Random(13);
        for (int trial = 0; trial < 60; trial++) {
            // 40 channels of 64 elements: the vector kernel's forward takes two blocks (the second one partial), its
            // backward three
            BatchNormKernel.Layout layout = trial % 3 == 0 ? new BatchNormKernel.Layout(3, 40, 64)
                    : randomLayout(random, trial);
            Case c = Case.random(layout, random);
            for (BatchNormKernel kernel : new BatchNormKernel[] {SCALAR, VECTOR}) {
                boolean relu = trial % 2 == 0;
                Outputs whole = c.run(kernel, relu, new int[] {0, layout.channels()});
                Outputs split = c.run(kernel, relu, randomSplit(random, layout.channels()));
                String where = kernel.getClass().getSimpleName() + " " + layout;
                assertArrayEquals(whole.y(), split.y(), where + " y");
                assertArrayEquals(whole.gx(), split.gx(), where + " gx");
                assertArrayEquals(whole.perChannel(), split.perChannel(), where + " statistics and gradients");
            }
        }
    }

    /** Range bounds {@code 0 = b[0] < b[1] < ... = channels}, cut at random. */
    private static int[] randomSplit(Random random, int channels) {
        return IntStream.rangeClosed(0, channels)
                .filter(ch -> ch == 0 || ch == channels || random.nextInt(3) == 0).toArray();
    }

    /** A kernel's outputs: y, gx, and per channel mean, invStd and the gradients of gamma and beta, concatenated. */
    private record Outputs(float[] y, float[] gx, float[] perChannel) {
    }

    @Test
    void vectorKernelRejectsHeapSegments() {
        BatchNormKernel.Layout layout = new BatchNormKernel.Layout(2, 1, 16);
        MemorySegment heap = MemorySegment.ofArray(new float[32]);
        BatchNormKernel.Channels c = new BatchNormKernel.Channels(new float[] {1f}, new float[] {0f}, new float[1],
                new float[1]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VECTOR.forward(layout, 0, 1, heap, 0, heap, 0, EPS, false, c));
        assertTrue(e.getMessage().contains("x is not a native segment"), e.getMessage());
    }

    @Test
    void fusedReluGivesTheBitsOfReluInAPassOfItsOwn() {
        Random random = new Random(12);
        for (int trial = 0; trial < 200; trial++) {
            BatchNormKernel.Layout layout = randomLayout(random, trial);
            Case c = Case.random(layout, random);
            if (trial % 4 == 0) {
                c.gy()[random.nextInt(c.gy().length)] = Float.NaN; // NaN·0 stays NaN, as a separate mask pass gives
            }
            if (trial % 4 == 1) {
                c.gy()[random.nextInt(c.gy().length)] = -0f; // -0·1 and -0·0 keep their sign
            }
            for (BatchNormKernel kernel : new BatchNormKernel[] {SCALAR, VECTOR}) {
                checkFusedRelu(c, kernel);
            }
        }
    }

    /**
     * The fused backward recomputes ReLU's step from {@code x}; here {@code x} runs through consecutive floats around
     * its mean with {@code beta = 0}, so many outputs land within rounding of zero, where any other expression for
     * {@code y} (say {@code (x - mean) * scale}) would mask differently from the stored output.
     */
    @Test
    void fusedReluBackwardMasksWhereTheStoredOutputIsZeroNearTheBoundary() {
        BatchNormKernel.Layout layout = new BatchNormKernel.Layout(3, 1, 1000);
        float[] x = new float[3000];
        float v = 1f;
        for (int i = 0; i < 1500; i++) {
            v = Math.nextDown(v);
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = v;
            v = Math.nextUp(v);
        }
        float[] gy = new float[x.length];
        Random random = new Random(3);
        for (int i = 0; i < gy.length; i++) {
            gy[i] = (float) random.nextGaussian();
        }
        Case c = new Case(layout, x, gy, new float[] {1.37f}, new float[] {0f});
        for (BatchNormKernel kernel : new BatchNormKernel[] {SCALAR, VECTOR}) {
            checkFusedRelu(c, kernel);
        }
    }

    /** Random data of one layout with a shifted, scaled mean per channel. */
    private record Case(BatchNormKernel.Layout layout, float[] x, float[] gy, float[] gamma, float[] beta) {

        static Case random(BatchNormKernel.Layout layout, Random random) {
            int n = Math.toIntExact(layout.count() * layout.channels());
            float[] x = new float[n];
            float[] gy = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) (3 + 2 * random.nextGaussian());
                gy[i] = (float) random.nextGaussian();
            }
            float[] gamma = new float[layout.channels()];
            float[] beta = new float[layout.channels()];
            for (int ch = 0; ch < gamma.length; ch++) {
                gamma[ch] = (float) (0.5 + random.nextDouble());
                beta[ch] = (float) random.nextGaussian();
            }
            return new Case(layout, x, gy, gamma, beta);
        }

        /** Per-channel values for a kernel's call, with fresh arrays for the statistics it stores. */
        BatchNormKernel.Channels channels() {
            return new BatchNormKernel.Channels(gamma, beta, new float[gamma.length], new float[gamma.length]);
        }

        /**
         * Forward and backward, with or without ReLU, over the channel ranges {@code [bounds[i], bounds[i + 1])} one
         * after another.
         */
        Outputs run(BatchNormKernel kernel, boolean relu, int[] bounds) {
            int n = x.length;
            int channels = layout.channels();
            BatchNormKernel.Channels c = channels();
            float[] gammaGrads = new float[channels];
            float[] betaGrads = new float[channels];
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment xs = copy(arena, x);
                MemorySegment gys = copy(arena, gy);
                MemorySegment ys = arena.allocate(4L * n);
                MemorySegment gxs = arena.allocate(4L * n);
                for (int i = 0; i + 1 < bounds.length; i++) {
                    kernel.forward(layout, bounds[i], bounds[i + 1], xs, 0, ys, 0, EPS, relu, c);
                }
                for (int i = 0; i + 1 < bounds.length; i++) {
                    kernel.backward(layout, bounds[i], bounds[i + 1], gys, 0, xs, 0, gxs, 0, relu, c, gammaGrads,
                            betaGrads);
                }
                float[] perChannel = new float[4 * channels];
                System.arraycopy(c.mean(), 0, perChannel, 0, channels);
                System.arraycopy(c.invStd(), 0, perChannel, channels, channels);
                System.arraycopy(gammaGrads, 0, perChannel, 2 * channels, channels);
                System.arraycopy(betaGrads, 0, perChannel, 3 * channels, channels);
                return new Outputs(ys.toArray(ValueLayout.JAVA_FLOAT), gxs.toArray(ValueLayout.JAVA_FLOAT),
                        perChannel);
            }
        }

        /** Runs {@code kernel} on all channels at once and compares with the same formulas in double. */
        void check(BatchNormKernel kernel) {
            int channels = layout.channels();
            Outputs out = run(kernel, false, new int[] {0, channels});
            float[] y = out.y();
            float[] gx = out.gx();
            for (int ch = 0; ch < channels; ch++) {
                double count = layout.count();
                double mean = 0;
                for (int b = 0; b < layout.batch(); b++) {
                    for (int i = 0; i < layout.inner(); i++) {
                        mean += x[(int) layout.run(b, ch) + i];
                    }
                }
                mean /= count;
                double var = 0;
                double sumG = 0;
                double sumGXhat = 0;
                for (int b = 0; b < layout.batch(); b++) {
                    for (int i = 0; i < layout.inner(); i++) {
                        int at = (int) layout.run(b, ch) + i;
                        var += (x[at] - mean) * (x[at] - mean);
                    }
                }
                double invStd = 1 / Math.sqrt(var / count + EPS);
                for (int b = 0; b < layout.batch(); b++) {
                    for (int i = 0; i < layout.inner(); i++) {
                        int at = (int) layout.run(b, ch) + i;
                        sumG += gy[at];
                        sumGXhat += gy[at] * (x[at] - mean) * invStd;
                    }
                }
                String where = kernel.getClass().getSimpleName() + " " + layout + " channel " + ch;
                assertClose(mean, out.perChannel()[ch], where + " mean");
                assertClose(invStd, out.perChannel()[channels + ch], where + " invStd");
                assertClose(sumGXhat, out.perChannel()[2 * channels + ch], where + " gamma grad");
                assertClose(sumG, out.perChannel()[3 * channels + ch], where + " beta grad");
                for (int b = 0; b < layout.batch(); b++) {
                    for (int i = 0; i < layout.inner(); i++) {
                        int at = (int) layout.run(b, ch) + i;
                        double xhat = (x[at] - mean) * invStd;
                        assertClose(xhat * gamma[ch] + beta[ch], y[at], where + " y[" + at + "]");
                        double expected = gamma[ch] * invStd / count * (count * gy[at] - sumG - xhat * sumGXhat);
                        assertClose(expected, gx[at], where + " gx[" + at + "]");
                    }
                }
            }
        }
    }

    /**
     * Runs {@code kernel} with ReLU fused into the forward and its step into the backward, and compares the exact bits
     * with the unfused kernel followed (forward) or preceded (backward) by ReLU's loops; the fused backward, which
     * recomputes the step from {@code x}, must mask exactly where the stored output is not positive.
     */
    private static void checkFusedRelu(Case c, BatchNormKernel kernel) {
        BatchNormKernel.Layout layout = c.layout();
        int channels = layout.channels();
        int n = c.x().length;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = copy(arena, c.x());
            MemorySegment gy = copy(arena, c.gy());
            MemorySegment y = arena.allocate(4L * n);
            MemorySegment out = arena.allocate(4L * n);
            MemorySegment masked = arena.allocate(4L * n);
            MemorySegment gx = arena.allocate(4L * n);
            MemorySegment gxFused = arena.allocate(4L * n);
            BatchNormKernel.Channels stats = c.channels();
            BatchNormKernel.Channels fusedStats = c.channels();
            float[][] grads = new float[2][channels];
            float[][] fusedGrads = new float[2][channels];
            String where = kernel.getClass().getSimpleName() + " " + layout;
            kernel.forward(layout, 0, channels, x, 0, y, 0, EPS, false, stats);
            kernel.forward(layout, 0, channels, x, 0, out, 0, EPS, true, fusedStats);
            assertArrayEquals(stats.mean(), fusedStats.mean(), where + " means");
            assertArrayEquals(stats.invStd(), fusedStats.invStd(), where + " invStds");
            for (int i = 0; i < n; i++) { // ReLU's backward as CpuBackend.reluBackward computes it
                float step = out.getAtIndex(ValueLayout.JAVA_FLOAT, i) > 0f ? 1f : 0f;
                masked.setAtIndex(ValueLayout.JAVA_FLOAT, i, gy.getAtIndex(ValueLayout.JAVA_FLOAT, i) * step);
            }
            kernel.backward(layout, 0, channels, masked, 0, x, 0, gx, 0, false, stats, grads[0], grads[1]);
            kernel.backward(layout, 0, channels, gy, 0, x, 0, gxFused, 0, true, stats, fusedGrads[0],
                    fusedGrads[1]);
            assertArrayEquals(grads[0], fusedGrads[0], where + " gamma gradients");
            assertArrayEquals(grads[1], fusedGrads[1], where + " beta gradients");
            for (int i = 0; i < n; i++) {
                float yi = y.getAtIndex(ValueLayout.JAVA_FLOAT, i);
                float relu = yi > 0f ? yi : 0f;
                assertEquals(Float.floatToRawIntBits(relu), Float.floatToRawIntBits(
                        out.getAtIndex(ValueLayout.JAVA_FLOAT, i)), layout + " y[" + i + "]");
                assertEquals(Float.floatToRawIntBits(gx.getAtIndex(ValueLayout.JAVA_FLOAT, i)), Float.floatToRawIntBits(
                        gxFused.getAtIndex(ValueLayout.JAVA_FLOAT, i)), layout + " gx[" + i + "]");
            }
        }
    }

    /** Tensors live off-heap, and the vector kernel takes native segments only. */
    private static MemorySegment copy(Arena arena, float[] values) {
        return arena.allocateFrom(ValueLayout.JAVA_FLOAT, values);
    }

    private static void assertClose(double expected, float actual, String what) {
        assertTrue(Math.abs(expected - actual) <= 1e-4 * (1 + Math.abs(expected)),
                what + ": expected " + expected + ", got " + actual);
    }
}
