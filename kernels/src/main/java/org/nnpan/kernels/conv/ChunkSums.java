package org.nnpan.kernels.conv;

import org.nnpan.kernels.parallel.Parallel;

/**
 * Per-chunk partial sums laid out one after another in one array, as the weight-gradient kernels keep them (each
 * parallel chunk reduces its own images into its own block), and how many chunks a batch is cut into.
 */
final class ChunkSums {

    /**
     * Chunks per thread when the pool has more than one: a thread that starts late (a parked worker waking up) or is
     * preempted then leaves its chunks to the others. With one chunk per thread, a two-thread ResNet-32 SNIP call
     * waited 18-24 ms at the weight gradients' joins (fifteenth session).
     */
    private static final int CHUNKS_PER_THREAD = 4;
    /** Sums per piece of {@link #addInto}'s parallel loop. */
    private static final int ADD_GRAIN = 4096;

    private ChunkSums() {
    }

    /**
     * How many chunks a weight gradient over {@code batch} images is cut into: one on a one-thread pool, or when the
     * pool's threads cannot read the tensors ({@code shared} false); otherwise {@value #CHUNKS_PER_THREAD} per
     * thread, at most one per image. Depends only on the batch and the thread count, so the sums do too.
     */
    static int count(int batch, boolean shared) {
        int threads = Parallel.get().threads();
        return !shared || threads == 1 ? 1 : Math.max(1, Math.min(batch, CHUNKS_PER_THREAD * threads));
    }

    /**
     * Adds the first {@code count} elements of blocks {@code 1 .. chunks - 1} (each {@code blockSize} long) onto block
     * 0, in chunk order, so the sum depends only on the chunk count; elements are split among the pool.
     */
    static void addInto(float[] sums, int chunks, int blockSize, int count) {
        if (chunks == 1) {
            return;
        }
        Parallel.get().balancedFor(count, ADD_GRAIN, (start, end) -> {
            for (int c = 1; c < chunks; c++) {
                int block = c * blockSize;
                for (int i = (int) start; i < end; i++) {
                    sums[i] += sums[block + i];
                }
            }
        });
    }
}
