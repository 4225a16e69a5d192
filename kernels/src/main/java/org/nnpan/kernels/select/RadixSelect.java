package org.nnpan.kernels.select;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.nnpan.kernels.parallel.Parallel;

/**
 * Finds the selection boundary of a top-k in O(n): a radix select on the 32-bit {@link ScoreKeys keys}, one
 * histogram pass over all elements per digit, most significant digit first, each pass counting only the keys that
 * match the digits already chosen. Only when some but not all of the elements equal to the k-th key are kept, a
 * counting pass then locates the last kept one in index order.
 *
 * <p>Histograms are summed from per-chunk integer counts, so every result is independent of the thread count.
 * The block primitives come from a {@link KeyBlocks}, vector or scalar, with identical results.
 *
 * <p>Digit widths are listed most significant first and sum to 32. The first digit has at least 9 bits, so the
 * buckets at its two ends hold exactly the keys with an all-ones exponent: +-Infinity and NaN.
 */
final class RadixSelect {

    /** Two passes; for large vectors, where a pass over the data costs more than 2^16 buckets. */
    private static final int[] WIDE_DIGITS = {16, 16};
    /** Three passes over small histograms; for small vectors, where the buckets dominate. */
    private static final int[] NARROW_DIGITS = {11, 11, 10};
    /** Measured: at 2^18 elements the narrow digits are faster, at 2^20 the wide ones. */
    private static final long WIDE_DIGITS_MIN_N = 1 << 19;
    private static final int SIGN_AND_EXPONENT_BITS = 9;

    /** The k-th key, how many keys are above it and how many equal it. */
    record Cut(int key, long above, long equal) {
    }

    /** A chosen digit and how many counted keys lie in higher buckets. */
    private record Digit(int value, long above) {
    }

    private RadixSelect() {
    }

    /**
     * The boundary of the {@code k} elements with the largest keys: they are the elements whose key exceeds
     * {@code key}, then those equal to it up to index {@code lastTie} inclusive.
     *
     * @throws IllegalArgumentException if a score is NaN
     */
    static Threshold threshold(KeyBlocks blocks, MemorySegment scores, long n, long k, int flip) {
        Cut cut = cut(blocks, scores, n, k, flip);
        long ties = k - cut.above();
        long lastTie = ties == cut.equal() ? n - 1 : indexOfEqual(blocks, scores, n, flip, cut.key(), ties);
        return new Threshold(cut.key(), lastTie);
    }

    /**
     * The cut at the {@code k}-th largest key, {@code 0 <= k <= n}.
     *
     * @throws IllegalArgumentException if a score is NaN
     */
    static Cut cut(KeyBlocks blocks, MemorySegment scores, long n, long k, int flip) {
        int[] widths = n >= WIDE_DIGITS_MIN_N ? WIDE_DIGITS : NARROW_DIGITS;
        // The unsigned key bits fixed so far, and which bits those are.
        int prefix = 0;
        int prefixMask = 0;
        int shift = Integer.SIZE;
        long above = 0;
        long equal = 0;
        for (int width : widths) {
            shift -= width;
            int[] histogram = histogram(blocks, scores, n, flip, prefixMask, prefix, shift, width);
            if (prefixMask == 0) {
                if (reachesEdges(histogram, width)) {
                    rejectNaN(scores, n);
                }
                if (k == 0) {
                    // Selects nothing: no key exceeds MAX_VALUE and only a NaN could equal it.
                    return new Cut(Integer.MAX_VALUE, 0, 0);
                }
            }
            Digit digit = pick(histogram, k - above);
            above += digit.above();
            equal = histogram[digit.value()];
            prefix |= digit.value() << shift;
            prefixMask |= ((1 << width) - 1) << shift;
        }
        return new Cut(ScoreKeys.unsigned(prefix), above, equal); // unsigned() is its own inverse
    }

    /**
     * Counts the keys whose unsigned form {@code u} has {@code (u & prefixMask) == prefix}, by the {@code width}-bit
     * digit at {@code shift}.
     */
    private static int[] histogram(KeyBlocks blocks, MemorySegment scores, long n, int flip, int prefixMask,
                                   int prefix, int shift, int width) {
        int buckets = 1 << width;
        int[] total = new int[buckets];
        Parallel.get().parallelFor(n, KeyBlocks.GRAIN, (start, end) -> {
            int[] counts = new int[buckets];
            int[] matched = blocks.buffer();
            blocks.scan(scores, start, end, flip, blocks.buffer(), (keys, length, base) -> {
                boolean all = prefixMask == 0;
                int[] counted = all ? keys : matched;
                int count = all ? length : blocks.gatherMatching(keys, length, prefixMask, prefix, matched);
                for (int i = 0; i < count; i++) {
                    counts[(ScoreKeys.unsigned(counted[i]) >>> shift) & (buckets - 1)]++;
                }
            });
            synchronized (total) {
                for (int b = 0; b < buckets; b++) {
                    total[b] += counts[b];
                }
            }
        });
        return total;
    }

    /** The highest bucket at which the running count from the top reaches {@code k}. */
    private static Digit pick(int[] histogram, long k) {
        long above = 0;
        for (int b = histogram.length - 1; ; b--) {
            if (above + histogram[b] >= k) {
                return new Digit(b, above);
            }
            above += histogram[b];
        }
    }

    /** Whether a first-digit histogram counts keys with an all-ones exponent (+-Infinity or NaN). */
    private static boolean reachesEdges(int[] histogram, int width) {
        int edgeBuckets = 1 << (width - SIGN_AND_EXPONENT_BITS);
        for (int b = 0; b < edgeBuckets; b++) {
            if (histogram[b] != 0 || histogram[histogram.length - 1 - b] != 0) {
                return true;
            }
        }
        return false;
    }

    private static void rejectNaN(MemorySegment scores, long n) {
        for (long i = 0; i < n; i++) {
            if (Float.isNaN(scores.getAtIndex(ValueLayout.JAVA_FLOAT, i))) {
                throw new IllegalArgumentException("score at index " + i + " is NaN");
            }
        }
    }

    /** The index of the {@code nth} (1-based) element, in index order, whose key equals {@code key}. */
    private static long indexOfEqual(KeyBlocks blocks, MemorySegment scores, long n, int flip, int key, long nth) {
        int blockCount = (int) ((n + KeyBlocks.BLOCK - 1) / KeyBlocks.BLOCK);
        int[] equalPerBlock = new int[blockCount];
        Parallel.get().parallelFor(blockCount, KeyBlocks.GRAIN / KeyBlocks.BLOCK, (first, last) -> {
            int[] keys = blocks.buffer();
            for (int b = (int) first; b < last; b++) {
                int length = blockLength(b, n);
                blocks.fill(scores, blockStart(b), length, flip, keys);
                equalPerBlock[b] = blocks.countEqual(keys, length, key);
            }
        });
        long remaining = nth;
        int b = 0;
        while (equalPerBlock[b] < remaining) {
            remaining -= equalPerBlock[b++];
        }
        int[] keys = blocks.buffer();
        blocks.fill(scores, blockStart(b), blockLength(b, n), flip, keys);
        for (int i = 0; ; i++) {
            if (keys[i] == key && --remaining == 0) {
                return blockStart(b) + i;
            }
        }
    }

    private static long blockStart(int block) {
        return (long) block * KeyBlocks.BLOCK;
    }

    private static int blockLength(int block, long n) {
        return (int) Math.min(KeyBlocks.BLOCK, n - blockStart(block));
    }
}
