package org.nnpan.kernels.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link SgemmKernel#startTile} against what it replaces, a zero fill then {@link SgemmKernel#addTile}: the same bits
 * in the tile's block (signed zeros, NaNs, infinities and subnormals included) and nothing written outside it, for
 * random blocks of a larger array holding garbage.
 */
class SgemmKernelTileTest {

    private static final float[] SPECIAL = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
        Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE};

    @Test
    void startTileWritesTheBitsOfAddingOntoZeros() {
        assumeTrue("vector".equals(Gemms.best().name()), "the register kernel needs the Vector API");
        int mr = SgemmKernel.MR;
        int nr = SgemmKernel.NR;
        SplittableRandom rnd = new SplittableRandom(11);
        for (int trial = 0; trial < 100; trial++) {
            float[] acc = new float[mr * nr];
            for (int i = 0; i < acc.length; i++) {
                acc[i] = rnd.nextInt(4) == 0 ? SPECIAL[rnd.nextInt(SPECIAL.length)] : (float) rnd.nextGaussian();
            }
            int ldc = nr * (1 + rnd.nextInt(3));
            int cIndex = rnd.nextInt(20);
            int size = cIndex + (mr - 1) * ldc + nr + rnd.nextInt(20);
            float[] expected = new float[size];
            float[] actual = new float[size];
            Arrays.fill(expected, Float.intBitsToFloat(0x7fc0_1234));
            Arrays.fill(actual, Float.intBitsToFloat(0x7fc0_1234));
            for (int r = 0; r < mr; r++) {
                Arrays.fill(expected, cIndex + r * ldc, cIndex + r * ldc + nr, 0f);
            }
            SgemmKernel.addTile(acc, expected, cIndex, ldc);
            SgemmKernel.startTile(acc, actual, cIndex, ldc);
            for (int i = 0; i < size; i++) {
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
                        "trial " + trial + ", element " + i + " (block at " + cIndex + ", row stride " + ldc + ")");
            }
        }
    }
}
