package org.nnpan.kernels.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nnpan.kernels.parallel.Parallel;

/** {@link ChunkSums#addInto} gives the bits of adding the chunks one after another, element by element. */
class ChunkSumsTest {

    @Test
    void addsChunksInChunkOrderWithTheBitsOfAPlainLoop() {
        Random random = new Random(5);
        for (int trial = 0; trial < 200; trial++) {
            int chunks = 1 + random.nextInt(9);
            int count = 1 + random.nextInt(trial % 2 == 0 ? 40 : 20_000); // tails, and pieces of the pool's loop
            int blockSize = count + random.nextInt(17);
            float[] sums = new float[chunks * blockSize];
            for (int i = 0; i < sums.length; i++) {
                // Mixed magnitudes and signs, so that another order of the additions rounds differently.
                sums[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(7) - 3));
            }
            float[] expected = sums.clone();
            for (int c = 1; c < chunks; c++) {
                for (int i = 0; i < count; i++) {
                    expected[i] += expected[c * blockSize + i];
                }
            }
            float[] actual = sums.clone();
            int threads = 1 + trial % 2;
            Parallel.callWith(threads, () -> {
                ChunkSums.addInto(actual, chunks, blockSize, count);
                return null;
            });
            for (int i = 0; i < sums.length; i++) {
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
                        "chunks " + chunks + ", count " + count + ", element " + i);
            }
        }
    }
}
