package org.nnpan.kernels.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nnpan.kernels.gemm.ScalarGemm;

/** Im2col over random geometries: conv via im2col + GEMM equals direct convolution, and col2im is the adjoint. */
class Im2colTest {

    private static final int GEOMETRIES = 300;
    private static final double SENTINEL = -777;

    /** Random geometries including 1x1 images, kernels as large as the padded input, and strides above the kernel. */
    private static ConvGeometry randomGeometry(Random rnd) {
        int padH = rnd.nextInt(3);
        int padW = rnd.nextInt(3);
        int height = 1 + rnd.nextInt(9);
        int width = 1 + rnd.nextInt(9);
        int kernelH = 1 + rnd.nextInt(Math.min(4, height + 2 * padH));
        int kernelW = 1 + rnd.nextInt(Math.min(4, width + 2 * padW));
        return new ConvGeometry(1 + rnd.nextInt(3), height, width, kernelH, kernelW,
                1 + rnd.nextInt(3), 1 + rnd.nextInt(3), padH, padW);
    }

    /** Float-representable random values, so F32 and F64 see the same numbers. */
    private static double[] values(Random rnd, long n) {
        double[] v = new double[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return v;
    }

    /** A segment holding {@code values} after {@code offset} sentinel elements, followed by two more sentinels. */
    private static MemorySegment segment(Arena arena, Im2col type, long offset, double[] values) {
        long size = offset + values.length + 2;
        MemorySegment s = arena.allocate(size * elementBytes(type), 8);
        for (long i = 0; i < size; i++) {
            boolean inside = i >= offset && i < offset + values.length;
            set(type, s, i, inside ? values[(int) (i - offset)] : SENTINEL);
        }
        return s;
    }

    private static long elementBytes(Im2col type) {
        return type == Im2col.F32 ? Float.BYTES : Double.BYTES;
    }

    private static void set(Im2col type, MemorySegment s, long i, double v) {
        if (type == Im2col.F32) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) v);
        } else {
            s.setAtIndex(ValueLayout.JAVA_DOUBLE, i, v);
        }
    }

    private static double get(Im2col type, MemorySegment s, long i) {
        return type == Im2col.F32 ? s.getAtIndex(ValueLayout.JAVA_FLOAT, i) : s.getAtIndex(ValueLayout.JAVA_DOUBLE, i);
    }

    /** The {@code n} elements after {@code offset}, asserting the sentinels around them are intact. */
    private static double[] read(Im2col type, MemorySegment s, long offset, long n) {
        long size = s.byteSize() / elementBytes(type);
        double[] v = new double[Math.toIntExact(n)];
        for (long i = 0; i < size; i++) {
            if (i >= offset && i < offset + n) {
                v[(int) (i - offset)] = get(type, s, i);
            } else {
                assertEquals(SENTINEL, get(type, s, i), "element " + i + " outside the written range changed");
            }
        }
        return v;
    }

    /** Direct convolution in double: {@code y[oc][oh][ow] = sum w[oc][c][kh][kw] x[c][ih][iw]}. */
    private static double[] directConv(ConvGeometry g, double[] x, double[] w, int outChannels) {
        int outH = g.outH();
        int outW = g.outW();
        double[] y = new double[outChannels * outH * outW];
        for (int oc = 0; oc < outChannels; oc++) {
            for (int oh = 0; oh < outH; oh++) {
                for (int ow = 0; ow < outW; ow++) {
                    double sum = 0;
                    for (int c = 0; c < g.channels(); c++) {
                        for (int kh = 0; kh < g.kernelH(); kh++) {
                            for (int kw = 0; kw < g.kernelW(); kw++) {
                                int ih = oh * g.strideH() - g.padH() + kh;
                                int iw = ow * g.strideW() - g.padW() + kw;
                                if (ih >= 0 && ih < g.height() && iw >= 0 && iw < g.width()) {
                                    int wi = ((oc * g.channels() + c) * g.kernelH() + kh) * g.kernelW() + kw;
                                    sum += w[wi] * x[(c * g.height() + ih) * g.width() + iw];
                                }
                            }
                        }
                    }
                    y[(oc * outH + oh) * outW + ow] = sum;
                }
            }
        }
        return y;
    }

    private static double tolerance(Im2col type) {
        return type == Im2col.F32 ? 1e-5 : 1e-12;
    }

    @ParameterizedTest
    @EnumSource(Im2col.class)
    void convolutionViaIm2colAndGemmMatchesDirectConvolution(Im2col type) {
        Random rnd = new Random(1);
        ScalarGemm gemm = new ScalarGemm();
        for (int t = 0; t < GEOMETRIES; t++) {
            ConvGeometry g = randomGeometry(rnd);
            int outChannels = 1 + rnd.nextInt(3);
            double[] x = values(rnd, g.inputSize());
            double[] w = values(rnd, outChannels * g.colRows());
            long xOffset = rnd.nextInt(3);
            long colsOffset = rnd.nextInt(3);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment xs = segment(arena, type, xOffset, x);
                // NaN in the column buffer: im2col must overwrite every element, padding included.
                double[] nan = new double[Math.toIntExact(g.colSize())];
                Arrays.fill(nan, Double.NaN);
                MemorySegment cols = segment(arena, type, colsOffset, nan);
                type.im2col(g, xs, xOffset, cols, colsOffset);
                read(type, xs, xOffset, g.inputSize());

                MemorySegment ws = segment(arena, type, 0, w);
                MemorySegment y = segment(arena, type, 0, new double[outChannels * (int) g.colCols()]);
                int kdim = (int) g.colRows();
                int n = (int) g.colCols();
                if (type == Im2col.F32) {
                    gemm.sgemm(false, false, outChannels, n, kdim, 1f, ws, 0, kdim, cols, colsOffset, n, 0f, y, 0, n);
                } else {
                    gemm.dgemm(false, false, outChannels, n, kdim, 1.0, ws, 0, kdim, cols, colsOffset, n, 0.0, y, 0, n);
                }
                double[] expected = directConv(g, x, w, outChannels);
                double[] actual = read(type, y, 0, expected.length);
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], actual[i], tolerance(type) * (1 + kdim), g + " output " + i);
                }
            }
        }
    }

    /** {@code <im2col(x), y> == <x, col2im(y)>}, and col2im adds to what x held. */
    @ParameterizedTest
    @EnumSource(Im2col.class)
    void col2imIsTheAdjointOfIm2colAndAccumulates(Im2col type) {
        Random rnd = new Random(2);
        for (int t = 0; t < GEOMETRIES; t++) {
            ConvGeometry g = randomGeometry(rnd);
            double[] x = values(rnd, g.inputSize());
            double[] y = values(rnd, g.colSize());
            double[] base = values(rnd, g.inputSize());
            long xOffset = rnd.nextInt(3);
            long colsOffset = rnd.nextInt(3);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment cols = segment(arena, type, colsOffset, new double[y.length]);
                type.im2col(g, segment(arena, type, xOffset, x), xOffset, cols, colsOffset);
                double[] im2colX = read(type, cols, colsOffset, y.length);

                MemorySegment ys = segment(arena, type, colsOffset, y);
                MemorySegment xs = segment(arena, type, xOffset, base);
                type.col2im(g, ys, colsOffset, xs, xOffset);
                read(type, ys, colsOffset, y.length);
                double[] accumulated = read(type, xs, xOffset, x.length);

                double left = 0;
                double right = 0;
                double scale = 0;
                for (int i = 0; i < y.length; i++) {
                    left += im2colX[i] * y[i];
                    scale += Math.abs(im2colX[i] * y[i]);
                }
                for (int i = 0; i < x.length; i++) {
                    right += x[i] * (accumulated[i] - base[i]);
                }
                assertEquals(left, right, tolerance(type) * (1 + scale), g.toString());
            }
        }
    }

    @Test
    void knownExample() {
        // 1 channel 3x3 image 1..9, 2x2 kernel, stride 1, padding 0: four 2x2 patches.
        ConvGeometry g = new ConvGeometry(1, 3, 3, 2, 2, 1, 1, 0, 0);
        MemorySegment x = MemorySegment.ofArray(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        float[] cols = new float[16];
        Im2col.F32.im2col(g, x, 0, MemorySegment.ofArray(cols), 0);
        float[] expected = {1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9};
        assertArrayEquals(expected, cols);
        // Each pixel gets one per patch covering it: corners 1, edges 2, centre 4.
        float[] back = new float[9];
        float[] ones = new float[16];
        Arrays.fill(ones, 1f);
        Im2col.F32.col2im(g, MemorySegment.ofArray(ones), 0, MemorySegment.ofArray(back), 0);
        assertArrayEquals(new float[] {1, 2, 1, 2, 4, 2, 1, 2, 1}, back);
    }

    @Test
    void rejectsBadGeometryAndSmallSegments() {
        assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(1, 3, 3, 4, 1, 1, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(1, 3, 3, 2, 2, 0, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(1, 3, 3, 2, 2, 1, 1, -1, 0));
        ConvGeometry g = new ConvGeometry(2, 4, 4, 3, 3, 1, 1, 1, 1);
        MemorySegment x = MemorySegment.ofArray(new float[32]);
        MemorySegment cols = MemorySegment.ofArray(new float[(int) g.colSize()]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Im2col.F32.im2col(g, x, 1, cols, 0));
        assertTrue(e.getMessage().startsWith("x is too small"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Im2col.F64.col2im(g, cols, 0, x, 0));
        assertTrue(e.getMessage().startsWith("cols is too small"), e.getMessage());
    }
}
