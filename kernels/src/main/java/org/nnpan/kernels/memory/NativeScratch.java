package org.nnpan.kernels.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Native float buffers that a kernel reuses from call to call on each thread: the off-heap counterpart of
 * {@code ThreadScratch}, for buffers a kernel hands to code that reads segments (the GEMM). A heap segment there
 * ({@code MemorySegment.ofArray}) would make the JDK's shared segment accessors see two segment classes, which
 * deoptimises every kernel that inlines them (see {@link NativeSegments}).
 *
 * <p>Each thread has its own numbered buffers, grown on demand and never shrunk. Each lives in its own shared arena,
 * because the pool's threads read and write a calling thread's buffers during a call, and a grown buffer's arena is
 * closed as it is replaced; a thread's last buffers stay allocated until the JVM exits, so use this from long-lived
 * threads (the caller and the pool). Give each class its own instance and each concurrent use within a call its own
 * index; a buffer stays valid until the same thread asks for the same index of the same instance again.
 */
public final class NativeScratch {

    /** One buffer and the arena that owns it. */
    private record Buffer(Arena arena, MemorySegment segment) {
    }

    private final ThreadLocal<Buffer[]> buffers = ThreadLocal.withInitial(() -> new Buffer[0]);

    /** The calling thread's buffer number {@code index}, at least {@code size} floats, with arbitrary contents. */
    public MemorySegment floats(int index, long size) {
        Buffer[] mine = buffers.get();
        if (index >= mine.length) {
            mine = Arrays.copyOf(mine, index + 1);
            buffers.set(mine);
        }
        Buffer b = mine[index];
        long bytes = size * Float.BYTES;
        if (b == null || b.segment().byteSize() < bytes) {
            if (b != null) {
                b.arena().close();
            }
            Arena arena = Arena.ofShared();
            b = new Buffer(arena, arena.allocate(Math.max(bytes, 1), 64));
            mine[index] = b;
        }
        return b.segment();
    }
}
