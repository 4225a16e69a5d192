package org.nnpan.tensor;

import java.lang.foreign.MemorySegment;
import org.nnpan.backend.Backend;

/**
 * A flat, off-heap buffer of elements that one or more tensors view. Knows its element type, the scope that owns
 * its memory and the backend that computes on it.
 */
public final class Storage {
    private final MemorySegment segment;
    private final DType dtype;
    private final long numel;
    private final MemoryScope scope;
    private final Backend backend;

    private Storage(MemorySegment segment, DType dtype, long numel, MemoryScope scope, Backend backend) {
        this.segment = segment;
        this.dtype = dtype;
        this.numel = numel;
        this.scope = scope;
        this.backend = backend;
    }

    /** Allocates storage in {@code scope}, zero-filled or with arbitrary contents (for outputs written in full). */
    public static Storage allocate(MemoryScope scope, Backend backend, DType dtype, long numel, boolean zeroed) {
        return new Storage(scope.allocate(dtype, numel, zeroed), dtype, numel, scope, backend);
    }

    /** The raw memory; throws {@link IllegalStateException} if its scope has closed. */
    public MemorySegment segment() {
        if (!scope.isOpen()) {
            throw new IllegalStateException("tensor memory used after its scope '" + scope.name() + "' was closed");
        }
        return segment;
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
