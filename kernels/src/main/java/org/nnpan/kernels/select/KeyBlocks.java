package org.nnpan.kernels.select;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Turns a float32 segment into {@link ScoreKeys keys} a cache-sized block at a time, with the Vector API, so every
 * selection pass runs its own loop over a plain {@code int[]} of keys.
 */
final class KeyBlocks {

    static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, FLOATS.vectorShape());

    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    /** Elements per block: 16 KiB of keys, comfortably inside L1 together with a pass's output. */
    static final int BLOCK = 4096;

    /** Smallest number of elements worth handing to another thread. */
    static final long GRAIN = 1 << 16;

    /** Work on one block: {@code keys[0, length)} are the keys of the elements at {@code [base, base + length)}. */
    @FunctionalInterface
    interface Body {
        void accept(int[] keys, int length, long base);
    }

    private KeyBlocks() {
    }

    /**
     * A key buffer for one thread. It has room for a whole vector past the end of a block, so vector loops over the
     * keys need no scalar tail (lanes past {@code length} hold stale keys and must not be used).
     */
    static int[] buffer() {
        return new int[BLOCK + INTS.length()];
    }

    /** Writes the keys of {@code scores[base, base + length)}, {@code length <= BLOCK}, to {@code keys[0, length)}. */
    static void fill(MemorySegment scores, long base, int length, int flip, int[] keys) {
        int lanes = FLOATS.length();
        int whole = FLOATS.loopBound(length);
        int i = 0;
        for (; i < whole; i += lanes) {
            FloatVector v = FloatVector.fromMemorySegment(FLOATS, scores, (base + i) * Float.BYTES, NATIVE);
            ScoreKeys.keys(v, flip).intoArray(keys, i);
        }
        if (i < length) {
            VectorMask<Float> inRange = FLOATS.indexInRange(i, length);
            FloatVector v = FloatVector.fromMemorySegment(FLOATS, scores, (base + i) * Float.BYTES, NATIVE, inRange);
            ScoreKeys.keys(v, flip).intoArray(keys, i);
        }
    }

    /** Calls {@code body} for each block of {@code scores[start, end)}, in index order, filling {@code keys}. */
    static void scan(MemorySegment scores, long start, long end, int flip, int[] keys, Body body) {
        for (long base = start; base < end; base += BLOCK) {
            int length = (int) Math.min(BLOCK, end - base);
            fill(scores, base, length, flip, keys);
            body.accept(keys, length, base);
        }
    }
}
