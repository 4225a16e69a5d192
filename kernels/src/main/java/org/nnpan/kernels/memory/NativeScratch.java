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
 * <p>Each thread has its own numbered buffers, grown on demand and never shrunk. They are allocated in automatic
 * arenas: the pool's threads read and write a calling thread's buffers during a call, and the garbage collector frees
 * a buffer once it is outgrown or its thread has ended (threads come and go, e.g. a panning run's lookahead threads),
 * so nothing has to be closed. Give each class its own instance and each concurrent use within a call its own index; a
 * buffer stays valid until the same thread asks for the same index of the same instance again.
 */
public final class NativeScratch {

    private final ThreadLocal<MemorySegment[]> buffers = ThreadLocal.withInitial(() -> new MemorySegment[0]);

    /** The calling thread's buffer number {@code index}, at least {@code size} floats, with arbitrary contents. */
    public MemorySegment floats(int index, long size) {
        MemorySegment[] mine = buffers.get();
        if (index >= mine.length) {
            mine = Arrays.copyOf(mine, index + 1);
            buffers.set(mine);
        }
        long bytes = size * Float.BYTES;
        if (mine[index] == null || mine[index].byteSize() < bytes) {
            mine[index] = Arena.ofAuto().allocate(Math.max(bytes, 1), 64);
        }
        return mine[index];
    }
}
