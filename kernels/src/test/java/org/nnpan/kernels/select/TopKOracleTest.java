package org.nnpan.kernels.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property tests: every method agrees with {@link SortOracle} on random vectors of each {@link RandomScores} shape,
 * through the public methods and on both sets of primitives ({@link Variant}); the costly oracle ranking is shared.
 */
class TopKOracleTest {

    @Test
    void smallVectorsMatchTheOracle() {
        Random random = new Random(20240601);
        for (int trial = 0; trial < 3000; trial++) {
            int n = trial % 4 == 0 ? random.nextInt(4) : random.nextInt(400);
            RandomScores shape = pick(random);
            TopK.Order order = random.nextBoolean() ? TopK.Order.LARGEST : TopK.Order.SMALLEST;
            float[] scores = shape.fill(n, random);
            int k = random.nextInt(n + 1);
            check(scores, k, order, SortOracle.ranking(scores, order), "trial " + trial + ", " + shape);
        }
    }

    @Test
    void largeVectorsMatchTheOracle() {
        Random random = new Random(7);
        for (RandomScores shape : RandomScores.values()) {
            // Sizes on both sides of the switch between narrow and wide radix digits, all split over threads.
            int n = (shape.ordinal() % 2 == 0 ? 900_000 : 200_000) + random.nextInt(200_000);
            float[] scores = shape.fill(n, random);
            for (TopK.Order order : TopK.Order.values()) {
                long[] ranking = SortOracle.ranking(scores, order);
                for (int k : new int[] {0, 1, n / 50, random.nextInt(n + 1), n / 2, n - 1, n}) {
                    check(scores, k, order, ranking, shape + " n=" + n);
                }
            }
        }
    }

    private static RandomScores pick(Random random) {
        RandomScores[] shapes = RandomScores.values();
        return shapes[random.nextInt(shapes.length)];
    }

    private static void check(float[] scores, int k, TopK.Order order, long[] ranking, String context) {
        float[] expectedMask = SortOracle.mask(ranking, k);
        long[] expectedIndices = SortOracle.topKIndices(ranking, k);
        for (Variant variant : Variant.values()) {
            String where = variant + ": " + context + ", " + order + ", n=" + scores.length + ", k=" + k;
            float[] mask = new float[scores.length];
            variant.topKMask(scores, k, order, mask);
            assertArrayEquals(expectedMask, mask, where);
            assertEquals(k, countOnes(mask), where);
            assertArrayEquals(expectedIndices, variant.topKIndices(scores, k, order), where);
            if (k > 0) {
                float expected = scores[(int) ranking[k - 1]] + 0.0f;
                assertEquals(Float.floatToRawIntBits(expected),
                        Float.floatToRawIntBits(variant.kthValue(scores, k, order)), where);
            }
        }
    }

    private static int countOnes(float[] mask) {
        int ones = 0;
        for (float m : mask) {
            ones += m == 1.0f ? 1 : 0;
        }
        return ones;
    }
}
