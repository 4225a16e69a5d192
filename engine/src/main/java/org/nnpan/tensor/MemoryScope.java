package org.nnpan.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Owns the off-heap memory of the tensors allocated while it is the current scope of a thread.
 *
 * <p>Scopes nest: {@code try (MemoryScope s = MemoryScope.open()) { ... }} makes {@code s} current for this thread
 * until it closes, then frees every tensor allocated in it at once. A training step runs in one scope, so memory
 * is returned deterministically instead of waiting for the garbage collector; the buffers go back to a pool and
 * the next step reuses them. Outside any scope, tensors live in the {@linkplain #global() global scope}, whose
 * memory the garbage collector reclaims. Reading a tensor after its scope closed throws
 * {@link IllegalStateException}; it never crashes the JVM.
 */
public final class MemoryScope implements AutoCloseable {

    private static final MemoryScope GLOBAL = new MemoryScope(Arena.ofAuto(), "global");
    private static final long ALIGN = 64;
    private static final ThreadLocal<Deque<MemoryScope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);

    /** The global scope's arena; null for pooled scopes. */
    private final Arena arena;
    private final String name;
    private final Thread owner;
    private final List<BufferPool.Buffer> taken = new ArrayList<>();
    private volatile boolean open = true;
    private long allocatedBytes;

    private MemoryScope(Arena arena, String name) {
        this.arena = arena;
        this.name = name;
        this.owner = Thread.currentThread();
    }

    /** Opens a scope and makes it current for the calling thread. */
    public static MemoryScope open() {
        return open("scope");
    }

    /** Opens a named scope (the name appears in use-after-close errors) and makes it current. */
    public static MemoryScope open(String name) {
        MemoryScope s = new MemoryScope(null, name);
        STACK.get().push(s);
        return s;
    }

    /** The scope whose memory the garbage collector manages; never closes. */
    public static MemoryScope global() {
        return GLOBAL;
    }

    /** The innermost open scope of this thread, or the global scope. */
    public static MemoryScope current() {
        MemoryScope s = STACK.get().peek();
        return s == null ? GLOBAL : s;
    }

    /**
     * 64-byte-aligned memory for {@code numel} elements of {@code dtype}, readable by every thread. With
     * {@code zeroed} false the contents are arbitrary: for outputs a kernel overwrites completely.
     */
    MemorySegment allocate(DType dtype, long numel, boolean zeroed) {
        if (!open) {
            throw new IllegalStateException("memory scope '" + name + "' is closed");
        }
        long bytes = (Math.max(1, numel) * dtype.byteSize() + ALIGN - 1) / ALIGN * ALIGN;
        if (arena != null) {
            return arena.allocate(bytes, ALIGN);
        }
        BufferPool.Buffer b = BufferPool.take(bytes);
        synchronized (taken) {
            taken.add(b);
            allocatedBytes += bytes;
        }
        if (zeroed) {
            b.segment().fill((byte) 0);
        }
        return b.segment();
    }

    /** Whether memory of this scope may still be used. */
    public boolean isOpen() {
        return open;
    }

    /** The scope's name. */
    public String name() {
        return name;
    }

    /** Bytes allocated in this scope so far (0 for the global scope, which does not count). */
    public long allocatedBytes() {
        synchronized (taken) {
            return allocatedBytes;
        }
    }

    /**
     * Frees every tensor allocated in this scope and restores the previous current scope.
     *
     * @throws IllegalStateException if called from another thread than the opener, or out of nesting order
     */
    @Override
    public void close() {
        if (this == GLOBAL) {
            throw new IllegalStateException("the global memory scope cannot be closed");
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("memory scope '" + name + "' must be closed by the thread that opened it");
        }
        Deque<MemoryScope> stack = STACK.get();
        if (stack.peek() != this) {
            throw new IllegalStateException("memory scope '" + name + "' closed out of order (an inner scope is still open)");
        }
        stack.pop();
        open = false;
        BufferPool.giveBack(taken);
        taken.clear();
    }

    @Override
    public String toString() {
        return "MemoryScope[" + name + (isOpen() ? "" : ", closed") + "]";
    }
}
