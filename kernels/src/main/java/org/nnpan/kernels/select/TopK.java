package org.nnpan.kernels.select;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Objects;
import org.nnpan.kernels.parallel.Parallel;

/**
 * Exact, deterministic top-k selection over a flat float32 vector in O(n), for global pruning over all weights of
 * a network.
 *
 * <p>Scores are read from a {@link MemorySegment} as {@code n} floats starting {@code offset} elements in (or
 * from a whole {@code float[]}). The selection is a radix select on order-preserving integer keys of the scores,
 * parallelised on {@link Parallel}; results do not depend on the thread count. It is vectorised with the Vector API
 * when the JVM runs with {@code --add-modules jdk.incubator.vector}, and runs as plain loops, with the same results,
 * without it (e.g. under {@code java -jar}) or with {@code -Dnnpan.simd=off}.
 * It reads the scores two or three times (once more when only some of the scores equal to the k-th are kept);
 * a mask costs one more read and the write.
 *
 * <p>Semantics shared by all methods:
 * <ul>
 *   <li>Exactly {@code k} elements are selected. Among equal scores the lower index is selected first, so of the
 *       elements equal to the k-th score, the ones with the lowest indices are kept.</li>
 *   <li>{@code -0.0f} and {@code +0.0f} are the same score; infinities are ordinary scores.</li>
 *   <li>A NaN score is rejected with an {@link IllegalArgumentException} naming the first NaN index.</li>
 *   <li>{@code n} may be at most {@link Integer#MAX_VALUE}.</li>
 *   <li>The system property {@code nnpan.simd} ({@code auto}, {@code on} or {@code off}) may force the Vector API
 *       path on or off; a value it does not accept, or {@code on} without the module, makes every method throw
 *       ({@link IllegalArgumentException}, {@link IllegalStateException}).</li>
 *   <li>Large inputs are read (and masks written) by the pool's threads, so their segments must be accessible
 *       from any thread: global, automatic or shared arenas, or heap arrays; not confined ones.</li>
 * </ul>
 */
public final class TopK {

    /** Which end of the score order is selected. */
    public enum Order {
        /** The {@code k} largest scores. */
        LARGEST,
        /** The {@code k} smallest scores. */
        SMALLEST
    }

    private TopK() {
    }

    /**
     * The k-th score in {@code order}: the k-th largest for {@link Order#LARGEST}, the k-th smallest for
     * {@link Order#SMALLEST}. A zero is returned as {@code +0.0f}.
     *
     * @param k 1-based rank, in {@code [1, n]}
     * @throws IllegalArgumentException if {@code k} is out of range or a score is NaN
     */
    public static float kthValue(MemorySegment scores, long offset, long n, long k, Order order) {
        return kthValue(KeyBlocks.best(), scores, offset, n, k, order);
    }

    /** {@link #kthValue(MemorySegment, long, long, long, Order)} on the primitives of {@code blocks}. */
    static float kthValue(KeyBlocks blocks, MemorySegment scores, long offset, long n, long k, Order order) {
        MemorySegment values = slice(scores, offset, n);
        checkK(k, 1, n);
        int flip = ScoreKeys.flip(order);
        return ScoreKeys.score(RadixSelect.cut(blocks, values, n, k, flip).key(), flip);
    }

    /** {@link #kthValue(MemorySegment, long, long, long, Order)} over all of {@code scores}. */
    public static float kthValue(float[] scores, long k, Order order) {
        return kthValue(MemorySegment.ofArray(scores), 0, scores.length, k, order);
    }

    /**
     * Writes a float32 mask of {@code n} elements at element {@code maskOffset} of {@code maskOut}: {@code 1.0f} for
     * the {@code k} selected scores and {@code 0.0f} elsewhere. The mask may be the score range itself (in-place),
     * but must not overlap it otherwise.
     *
     * @param k number of scores to keep, in {@code [0, n]}
     * @throws IllegalArgumentException if {@code k} is out of range or a score is NaN
     */
    public static void topKMask(MemorySegment scores, long offset, long n, long k, Order order,
                                MemorySegment maskOut, long maskOffset) {
        topKMask(KeyBlocks.best(), scores, offset, n, k, order, maskOut, maskOffset);
    }

    /**
     * {@link #topKMask(MemorySegment, long, long, long, Order, MemorySegment, long)} on the primitives of
     * {@code blocks}.
     */
    static void topKMask(KeyBlocks blocks, MemorySegment scores, long offset, long n, long k, Order order,
                         MemorySegment maskOut, long maskOffset) {
        MemorySegment values = slice(scores, offset, n);
        MemorySegment mask = slice(maskOut, maskOffset, n);
        checkK(k, 0, n);
        int flip = ScoreKeys.flip(order);
        Threshold threshold = RadixSelect.threshold(blocks, values, n, k, flip);
        Parallel.get().parallelFor(n, KeyBlocks.GRAIN, (start, end) -> {
            int[] maskBits = blocks.buffer();
            blocks.scan(values, start, end, flip, blocks.buffer(), (keys, length, base) -> {
                blocks.markKept(keys, length, threshold.key(), threshold.tieLimit(base, length), maskBits);
                MemorySegment.copy(maskBits, 0, mask, ValueLayout.JAVA_INT, base * Float.BYTES, length);
            });
        });
    }

    /** {@link #topKMask(MemorySegment, long, long, long, Order, MemorySegment, long)} over all of {@code scores}. */
    public static void topKMask(float[] scores, long k, Order order, float[] maskOut) {
        if (maskOut.length != scores.length) {
            throw new IllegalArgumentException(
                    "mask length " + maskOut.length + " differs from score count " + scores.length);
        }
        topKMask(MemorySegment.ofArray(scores), 0, scores.length, k, order, MemorySegment.ofArray(maskOut), 0);
    }

    /**
     * The indices (relative to {@code offset}) of the {@code k} selected scores, best first: sorted by score in
     * {@code order}, then by ascending index. Meant for small {@code k}: O(n + k log k), the final scan serial.
     *
     * @param k number of scores to select, in {@code [0, n]}
     * @throws IllegalArgumentException if {@code k} is out of range or a score is NaN
     */
    public static long[] topKIndices(MemorySegment scores, long offset, long n, int k, Order order) {
        return topKIndices(KeyBlocks.best(), scores, offset, n, k, order);
    }

    /** {@link #topKIndices(MemorySegment, long, long, int, Order)} on the primitives of {@code blocks}. */
    static long[] topKIndices(KeyBlocks blocks, MemorySegment scores, long offset, long n, int k, Order order) {
        MemorySegment values = slice(scores, offset, n);
        checkK(k, 0, n);
        int flip = ScoreKeys.flip(order);
        Threshold threshold = RadixSelect.threshold(blocks, values, n, k, flip);
        long[] indices = new long[k];
        // Sort entries pack (complemented key, rank in index order): ascending longs give descending keys, then
        // ascending indices.
        long[] entries = new long[k];
        int found = 0;
        int[] keys = blocks.buffer();
        for (long base = 0; found < k; base += KeyBlocks.BLOCK) {
            int length = (int) Math.min(KeyBlocks.BLOCK, n - base);
            blocks.fill(values, base, length, flip, keys);
            for (int i = 0; i < length; i++) {
                if (threshold.keeps(keys[i], base + i)) {
                    indices[found] = base + i;
                    entries[found] = (long) ~keys[i] << Integer.SIZE | found;
                    found++;
                }
            }
        }
        Arrays.sort(entries);
        long[] sorted = new long[k];
        for (int j = 0; j < k; j++) {
            sorted[j] = indices[(int) entries[j]];
        }
        return sorted;
    }

    /** {@link #topKIndices(MemorySegment, long, long, int, Order)} over all of {@code scores}. */
    public static long[] topKIndices(float[] scores, int k, Order order) {
        return topKIndices(MemorySegment.ofArray(scores), 0, scores.length, k, order);
    }

    /** The {@code n} floats at element {@code offset} of {@code segment}, bounds-checked. */
    private static MemorySegment slice(MemorySegment segment, long offset, long n) {
        Objects.requireNonNull(segment, "segment");
        if (n < 0 || n > Integer.MAX_VALUE || offset < 0) {
            throw new IllegalArgumentException(
                    "need 0 <= n <= " + Integer.MAX_VALUE + " and offset >= 0, got n = " + n + ", offset = " + offset);
        }
        return segment.asSlice(Math.multiplyExact(offset, Float.BYTES), n * Float.BYTES);
    }

    private static void checkK(long k, long min, long n) {
        if (k < min || k > n) {
            throw new IllegalArgumentException("k = " + k + " is outside [" + min + ", " + n + "]");
        }
    }
}
