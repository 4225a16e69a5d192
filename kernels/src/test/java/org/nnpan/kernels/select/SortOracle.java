package org.nnpan.kernels.select;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/** The obvious top-k: rank all indices by (score in order, index ascending) with a sort; the top k lead. */
final class SortOracle {

    private SortOracle() {
    }

    /** All indices, best first. */
    static long[] ranking(float[] scores, TopK.Order order) {
        // Adding +0.0f makes -0.0f equal to +0.0f under Float.compare.
        Comparator<Integer> byScore = (a, b) -> Float.compare(scores[a] + 0.0f, scores[b] + 0.0f);
        if (order == TopK.Order.LARGEST) {
            byScore = byScore.reversed();
        }
        return IntStream.range(0, scores.length).boxed()
                .sorted(byScore.thenComparing(Comparator.naturalOrder()))
                .mapToLong(Integer::longValue)
                .toArray();
    }

    static long[] topKIndices(long[] ranking, int k) {
        return Arrays.copyOf(ranking, k);
    }

    static float[] mask(long[] ranking, int k) {
        float[] mask = new float[ranking.length];
        for (int j = 0; j < k; j++) {
            mask[(int) ranking[j]] = 1.0f;
        }
        return mask;
    }
}
