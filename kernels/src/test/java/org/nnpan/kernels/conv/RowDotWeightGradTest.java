package org.nnpan.kernels.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** {@link RowDotWeightGrad#laneTotals} sums each sum's lanes in lane order, as a scalar loop does, bit for bit. */
class RowDotWeightGradTest {

    private static final int L = FloatVector.SPECIES_PREFERRED.length();

    @Test
    void laneTotalsAddEachSumsLanesInLaneOrder() {
        Random random = new Random(9);
        for (int trial = 0; trial < 300; trial++) {
            int count = 1 + random.nextInt(trial % 2 == 0 ? 3 * L : 600); // whole vectors of sums and a tail
            int to = random.nextInt(5);
            float[] lanes = new float[count * L];
            for (int i = 0; i < lanes.length; i++) {
                // Mixed magnitudes and signs, so that another order rounds differently; some negative zeros.
                lanes[i] = i % 37 == 0 ? -0f : (float) (random.nextGaussian() * Math.pow(10, random.nextInt(7) - 3));
            }
            float[] out = new float[to + count];
            RowDotWeightGrad.laneTotals(lanes, count, out, to);
            for (int s = 0; s < count; s++) {
                float expected = 0;
                for (int l = 0; l < L; l++) {
                    expected += lanes[s * L + l];
                }
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(out[to + s]),
                        "sum " + s + " of " + count);
            }
        }
    }
}
