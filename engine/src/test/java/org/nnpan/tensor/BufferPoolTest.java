package org.nnpan.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link BufferPool}: a request reuses a free buffer up to twice its size, and never takes a larger one. */
class BufferPoolTest {

    @Test
    void aRequestReusesAFreeBufferUpToTwiceItsSizeAndNoLarger() {
        SplittableRandom rng = new SplittableRandom(3);
        for (int i = 0; i < 20; i++) {
            long size = 64L * (10_000 + rng.nextInt(50_000));
            // The buffer handed back may be a recycled one up to twice that size: the request is sized to fit it.
            BufferPool.Buffer first = BufferPool.take(size);
            long held = first.segment().byteSize();
            BufferPool.giveBack(first);
            long request = 64L * (held / 64 / 2 + 1 + rng.nextInt((int) (held / 64 / 2)));
            long freeBefore = BufferPool.freeBytes();
            BufferPool.Buffer b = BufferPool.take(request);
            long got = b.segment().byteSize();
            assertTrue(got >= request && got <= 2 * request, "took " + got + " bytes for " + request);
            assertEquals(freeBefore - got, BufferPool.freeBytes(), "a free buffer fits, so none is allocated");
            BufferPool.giveBack(b);

            long small = 64L * (size / 64 / 2 - 1 - rng.nextInt(100));
            BufferPool.Buffer s = BufferPool.take(small);
            assertTrue(s.segment().byteSize() <= 2 * small, "took " + s.segment().byteSize() + " bytes for " + small);
            BufferPool.giveBack(s);
        }
    }

    @Test
    void aStorageSeesExactlyItsOwnBytesOfALargerBuffer() {
        try (MemoryScope s = MemoryScope.open("pool")) {
            Tensor big = Tensor.zeros(DType.F32, 40_000);
            big.storage().release();
            Tensor small = Tensor.zeros(DType.F32, 30_000);
            assertEquals(30_000L * Float.BYTES, small.storage().segment().byteSize());
            assertTrue(small.storage().buffer().segment().byteSize() >= 30_000L * Float.BYTES);
            assertEquals(0f, small.toFloatArray()[29_999]);
        }
    }
}
