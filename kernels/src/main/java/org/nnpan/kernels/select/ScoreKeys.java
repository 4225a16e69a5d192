package org.nnpan.kernels.select;

/**
 * Maps float scores to {@code int} keys whose signed order is the order in which scores are preferred, so selection
 * can work on integer bits alone (radix digits, exact equality, no special float comparisons).
 *
 * <p>For {@link TopK.Order#LARGEST} a larger score gets a larger key; for {@link TopK.Order#SMALLEST} the key is
 * complemented, which reverses the order. {@code -0.0} and {@code +0.0} share one key. NaN keys lie beyond the keys
 * of the infinities, at the two ends of the key range.
 *
 * <p>{@link KeyBlocks} implementations compute the same keys a block at a time: {@code VectorKeyBlocks} lane-wise
 * with the Vector API, {@link ScalarKeyBlocks} with {@link #key(float, int)}.
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

    /** The key of {@code score}; {@code flip} comes from {@link #flip(TopK.Order)}. */
    static int key(float score, int flip) {
        // -0.0f + 0.0f == +0.0f, so both zeros get one key.
        int bits = Float.floatToRawIntBits(score + 0.0f);
        // Negative floats order backwards in their magnitude bits: flip those bits, keep the sign.
        return bits ^ (bits >> 31 & Integer.MAX_VALUE) ^ flip;
    }

    /**
     * {@link #key(float, int)} of the score with raw bits {@code bits}, in integer arithmetic only (which the JIT
     * vectorises). Equal to it for every score but NaN, whose keys may differ in the quiet bit but still lie at the
     * ends of the key range.
     */
    static int keyOfBits(int bits, int flip) {
        // -0.0f is the only score with bits MIN_VALUE: clear them. (x | -x) has its sign bit set iff x != 0.
        int notMinusZero = bits ^ Integer.MIN_VALUE;
        int zeroBits = bits & ((notMinusZero | -notMinusZero) >> 31);
        return zeroBits ^ (zeroBits >> 31 & Integer.MAX_VALUE) ^ flip;
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
}
