package org.nnpan.kernels.conv;

/**
 * Per-chunk partial sums laid out one after another in one array, as the weight-gradient kernels keep them (each
 * parallel chunk reduces its own images into its own block).
 */
final class ChunkSums {

    private ChunkSums() {
    }

    /**
     * Adds the first {@code count} elements of blocks {@code 1 .. chunks - 1} (each {@code blockSize} long) onto block
     * 0, in chunk order, so the sum depends only on the chunk count.
     */
    static void addInto(float[] sums, int chunks, int blockSize, int count) {
        for (int c = 1; c < chunks; c++) {
            int block = c * blockSize;
            for (int i = 0; i < count; i++) {
                sums[i] += sums[block + i];
            }
        }
    }
}
