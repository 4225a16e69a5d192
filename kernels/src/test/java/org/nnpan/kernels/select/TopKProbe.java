package org.nnpan.kernels.select;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;

/**
 * Run in a child JVM by {@link KeyBlocksTest}: prints whether the Vector API module is present, which primitives
 * {@link TopK} chose, and whether its public methods match {@link SortOracle} on vectors that take every path
 * (narrow and wide radix digits, partly kept ties, split over threads). With the argument {@code native} it selects on
 * native segments only and prints {@code native right=...}, for a check that nothing on that path creates a heap
 * segment.
 */
public final class TopKProbe {

    private TopKProbe() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("native")) {
            nativeOnly();
            return;
        }
        Random random = new Random(99);
        boolean right = true;
        right &= check(RandomScores.FEW_VALUES.fill(700_000, random), 300_001, TopK.Order.LARGEST);
        right &= check(RandomScores.GAUSSIAN.fill(600_000, random), 12_345, TopK.Order.SMALLEST);
        right &= check(RandomScores.SPECIAL.fill(5_000, random), 2_500, TopK.Order.LARGEST);
        right &= check(RandomScores.ANY_BITS.fill(333, random), 17, TopK.Order.SMALLEST);
        System.out.println("vectorModule=" + KeyBlocks.vectorApiAvailable() + " chosen=" + KeyBlocks.best().name()
                + " right=" + right);
    }

    /** Masks of native segments, as the engine selects them, several times so that the JIT compiles the path. */
    private static void nativeOnly() {
        Random random = new Random(7);
        boolean right = true;
        // Shared: the pool's threads read the scores (TopK's contract).
        try (Arena arena = Arena.ofShared()) {
            for (int round = 0; round < 20; round++) {
                float[] scores = RandomScores.GAUSSIAN.fill(200_000, random);
                int k = 1 + random.nextInt(scores.length);
                MemorySegment in = arena.allocate((long) scores.length * Float.BYTES);
                MemorySegment out = arena.allocate((long) scores.length * Float.BYTES);
                for (int i = 0; i < scores.length; i++) {
                    in.setAtIndex(ValueLayout.JAVA_FLOAT, i, scores[i]);
                }
                TopK.topKMask(in, 0, scores.length, k, TopK.Order.LARGEST, out, 0);
                float[] expected = SortOracle.mask(SortOracle.ranking(scores, TopK.Order.LARGEST), k);
                for (int i = 0; i < scores.length; i++) {
                    right &= out.getAtIndex(ValueLayout.JAVA_FLOAT, i) == expected[i];
                }
            }
        }
        System.out.println("native right=" + right);
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
