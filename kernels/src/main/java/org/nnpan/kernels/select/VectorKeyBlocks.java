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

    @Override
    void fill(MemorySegment scores, long base, int length, int flip, int[] keys) {
        int lanes = FLOATS.length();
        int whole = FLOATS.loopBound(length);
        int i = 0;
        for (; i < whole; i += lanes) {
            FloatVector v = FloatVector.fromMemorySegment(FLOATS, scores, (base + i) * Float.BYTES, NATIVE);
            keys(v, flip).intoArray(keys, i);
        }
        if (i < length) {
            VectorMask<Float> inRange = FLOATS.indexInRange(i, length);
            FloatVector v = FloatVector.fromMemorySegment(FLOATS, scores, (base + i) * Float.BYTES, NATIVE, inRange);
            keys(v, flip).intoArray(keys, i);
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

    /** {@link ScoreKeys#key(float, int)} of every lane. */
    private static IntVector keys(FloatVector scores, int flip) {
        // -0.0f + 0.0f == +0.0f, so both zeros get one key.
        IntVector bits = scores.add(0.0f).reinterpretAsInts();
        // Negative floats order backwards in their magnitude bits: flip those bits, keep the sign.
        IntVector magnitudeFlip = bits.lanewise(VectorOperators.ASHR, 31).and(Integer.MAX_VALUE);
        return bits.lanewise(VectorOperators.XOR, magnitudeFlip).lanewise(VectorOperators.XOR, flip);
    }

    /** {@link ScoreKeys#unsigned(int)} of every lane. */
    private static IntVector unsigned(IntVector keys) {
        return keys.lanewise(VectorOperators.XOR, Integer.MIN_VALUE);
    }
}
