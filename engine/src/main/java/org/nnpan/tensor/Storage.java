package org.nnpan.tensor;

import java.lang.foreign.MemorySegment;
import org.nnpan.backend.Backend;

/**
 * A flat, off-heap buffer of elements that one or more tensors view. Knows its element type, the scope that owns
 * its memory and the backend that computes on it.
 *
 * <p>Its memory normally lives until the scope closes; {@link #release()} hands it back earlier, for memory that
 * nothing will read again (autograd does this for the gradients and temporaries of a first-order backward pass).
 */
public final class Storage {
    private final MemorySegment segment;
    /** The pooled buffer behind {@link #segment}; null in the global scope. */
    private final BufferPool.Buffer buffer;
    private final DType dtype;
    private final long numel;
    private final MemoryScope scope;
    private final Backend backend;
    private volatile boolean released;
    private volatile boolean savedForBackward;

    Storage(MemorySegment segment, BufferPool.Buffer buffer, DType dtype, long numel, MemoryScope scope, Backend backend) {
        this.segment = segment;
        this.buffer = buffer;
        this.dtype = dtype;
        this.numel = numel;
        this.scope = scope;
        this.backend = backend;
    }

    /** Allocates storage in {@code scope}, zero-filled or with arbitrary contents (for outputs written in full). */
    public static Storage allocate(MemoryScope scope, Backend backend, DType dtype, long numel, boolean zeroed) {
        return scope.allocate(backend, dtype, numel, zeroed);
    }

    /**
     * The raw memory; throws {@link IllegalStateException} if its scope has closed or the storage was
     * {@linkplain #release() released}.
     */
    public MemorySegment segment() {
        if (!scope.isOpen()) {
            throw new IllegalStateException("tensor memory used after its scope '" + scope.name() + "' was closed");
        }
        if (released) {
            throw new IllegalStateException("tensor memory used after it was released early in scope '" + scope.name()
                    + "' (a gradient or temporary of a finished backward pass)");
        }
        return segment;
    }

    /**
     * Returns this storage's memory to the buffer pool now instead of when its scope closes. Every tensor viewing it
     * becomes unreadable ({@link IllegalStateException}), so call it only for memory nothing will read again.
     * Releasing twice is a no-op.
     *
     * @throws IllegalStateException for the global scope's memory (the garbage collector owns it) or from a thread
     *                               other than the scope's owner
     */
    public void release() {
        if (buffer == null) {
            throw new IllegalStateException("memory of the global scope cannot be released early");
        }
        if (!released) {
            scope.release(this);
            released = true;
        }
    }

    /**
     * Marks this storage as read by a recorded backward rule, so a backward pass never releases it early (see
     * {@code Autograd.record}); it then lives until its scope closes. Marking is permanent.
     */
    public void saveForBackward() {
        savedForBackward = true;
    }

    /** Whether a recorded backward rule reads this storage ({@link #saveForBackward()}). */
    public boolean isSavedForBackward() {
        return savedForBackward;
    }

    /** Whether {@link #release()} handed the memory back. */
    public boolean isReleased() {
        return released;
    }

    BufferPool.Buffer buffer() {
        return buffer;
    }

    public DType dtype() {
        return dtype;
    }

    public long numel() {
        return numel;
    }

    public MemoryScope scope() {
        return scope;
    }

    public Backend backend() {
        return backend;
    }

    /** Element {@code i} widened to double. */
    public double getDouble(long i) {
        MemorySegment s = segment();
        return switch (dtype) {
            case F32 -> s.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i);
            case F64 -> s.getAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE, i);
            case I64 -> s.getAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, i);
        };
    }

    /** Sets element {@code i}, narrowing from double. */
    public void setDouble(long i, double v) {
        MemorySegment s = segment();
        switch (dtype) {
            case F32 -> s.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, (float) v);
            case F64 -> s.setAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE, i, v);
            case I64 -> s.setAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, i, (long) v);
        }
    }
}
