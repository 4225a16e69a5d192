package org.nnpan.kernels.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Per-thread scratch arrays: sizes, reuse, separation by index, instance and thread, zeroing. */
class ThreadScratchTest {

    @Test
    void arraysAreLongEnoughAndReusedUntilOutgrown() {
        ThreadScratch scratch = new ThreadScratch();
        SplittableRandom rnd = new SplittableRandom(3);
        int[] largest = new int[4];
        float[][] last = new float[4][];
        for (int i = 0; i < 200; i++) {
            int index = rnd.nextInt(4);
            int size = rnd.nextInt(1000);
            float[] a = scratch.floats(index, size);
            assertTrue(a.length >= size, "array " + index + " shorter than asked");
            if (size <= largest[index]) {
                assertSame(last[index], a, "array " + index + " reallocated although it was long enough");
            }
            largest[index] = Math.max(largest[index], size);
            last[index] = a;
        }
        for (int i = 0; i < 4; i++) {
            for (int j = i + 1; j < 4; j++) {
                assertNotSame(last[i], last[j], "indices " + i + " and " + j + " share an array");
            }
        }
    }

    @Test
    void zeroedClearsOnlyTheRequestedPrefix() {
        ThreadScratch scratch = new ThreadScratch();
        float[] a = scratch.floats(0, 10);
        java.util.Arrays.fill(a, 7f);
        float[] b = scratch.zeroed(0, 6);
        assertSame(a, b);
        for (int i = 0; i < 10; i++) {
            assertEquals(i < 6 ? 0f : 7f, b[i], "element " + i);
        }
    }

    @Test
    void instancesAndThreadsDoNotShare() throws InterruptedException {
        ThreadScratch one = new ThreadScratch();
        ThreadScratch two = new ThreadScratch();
        float[] mine = one.floats(0, 8);
        assertNotSame(mine, two.floats(0, 8));
        AtomicReference<float[]> other = new AtomicReference<>();
        Thread t = new Thread(() -> other.set(one.floats(0, 8)));
        t.start();
        t.join();
        assertNotSame(mine, other.get());
        assertSame(mine, one.floats(0, 8));
    }
}
