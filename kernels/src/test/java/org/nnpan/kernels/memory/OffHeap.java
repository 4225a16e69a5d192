package org.nnpan.kernels.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Native test tensors: the vector kernels take native segments only, as the engine's tensors are. */
public final class OffHeap {

    private OffHeap() {
    }

    /** A native copy of {@code values} (an automatic arena: test data is left to the collector). */
    public static MemorySegment copy(float[] values) {
        return Arena.ofAuto().allocateFrom(ValueLayout.JAVA_FLOAT, values);
    }

    /** {@code n} native floats, zero. */
    public static MemorySegment zeros(int n) {
        return Arena.ofAuto().allocate(ValueLayout.JAVA_FLOAT, n);
    }
}
