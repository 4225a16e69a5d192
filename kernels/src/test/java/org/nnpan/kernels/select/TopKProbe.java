package org.nnpan.kernels.select;

import java.util.Arrays;
import java.util.Random;

/**
 * Run in a child JVM by {@link KeyBlocksTest}: prints whether the Vector API module is present, which primitives
 * {@link TopK} chose, and whether its public methods match {@link SortOracle} on vectors that take every path
 * (narrow and wide radix digits, partly kept ties, split over threads).
 */
public final class TopKProbe {

    private TopKProbe() {
    }

    public static void main(String[] args) {
        Random random = new Random(99);
        boolean right = true;
        right &= check(RandomScores.FEW_VALUES.fill(700_000, random), 300_001, TopK.Order.LARGEST);
        right &= check(RandomScores.GAUSSIAN.fill(600_000, random), 12_345, TopK.Order.SMALLEST);
        right &= check(RandomScores.SPECIAL.fill(5_000, random), 2_500, TopK.Order.LARGEST);
        right &= check(RandomScores.ANY_BITS.fill(333, random), 17, TopK.Order.SMALLEST);
        System.out.println("vectorModule=" + KeyBlocks.vectorApiAvailable() + " chosen=" + KeyBlocks.best().name()
                + " right=" + right);
    }

    private static boolean check(float[] scores, int k, TopK.Order order) {
        long[] ranking = SortOracle.ranking(scores, order);
        float[] mask = new float[scores.length];
        TopK.topKMask(scores, k, order, mask);
        boolean right = Arrays.equals(SortOracle.mask(ranking, k), mask)
                && Arrays.equals(SortOracle.topKIndices(ranking, k), TopK.topKIndices(scores, k, order))
                && Float.floatToRawIntBits(scores[(int) ranking[k - 1]] + 0.0f)
                        == Float.floatToRawIntBits(TopK.kthValue(scores, k, order));
        if (!right) {
            System.out.println("wrong: n=" + scores.length + ", k=" + k + ", " + order);
        }
        return right;
    }
}
