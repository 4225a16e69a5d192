package org.nnpan.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Off-heap buffers recycled between memory scopes. A training step allocates the same shapes every time; handing
 * the previous step's buffers back avoids both the allocator and the zero-fill the FFM API does on every fresh
 * allocation (which profiling showed to cost as much as the arithmetic). Buffers are keyed by exact byte size.
 *
 * <p>Free buffers are kept up to {@code nnpan.pool.maxFreeBytes} (default 4 GiB); beyond that a returned buffer is
 * released. Each buffer has its own shared arena so it can be released on its own.
 */
final class BufferPool {
    private static final long MAX_FREE = Long.getLong("nnpan.pool.maxFreeBytes", 4L << 30);

    /** A pooled buffer and the arena that owns it. */
    record Buffer(MemorySegment segment, Arena arena) {
    }

    private static final Map<Long, ArrayDeque<Buffer>> FREE = new HashMap<>();
    private static long freeBytes;

    private BufferPool() {
    }

    /** A buffer of exactly {@code bytes} bytes: recycled (contents arbitrary) or fresh (zeroed). */
    static synchronized Buffer take(long bytes) {
        ArrayDeque<Buffer> q = FREE.get(bytes);
        if (q != null && !q.isEmpty()) {
            freeBytes -= bytes;
            return q.pop();
        }
        Arena arena = Arena.ofShared();
        return new Buffer(arena.allocate(bytes, 64), arena);
    }

    /** Returns a buffer for reuse, or releases it if keeping it would push the free total over the cap. */
    static void giveBack(Buffer b) {
        long bytes = b.segment().byteSize();
        boolean keep;
        synchronized (BufferPool.class) {
            keep = freeBytes + bytes <= MAX_FREE;
            if (keep) {
                FREE.computeIfAbsent(bytes, k -> new ArrayDeque<>()).push(b);
                freeBytes += bytes;
            }
        }
        if (!keep) {
            b.arena().close();
        }
    }

    /** Bytes currently held free for reuse. */
    static synchronized long freeBytes() {
        return freeBytes;
    }
}
