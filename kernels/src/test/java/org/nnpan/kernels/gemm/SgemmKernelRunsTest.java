package org.nnpan.kernels.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link SgemmKernel#multiplyInPlaceARuns} against {@link SgemmKernel#multiplyInPlaceA} given the same columns spelled
 * out one by one: the same tile, bit for bit, for random run counts, run lengths (the last run full or shorter), run
 * starts and row offsets.
 */
class SgemmKernelRunsTest {

    @Test
    void runsGiveTheBitsOfTheColumnByColumnKernel() {
        assumeTrue("vector".equals(Gemms.best().name()), "the register kernel needs the Vector API");
        int mr = SgemmKernel.MR;
        int nr = SgemmKernel.NR;
        SplittableRandom rnd = new SplittableRandom(5);
        for (int trial = 0; trial < 200; trial++) {
            int runs = 1 + rnd.nextInt(6);
            int runLength = 1 + rnd.nextInt(40);
            int kc = (runs - 1) * runLength + 1 + (trial % 2 == 0 ? runLength - 1 : rnd.nextInt(runLength));
            float[] a = new float[4000];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) rnd.nextGaussian();
            }
            int[] rows = new int[mr + 3];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = rnd.nextInt(1000);
            }
            int row0 = rnd.nextInt(4);
            int start0 = rnd.nextInt(3);
            int[] starts = new int[start0 + runs];
            int[] columns = new int[kc];
            for (int r = 0; r < runs; r++) {
                starts[start0 + r] = rnd.nextInt(2000);
                for (int p = 0; p < runLength && r * runLength + p < kc; p++) {
                    columns[r * runLength + p] = starts[start0 + r] + p;
                }
            }
            int bIndex = rnd.nextInt(50);
            float[] b = new float[bIndex + kc * nr];
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) rnd.nextGaussian();
            }
            float[] expected = new float[mr * nr];
            float[] actual = new float[mr * nr];
            SgemmKernel.multiplyInPlaceA(kc, a, rows, row0, columns, 0, b, bIndex, expected);
            SgemmKernel.multiplyInPlaceARuns(kc, runLength, a, rows, row0, starts, start0, b, bIndex, actual);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
                        "trial " + trial + ", tile element " + i + ": " + kc + " columns in runs of " + runLength);
            }
        }
    }
}
