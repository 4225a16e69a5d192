package org.nnpan.kernels.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class NativeScratchTest {

    @Test
    void buffersAreNativeLargeEnoughAndReusedUntilOutgrown() {
        NativeScratch scratch = new NativeScratch();
        Random random = new Random(3);
        MemorySegment[] last = new MemorySegment[3];
        long[] largest = new long[3];
        for (int round = 0; round < 200; round++) {
            int index = random.nextInt(3);
            long size = random.nextInt(5000);
            MemorySegment s = scratch.floats(index, size);
            assertTrue(NativeSegments.isNative(s));
            assertTrue(s.byteSize() >= size * Float.BYTES, "buffer " + index + " too small for " + size);
            if (size <= largest[index]) {
                assertEquals(last[index], s, "buffer " + index + " replaced although large enough");
            }
            largest[index] = Math.max(largest[index], size);
            last[index] = s;
        }
    }

    @Test
    void eachThreadHasItsOwnBufferThatOtherThreadsCanUse() throws Exception {
        NativeScratch scratch = new NativeScratch();
        MemorySegment mine = scratch.floats(0, 16);
        mine.setAtIndex(ValueLayout.JAVA_FLOAT, 3, 7f);
        try (ExecutorService other = Executors.newSingleThreadExecutor()) {
            MemorySegment theirs = other.submit(() -> scratch.floats(0, 16)).get();
            assertNotEquals(mine.address(), theirs.address());
            // Pool threads read and write a calling thread's buffers: the arena is not confined.
            assertEquals(7f, other.submit(() -> mine.getAtIndex(ValueLayout.JAVA_FLOAT, 3)).get());
        }
    }
}
