package org.nnpan.kernels.select;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The {@link KeyBlocks} primitives with the Vector API, on the preferred species. The only class of the package
 * that links against {@code jdk.incubator.vector}: {@link KeyBlocks#vector()} loads it reflectively, and only when
 * the module is present.
 */
final class VectorKeyBlocks extends KeyBlocks {

    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> INTS = VectorSpecies.of(int.class, FLOATS.vectorShape());

    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final int ONE_BITS = Float.floatToRawIntBits(1.0f);

    /** Buffers have room for a whole vector past the end of a block (lanes past a block's length are stale). */
    VectorKeyBlocks() {
        super(INTS.length());
    }

    @Override
    String name() {
        return "vector";
    }

    /**
     * Reads the scores' bits as ints, never as floats reinterpreted: {@code reinterpretAsInts()} runs, until C2 has
     * compiled it, through a heap segment, and the first heap segment a JVM creates invalidates every compiled method
     * that assumed native segments were the only kind (166 methods recompiled in the first steps of a Panning run).
     */
    @Override
    void fill(MemorySegment scores, long base, int length, int flip, int[] keys) {
        int lanes = INTS.length();
        int whole = INTS.loopBound(length);
        int i = 0;
        for (; i < whole; i += lanes) {
            IntVector bits = IntVector.fromMemorySegment(INTS, scores, (base + i) * Float.BYTES, NATIVE);
            keys(bits, flip).intoArray(keys, i);
        }
        if (i < length) {
            VectorMask<Integer> inRange = INTS.indexInRange(i, length);
            IntVector bits = IntVector.fromMemorySegment(INTS, scores, (base + i) * Float.BYTES, NATIVE, inRange);
            keys(bits, flip).intoArray(keys, i);
        }
    }

    @Override
    int gatherMatching(int[] keys, int length, int prefixMask, int prefix, int[] matched) {
        int count = 0;
        for (int i = 0; i < length; i += INTS.length()) {
            IntVector k = IntVector.fromArray(INTS, keys, i);
            VectorMask<Integer> match = unsigned(k).and(prefixMask).compare(VectorOperators.EQ, prefix)
                    .and(INTS.indexInRange(i, length));
            // Most vectors of a later pass hold no match; with many ties, matches are a coin toss: no lane branches.
            if (match.anyTrue()) {
                k.compress(match).intoArray(matched, count);
                count += match.trueCount();
            }
        }
        return count;
    }

    @Override
    int countEqual(int[] keys, int length, int key) {
        int equal = 0;
        for (int i = 0; i < length; i += INTS.length()) {
            equal += IntVector.fromArray(INTS, keys, i).compare(VectorOperators.EQ, key)
                    .and(INTS.indexInRange(i, length)).trueCount();
        }
        return equal;
    }

    @Override
    void markKept(int[] keys, int length, int key, int tieLimit, int[] maskBits) {
        IntVector zero = IntVector.zero(INTS);
        for (int i = 0; i < length; i += INTS.length()) {
            IntVector k = IntVector.fromArray(INTS, keys, i);
            VectorMask<Integer> tieKept = k.compare(VectorOperators.EQ, key).and(INTS.indexInRange(i, tieLimit));
            VectorMask<Integer> kept = k.compare(VectorOperators.GT, key).or(tieKept);
            zero.blend(ONE_BITS, kept).intoArray(maskBits, i);
        }
    }

    /** {@link ScoreKeys#keyOfBits} of every lane's score bits. */
    private static IntVector keys(IntVector bits, int flip) {
        // -0.0f (bits MIN_VALUE) gets +0.0f's key.
        IntVector zeroed = bits.blend(0, bits.compare(VectorOperators.EQ, Integer.MIN_VALUE));
        // Negative floats order backwards in their magnitude bits: flip those bits, keep the sign.
        IntVector magnitudeFlip = zeroed.lanewise(VectorOperators.ASHR, 31).and(Integer.MAX_VALUE);
        return zeroed.lanewise(VectorOperators.XOR, magnitudeFlip).lanewise(VectorOperators.XOR, flip);
    }

    /** {@link ScoreKeys#unsigned(int)} of every lane. */
    private static IntVector unsigned(IntVector keys) {
        return keys.lanewise(VectorOperators.XOR, Integer.MIN_VALUE);
    }
}
