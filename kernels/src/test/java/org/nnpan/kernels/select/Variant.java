package org.nnpan.kernels.select;

import java.lang.foreign.MemorySegment;

/**
 * The ways the tests run {@link TopK}: through its public methods (on whatever {@link KeyBlocks#best()} picks),
 * and on each set of {@link KeyBlocks} primitives explicitly. Mirrors the public methods of {@link TopK}.
 */
enum Variant {
    /** {@link TopK}'s public methods; under surefire, which adds the Vector API module, they use the vector path. */
    PUBLIC,
    /** The Vector API primitives. */
    VECTOR,
    /** The plain-loop primitives, as used without the Vector API module. */
    SCALAR;

    /** The primitives this variant forces, or {@code null} for the public methods' own choice. */
    private KeyBlocks blocks() {
        return switch (this) {
            case PUBLIC -> null;
            case VECTOR -> KeyBlocks.vector();
            case SCALAR -> KeyBlocks.scalar();
        };
    }

    float kthValue(MemorySegment scores, long offset, long n, long k, TopK.Order order) {
        KeyBlocks blocks = blocks();
        return blocks == null ? TopK.kthValue(scores, offset, n, k, order)
                : TopK.kthValue(blocks, scores, offset, n, k, order);
    }

    float kthValue(float[] scores, long k, TopK.Order order) {
        return blocks() == null ? TopK.kthValue(scores, k, order)
                : kthValue(MemorySegment.ofArray(scores), 0, scores.length, k, order);
    }

    void topKMask(MemorySegment scores, long offset, long n, long k, TopK.Order order, MemorySegment maskOut,
                  long maskOffset) {
        KeyBlocks blocks = blocks();
        if (blocks == null) {
            TopK.topKMask(scores, offset, n, k, order, maskOut, maskOffset);
        } else {
            TopK.topKMask(blocks, scores, offset, n, k, order, maskOut, maskOffset);
        }
    }

    void topKMask(float[] scores, long k, TopK.Order order, float[] maskOut) {
        if (blocks() == null || maskOut.length != scores.length) {
            // The length check is the public method's own; it runs before any primitive.
            TopK.topKMask(scores, k, order, maskOut);
        } else {
            topKMask(MemorySegment.ofArray(scores), 0, scores.length, k, order, MemorySegment.ofArray(maskOut), 0);
        }
    }

    long[] topKIndices(MemorySegment scores, long offset, long n, int k, TopK.Order order) {
        KeyBlocks blocks = blocks();
        return blocks == null ? TopK.topKIndices(scores, offset, n, k, order)
                : TopK.topKIndices(blocks, scores, offset, n, k, order);
    }

    long[] topKIndices(float[] scores, int k, TopK.Order order) {
        return blocks() == null ? TopK.topKIndices(scores, k, order)
                : topKIndices(MemorySegment.ofArray(scores), 0, scores.length, k, order);
    }
}
