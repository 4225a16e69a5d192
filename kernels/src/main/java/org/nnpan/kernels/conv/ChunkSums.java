package org.nnpan.kernels.conv;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.nnpan.kernels.parallel.Parallel;

/**
 * Per-chunk partial sums laid out one after another in one array, as the weight-gradient kernels keep them (each
 * parallel chunk reduces its own images into its own block), and how many chunks a batch is cut into. Loaded only with
 * the Vector API present (by the vector convolution kernels).
 */
final class ChunkSums {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();

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
        Parallel.get().balancedFor(count, ADD_GRAIN,
                (start, end) -> addRange(sums, chunks, blockSize, (int) start, (int) end));
    }

    /**
     * {@link #addInto} for elements {@code [start, end)}: a vector of block 0 at a time takes every chunk's vector in
     * chunk order and is stored once, then the tail element by element. The same float additions per element, in the
     * same order, as adding one chunk after another; as a plain loop (not vectorised by the JIT, the blocks being in
     * one array) it took 1.4 ns per addition, a tenth of a 64-channel 8x8 Winograd weight gradient on two threads.
     */
    private static void addRange(float[] sums, int chunks, int blockSize, int start, int end) {
        int whole = start + SPECIES.loopBound(end - start);
        for (int i = start; i < whole; i += L) {
            FloatVector total = FloatVector.fromArray(SPECIES, sums, i);
            for (int c = 1; c < chunks; c++) {
                total = total.add(FloatVector.fromArray(SPECIES, sums, c * blockSize + i));
            }
            total.intoArray(sums, i);
        }
        for (int i = whole; i < end; i++) {
            float total = sums[i];
            for (int c = 1; c < chunks; c++) {
                total += sums[c * blockSize + i];
            }
            sums[i] = total;
        }
    }
}
