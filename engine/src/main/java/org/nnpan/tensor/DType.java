package org.nnpan.tensor;

import java.lang.foreign.ValueLayout;

/**
 * Element types. Training runs in {@link #F32}; {@link #F64} exists so finite-difference gradient checks are
 * meaningful; {@link #I64} holds indices and labels and supports only creation, copies and reads.
 */
public enum DType {
    F32(4, ValueLayout.JAVA_FLOAT),
    F64(8, ValueLayout.JAVA_DOUBLE),
    I64(8, ValueLayout.JAVA_LONG);

    private final int byteSize;
    private final ValueLayout layout;

    DType(int byteSize, ValueLayout layout) {
        this.byteSize = byteSize;
        this.layout = layout;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The element's memory layout (native byte order, which is little-endian on every supported machine). */
    public ValueLayout layout() {
        return layout;
    }

    /** Whether arithmetic ops accept this type. */
    public boolean isFloating() {
        return this != I64;
    }
}
