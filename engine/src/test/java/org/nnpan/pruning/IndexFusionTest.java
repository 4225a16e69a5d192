package org.nnpan.pruning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nnpan.nn.Sequential;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;

class IndexFusionTest {
    private MemoryScope scope;
    private final Sequential net = TestNets.mlp(new SplittableRandom(1), 3, 2, 2); // layers of 6 and 4 weights

    @BeforeEach
    void open() {
        scope = MemoryScope.open("fusion-test");
    }

    @AfterEach
    void close() {
        scope.close();
    }

    private Scores scores(float... values) {
        return TestNets.scores(net, Arrays.copyOfRange(values, 0, 6),
                Arrays.copyOfRange(values, 6, 10));
    }

    private static final float[] SIGNED = {3, -1, 0.5f, 7, -2, 0, 1e-3f, 4, -6, 2};

    /** The signed z-scores of {@code values} by {@link IndexFusion.Moments}. */
    private double[] zScores(float... values) {
        IndexFusion.Moments m = IndexFusion.Moments.of(scores(values).flat());
        double[] z = new double[values.length];
        for (int i = 0; i < z.length; i++) {
            z[i] = m.zScore(values[i]);
        }
        return z;
    }

    @Test
    void threeMomentsAtOnceAreEachSummedInIndexOrder() {
        SplittableRandom random = new SplittableRandom(5);
        for (int trial = 0; trial < 20; trial++) {
            float[][] values = new float[3][10];
            for (float[] v : values) {
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) ((random.nextDouble() - 0.3) * Math.pow(10, random.nextInt(-3, 6)));
                }
            }
            IndexFusion.Moments[] moments = IndexFusion.Moments.ofThree(scores(values[0]).flat(),
                    scores(values[1]).flat(), scores(values[2]).flat());
            for (int k = 0; k < 3; k++) {
                double sum = 0;
                for (float v : values[k]) {
                    sum += v;
                }
                double mean = sum / 10;
                double squares = 0;
                for (float v : values[k]) {
                    squares += (v - mean) * (v - mean);
                }
                assertEquals(new IndexFusion.Moments(mean, Math.sqrt(squares / 10)), moments[k], "trial " + trial);
            }
        }
    }

    @Test
    void signedZScoreHasMeanZeroAndUnitPopulationStdOverAllLayers() {
        double[] z = zScores(SIGNED);
        double mean = 0;
        double square = 0;
        for (double v : z) {
            mean += v / z.length;
            square += v * v / z.length;
        }
        assertEquals(0, mean, 1e-12);
        assertEquals(1, square, 1e-12);
    }

    @Test
    void absoluteZScoreIsNonNegativeAndTheAbsoluteOfTheSignedOne() {
        float[] abs = IndexFusion.normalise(scores(SIGNED)).flat().toFloatArray();
        double[] z = zScores(SIGNED);
        for (int i = 0; i < abs.length; i++) {
            assertTrue(abs[i] >= 0);
            assertEquals(Math.abs(z[i]), abs[i], 1e-6);
        }
    }

    @Test
    void normalisationIsInvariantToPositiveScaling() {
        float[] scaled = new float[SIGNED.length];
        for (int i = 0; i < scaled.length; i++) {
            scaled[i] = SIGNED[i] * 1e20f; // SynFlow-sized scores, whose squares overflow float32
        }
        assertArrayEquals(IndexFusion.normalise(scores(SIGNED)).flat().toFloatArray(),
                IndexFusion.normalise(scores(scaled)).flat().toFloatArray(), 1e-5f);
    }

    @Test
    void fusionNeedsEqualLayoutsNotTheSameLayoutObject() {
        Scores a = scores(SIGNED);
        Scores b = scores(SIGNED); // its own WeightLayout, equal to a's
        IndexWeights w = new IndexWeights(0.2, 0.5, 0.3);
        assertEquals(10, IndexFusion.ADDITIVE.combine(a, b, a, w).flat().numel());
        Sequential other = TestNets.mlp(new SplittableRandom(1), 2, 3, 2); // layers [3, 2] and [2, 3]
        Scores c = TestNets.scores(other, new float[6], new float[6]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IndexFusion.ADDITIVE.combine(a, b, c, w));
        assertTrue(e.getMessage().contains("different layouts"), e.getMessage());
    }

    @Test
    void constantIndexNormalisesToZero() {
        float[] constant = new float[10];
        Arrays.fill(constant, 5);
        assertArrayEquals(new float[10], IndexFusion.normalise(scores(constant)).flat().toFloatArray());
    }

    @Test
    void additiveAndMultiplicativeFusionFollowTheirFormulas() {
        Scores a = scores(SIGNED);
        Scores b = scores(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        Scores c = scores(0, 0, 0, 1, 0, 0, 0, 0, 0, 0);
        float[] na = IndexFusion.normalise(a).flat().toFloatArray();
        float[] nb = IndexFusion.normalise(b).flat().toFloatArray();
        float[] nc = IndexFusion.normalise(c).flat().toFloatArray();
        IndexWeights w = new IndexWeights(0.2, 0.5, 0.3);
        float[] added = IndexFusion.ADDITIVE.combine(a, b, c, w).flat().toFloatArray();
        float[] multiplied = IndexFusion.MULTIPLICATIVE.combine(a, b, c, w).flat().toFloatArray();
        for (int i = 0; i < 10; i++) {
            assertEquals(0.2 * na[i] + 0.5 * nb[i] + 0.3 * nc[i], added[i], 1e-5);
            assertEquals(Math.pow(na[i], 0.2) * Math.pow(nb[i], 0.5) * Math.pow(nc[i], 0.3), multiplied[i], 1e-5);
        }
    }

    @Test
    void zeroExponentDropsAnIndexEvenWhereItsScoreIsZero() {
        Scores a = scores(SIGNED);
        Scores b = scores(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        Scores zeros = scores(new float[10]);
        float[] fused = IndexFusion.MULTIPLICATIVE.combine(a, zeros, b, new IndexWeights(1, 0, 1)).flat()
                .toFloatArray();
        float[] na = IndexFusion.normalise(a).flat().toFloatArray();
        float[] nb = IndexFusion.normalise(b).flat().toFloatArray();
        for (int i = 0; i < 10; i++) {
            assertEquals(na[i] * nb[i], fused[i], 1e-5);
        }
        assertEquals(DType.F32, IndexFusion.ADDITIVE.combine(a, zeros, b, new IndexWeights(1, 0, 1)).flat().dtype());
    }
}
