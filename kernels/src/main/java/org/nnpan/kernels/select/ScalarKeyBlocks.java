package org.nnpan.kernels.select;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The {@link KeyBlocks} primitives as plain loops, for JVMs without the Vector API module. Its results are those of
 * {@code VectorKeyBlocks}: the same keys (but for NaN scores, which are rejected anyway, see
 * {@link ScoreKeys#keyOfBits}), the same gathered keys in the same order, the same mask.
 *
 * <p>The per-element work is integer arithmetic without comparisons or conditional moves, so that the JIT
 * auto-vectorises most loops and no loop branches on an element (a comparison compiled to a branch costs a
 * misprediction on every other element when half of them match, as with many ties or a 50% mask).
 */
final class ScalarKeyBlocks extends KeyBlocks {

    static final ScalarKeyBlocks INSTANCE = new ScalarKeyBlocks();

    private static final ValueLayout.OfInt BITS = ValueLayout.JAVA_INT_UNALIGNED;
    private static final int ONE_BITS = Float.floatToRawIntBits(1.0f);
    /** Elements whose matches {@link #gatherMatching} counts before gathering any of them. */
    private static final int GATHER_CHUNK = 64;

    /** Loops stop at a block's length: no padding needed. */
    private ScalarKeyBlocks() {
        super(0);
    }

    @Override
    String name() {
        return "scalar";
    }

    @Override
    void fill(MemorySegment scores, long base, int length, int flip, int[] keys) {
        MemorySegment.copy(scores, BITS, base * Float.BYTES, keys, 0, length);
        for (int i = 0; i < length; i++) {
            keys[i] = ScoreKeys.keyOfBits(keys[i], flip);
        }
    }

    @Override
    int gatherMatching(int[] keys, int length, int prefixMask, int prefix, int[] matched) {
        int count = 0;
        for (int start = 0; start < length; start += GATHER_CHUNK) {
            int end = Math.min(start + GATHER_CHUNK, length);
            // Most chunks of a later pass hold no match: find out with a loop the JIT vectorises.
            int anyMatch = 0;
            for (int i = start; i < end; i++) {
                anyMatch |= isZero((ScoreKeys.unsigned(keys[i]) & prefixMask) ^ prefix);
            }
            if (anyMatch != 0) {
                // Branch-free, as with many ties a match is a coin toss. A key written past the last match is
                // overwritten or stale, like the vector lanes past the count.
                for (int i = start; i < end; i++) {
                    int key = keys[i];
                    matched[count] = key;
                    count += isZero((ScoreKeys.unsigned(key) & prefixMask) ^ prefix);
                }
            }
        }
        return count;
    }

    @Override
    int countEqual(int[] keys, int length, int key) {
        int equal = 0;
        for (int i = 0; i < length; i++) {
            equal += isZero(keys[i] ^ key);
        }
        return equal;
    }

    @Override
    void markKept(int[] keys, int length, int key, int tieLimit, int[] maskBits) {
        int i = 0;
        for (; i < tieLimit; i++) {
            maskBits[i] = ~lessThan(keys[i], key) & ONE_BITS; // keys[i] >= key
        }
        for (; i < length; i++) {
            maskBits[i] = lessThan(key, keys[i]) & ONE_BITS; // keys[i] > key
        }
    }

    /** 1 if {@code x == 0}, else 0. */
    private static int isZero(int x) {
        return ~(x | -x) >>> 31;
    }

    /** -1 (all bits) if {@code a < b}, else 0 (Hacker's Delight 2-12: the sign of a - b, corrected for overflow). */
    private static int lessThan(int a, int b) {
        int difference = a - b;
        return (difference ^ ((a ^ b) & (difference ^ a))) >> 31;
    }
}
