package org.nnpan.backend;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nnpan.kernels.conv.BatchConvs;
import org.nnpan.kernels.gemm.Gemms;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * The CPU backend's convolution kernels (forward, input and weight gradient; the implicit-GEMM path in float32 when
 * the Vector API is on, im2col + GEMM otherwise) against the reference backend's loops, over random geometries:
 * strides 1–3, padding 0–2, 1×1 to 5×5 kernels, odd and tiny images, batch 1 to 5, contiguous and strided inputs.
 */
class ConvPropertyTest {

    private static final int CASES = 120;

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void cpuMatchesReferenceOnRandomGeometries(DType dtype) {
        SplittableRandom rnd = new SplittableRandom(42 + dtype.ordinal());
        for (int i = 0; i < CASES; i++) {
            int pad = rnd.nextInt(3);
            int h = 1 + rnd.nextInt(11);
            int w = 1 + rnd.nextInt(11);
            int kh = 1 + rnd.nextInt(Math.min(5, h + 2 * pad));
            int kw = 1 + rnd.nextInt(Math.min(5, w + 2 * pad));
            Conv2dGeometry g = new Conv2dGeometry(kh, kw, 1 + rnd.nextInt(3), 1 + rnd.nextInt(3), pad, pad);
            check(rnd, dtype, g, new int[] {1 + rnd.nextInt(5), 1 + rnd.nextInt(6), h, w}, 1 + rnd.nextInt(9));
        }
    }

    /**
     * Stride 1 with output rows of 8 to 48 and up to 40 output channels, on both sides of the float32 weight
     * gradient's switches between the row dot-product kernel and the GEMM path (rows of one vector, 32 channels) and
     * with images grouped per reduction.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void cpuMatchesReferenceOnWideStrideOneImages(DType dtype) {
        SplittableRandom rnd = new SplittableRandom(7 + dtype.ordinal());
        for (int i = 0; i < CASES / 4; i++) {
            int pad = rnd.nextInt(3);
            int h = 1 + rnd.nextInt(6);
            int w = 12 + rnd.nextInt(37);
            int kh = 1 + rnd.nextInt(Math.min(5, h + 2 * pad));
            int kw = 1 + rnd.nextInt(5);
            Conv2dGeometry g = new Conv2dGeometry(kh, kw, 1, 1, pad, pad);
            check(rnd, dtype, g, new int[] {1 + rnd.nextInt(5), 1 + rnd.nextInt(4), h, w}, 1 + rnd.nextInt(40));
        }
    }

    /**
     * Output rows of whole vectors (16, 32 or 48 wide) at stride 1 along rows, where the float32 forward and input
     * gradient read their tiles in place from the staged image: odd row counts (a half-width last tile), row strides 1
     * and 2, up to 20 output channels (partial register tiles).
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void cpuMatchesReferenceOnRowsOfWholeVectors(DType dtype) {
        SplittableRandom rnd = new SplittableRandom(3 + dtype.ordinal());
        for (int i = 0; i < CASES / 4; i++) {
            int pad = rnd.nextInt(3);
            int kh = 1 + rnd.nextInt(4);
            int kw = 1 + rnd.nextInt(4);
            int outW = 16 * (1 + rnd.nextInt(3));
            int w = outW + kw - 1 - 2 * pad;
            int h = Math.max(1, kh - 2 * pad) + rnd.nextInt(5);
            Conv2dGeometry g = new Conv2dGeometry(kh, kw, 1 + rnd.nextInt(2), 1, pad, pad);
            check(rnd, dtype, g, new int[] {1 + rnd.nextInt(3), 1 + rnd.nextInt(5), h, w}, 1 + rnd.nextInt(20));
        }
    }

    /**
     * At least a register tile's width (32) of output channels on small maps (6 to 14 wide), strides 1 and 2: the
     * float32 strided forward runs transposed there, with position tiles (partial at the end) and channel panels
     * (partial past 32), and the weight gradient's taps fill partial tiles.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void cpuMatchesReferenceWithManyChannelsOnSmallMaps(DType dtype) {
        SplittableRandom rnd = new SplittableRandom(5 + dtype.ordinal());
        for (int i = 0; i < CASES / 10; i++) {
            int pad = rnd.nextInt(2);
            int size = 6 + rnd.nextInt(7);
            int stride = 1 + rnd.nextInt(2);
            Conv2dGeometry g = new Conv2dGeometry(3, 3, stride, stride, pad, pad);
            check(rnd, dtype, g, new int[] {1 + rnd.nextInt(3), 32 + rnd.nextInt(9), size, size + rnd.nextInt(3)},
                    32 + rnd.nextInt(40));
        }
    }

    /** Forward, input and weight gradient of one random case, CPU backend against the reference. */
    private static void check(SplittableRandom rnd, DType dtype, Conv2dGeometry g, int[] xs, int outChannels) {
        int[] ws = {outChannels, xs[1], g.kh(), g.kw()};
        int[] ys = {xs[0], ws[0], g.outH(xs[2]), g.outW(xs[3])};
        boolean strided = rnd.nextBoolean();
        try (MemoryScope s = MemoryScope.open("conv-property")) {
            Tensor x = input(rnd, dtype, xs, strided);
            Tensor wt = input(rnd, dtype, ws, strided);
            Tensor gy = input(rnd, dtype, ys, strided);
            String what = "x " + java.util.Arrays.toString(xs) + " w " + java.util.Arrays.toString(ws) + " " + g
                    + (strided ? " strided" : "");
            Backend cpu = Backends.cpu();
            Backend ref = Backends.reference();
            compare(what + " forward", ref.conv2d(x, wt, g), cpu.conv2d(x, wt, g), dtype);
            compare(what + " input grad", ref.conv2dInputGrad(gy, wt, xs, g), cpu.conv2dInputGrad(gy, wt, xs, g), dtype);
            compare(what + " weight grad", ref.conv2dWeightGrad(x, gy, ws, g), cpu.conv2dWeightGrad(x, gy, ws, g), dtype);
        }
    }

    /** With the Vector-API GEMM in use (the test JVM adds the module), float32 convolution takes the fast path. */
    @Test
    void fastPathIsUsedWithTheVectorGemm() {
        if ("vector".equals(Gemms.best().name()) && !"off".equals(System.getProperty("nnpan.simd"))) {
            assertNotNull(BatchConvs.best());
        }
    }

    /** Uniform values in [-1, 1]; {@code strided} lays them out transposed, so the view is not contiguous. */
    private static Tensor input(SplittableRandom rnd, DType dtype, int[] shape, boolean strided) {
        Tensor v = Tensor.uniform(rnd, -1, 1, dtype, shape);
        return strided ? v.transpose(0, 3).contiguous().transpose(0, 3) : v;
    }

    private static void compare(String what, Tensor expected, Tensor actual, DType dtype) {
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        if (e.length != a.length) {
            throw new AssertionError(what + ": " + a.length + " elements, expected " + e.length);
        }
        double tolerance = dtype == DType.F32 ? 1e-4 : 1e-10;
        for (int k = 0; k < e.length; k++) {
            if (!(Math.abs(e[k] - a[k]) <= tolerance * (1 + Math.abs(e[k])))) {
                throw new AssertionError(what + ": element " + k + " is " + a[k] + ", reference " + e[k]);
            }
        }
    }
}
