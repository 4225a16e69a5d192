package org.nnpan.kernels.select;

/**
 * Which elements a top-k keeps: every element whose key exceeds {@code key}, and those whose key equals it at
 * indices up to {@code lastTie} inclusive.
 */
record Threshold(int key, long lastTie) {

    /**
     * For a block of {@code length} elements starting at index {@code base}: the block positions below the
     * returned bound may be kept on a tie.
     */
    int tieLimit(long base, int length) {
        return Math.clamp(lastTie - base + 1, 0, length);
    }

    /** Whether the element at {@code index} with key {@code elementKey} is kept. */
    boolean keeps(int elementKey, long index) {
        return elementKey > key || elementKey == key && index <= lastTie;
    }
}
