package org.nnpan.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.nnpan.backend.Backend;

/**
 * Owns the off-heap memory of the tensors allocated while it is the current scope of a thread.
 *
 * <p>Scopes nest: {@code try (MemoryScope s = MemoryScope.open()) { ... }} makes {@code s} current for this thread
 * until it closes, then frees every tensor allocated in it at once. A training step runs in one scope, so memory
 * is returned deterministically instead of waiting for the garbage collector; the buffers go back to a pool and
 * the next step reuses them. Outside any scope, tensors live in the {@linkplain #global() global scope}, whose
 * memory the garbage collector reclaims. Reading a tensor after its scope closed throws
 * {@link IllegalStateException}; it never crashes the JVM.
 *
 * <p>A storage can also go back to the pool before its scope closes ({@link Storage#release()}); the scope then
 * skips it at close. {@link #liveBytes()} and {@link #peakBytes()} count what the scope holds, with early releases
 * subtracted, which is what bounds the process's memory.
 */
public final class MemoryScope implements AutoCloseable {

    private static final MemoryScope GLOBAL = new MemoryScope(Arena.ofAuto(), "global");
    private static final long ALIGN = 64;
    private static final ThreadLocal<Deque<MemoryScope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);

    /** The global scope's arena; null for pooled scopes. */
    private final Arena arena;
    private final String name;
    private final Thread owner;
    /** Every storage allocated here, in order (released ones included, so positions stay valid). */
    private final List<Storage> taken = new ArrayList<>();
    private volatile boolean open = true;
    private long allocatedBytes;
    private long liveBytes;
    private long peakBytes;

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
     * A storage of 64-byte-aligned memory for {@code numel} elements of {@code dtype}, readable by every thread. With
     * {@code zeroed} false the contents are arbitrary: for outputs a kernel overwrites completely.
     */
    Storage allocate(Backend backend, DType dtype, long numel, boolean zeroed) {
        if (!open) {
            throw new IllegalStateException("memory scope '" + name + "' is closed");
        }
        long bytes = (Math.max(1, numel) * dtype.byteSize() + ALIGN - 1) / ALIGN * ALIGN;
        if (arena != null) {
            return new Storage(arena.allocate(bytes, ALIGN), null, dtype, numel, this, backend);
        }
        BufferPool.Buffer b = BufferPool.take(bytes);
        MemorySegment segment = b.segment().asSlice(0, bytes); // the pool may hand out a larger buffer
        if (zeroed) {
            segment.fill((byte) 0);
        }
        Storage storage = new Storage(segment, b, dtype, numel, this, backend);
        long held = b.segment().byteSize();
        synchronized (taken) {
            taken.add(storage);
            allocatedBytes += held;
            liveBytes += held;
            peakBytes = Math.max(peakBytes, liveBytes);
        }
        return storage;
    }

    /** Hands one storage's buffer back to the pool before the scope closes (see {@link Storage#release()}). */
    void release(Storage storage) {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("memory of scope '" + name + "' must be released by the thread that opened it");
        }
        if (!open) {
            throw new IllegalStateException("memory scope '" + name + "' is closed");
        }
        synchronized (taken) {
            liveBytes -= storage.buffer().segment().byteSize();
        }
        BufferPool.giveBack(storage.buffer());
    }

    /** How many storages this scope has allocated so far: a position for {@link #allocatedSince}. */
    public int allocationCount() {
        synchronized (taken) {
            return taken.size();
        }
    }

    /** The storages allocated in this scope from {@code position} on, oldest first (released ones included). */
    public List<Storage> allocatedSince(int position) {
        synchronized (taken) {
            return List.copyOf(taken.subList(position, taken.size()));
        }
    }

    /**
     * Releases every storage this scope allocated from {@code position} on ({@link #allocationCount()}) that no
     * recorded backward rule {@linkplain Storage#isSavedForBackward() saved}: after a forward pass, the activations
     * only the caller could read (the caller must be done with them, the output included). Backward passes over the
     * recorded graph still work, since their rules read saved tensors only.
     */
    public void releaseUnsavedSince(int position) {
        for (Storage s : allocatedSince(position)) {
            if (!s.isSavedForBackward()) {
                s.release();
            }
        }
    }

    /** Whether memory of this scope may still be used. */
    public boolean isOpen() {
        return open;
    }

    /** The scope's name. */
    public String name() {
        return name;
    }

    /** Bytes allocated in this scope so far, early releases not subtracted (0 for the global scope, which does not count). */
    public long allocatedBytes() {
        synchronized (taken) {
            return allocatedBytes;
        }
    }

    /** Bytes this scope holds now: allocated minus released early (0 for the global scope). */
    public long liveBytes() {
        synchronized (taken) {
            return liveBytes;
        }
    }

    /** The most bytes this scope has held at once (0 for the global scope). */
    public long peakBytes() {
        synchronized (taken) {
            return peakBytes;
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
        for (Storage storage : taken) {
            if (!storage.isReleased()) {
                BufferPool.giveBack(storage.buffer());
            }
        }
        taken.clear();
    }

    @Override
    public String toString() {
        return "MemoryScope[" + name + (isOpen() ? "" : ", closed") + "]";
    }
}
