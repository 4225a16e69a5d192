package org.nnpan.kernels.select;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Maps float scores to {@code int} keys whose signed order is the order in which scores are preferred, so selection
 * can work on integer bits alone (radix digits, exact equality, no special float comparisons).
 *
 * <p>For {@link TopK.Order#LARGEST} a larger score gets a larger key; for {@link TopK.Order#SMALLEST} the key is
 * complemented, which reverses the order. {@code -0.0} and {@code +0.0} share one key. NaN keys lie beyond the keys
 * of the infinities, at the two ends of the key range.
 */
final class ScoreKeys {

    private ScoreKeys() {
    }

    /** The value XORed into every key for {@code order}: 0 keeps larger-is-preferred, -1 complements it. */
    static int flip(TopK.Order order) {
        return switch (order) {
            case LARGEST -> 0;
            case SMALLEST -> -1;
        };
    }

    /** The keys of the lanes of {@code scores}; {@code flip} comes from {@link #flip(TopK.Order)}. */
    static IntVector keys(FloatVector scores, int flip) {
        // -0.0f + 0.0f == +0.0f, so both zeros get one key.
        IntVector bits = scores.add(0.0f).reinterpretAsInts();
        // Negative floats order backwards in their magnitude bits: flip those bits, keep the sign.
        IntVector magnitudeFlip = bits.lanewise(VectorOperators.ASHR, 31).and(Integer.MAX_VALUE);
        return bits.lanewise(VectorOperators.XOR, magnitudeFlip).lanewise(VectorOperators.XOR, flip);
    }

    /** The score a key was made from (a zero comes back as {@code +0.0f}). */
    static float score(int key, int flip) {
        int signed = key ^ flip;
        return Float.intBitsToFloat(signed ^ ((signed >> 31) & Integer.MAX_VALUE));
    }

    /** The key as an unsigned value in {@code [0, 2^32)} order, for use as radix digits; its own inverse. */
    static int unsigned(int key) {
        return key ^ Integer.MIN_VALUE;
    }

    /** {@link #unsigned(int)} of every lane. */
    static IntVector unsigned(IntVector keys) {
        return keys.lanewise(VectorOperators.XOR, Integer.MIN_VALUE);
    }
}
