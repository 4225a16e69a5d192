package org.nnpan.kernels.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Native segments typed as the JDK's native-segment class, for the kernels' hot loops (batch norm, convolution, GEMM).
 *
 * <p>Why: the JDK's segment accessors are compiled into every caller with one shared profile. Once any code in the
 * JVM has used a heap segment ({@code MemorySegment.ofArray}), that profile has a heap branch next to the native one,
 * and C2's profiled loop predication hoists checks out of that branch in front of a kernel's loops, where they fail
 * for a native segment: an uncommon trap ({@code profile_predicate}) on every call until C2 recompiles the method
 * without that one predicate, then the same at the next loop, each trap running the kernel in the Vector API's boxed
 * fallback. With the argument cast to the native class, C2 compiles the native branch only and hoists nothing that can
 * fail. So a kernel casts its segments on entry, and nnpan's hot paths hand kernels native segments only.
 */
public final class NativeSegments {

    private static final Class<? extends MemorySegment> NATIVE = MemorySegment.ofAddress(0).getClass();

    private NativeSegments() {
    }

    /**
     * {@code s} cast to the native-segment class (a class check C2 hoists out of the loop).
     *
     * @throws ClassCastException if {@code s} is a heap segment
     */
    public static MemorySegment typed(MemorySegment s) {
        return NATIVE.cast(s);
    }

    /** Whether {@code s} is a native segment. */
    public static boolean isNative(MemorySegment s) {
        return NATIVE.isInstance(s);
    }

    /**
     * Throws unless {@code s} is a native segment: for kernels that take off-heap tensors only.
     *
     * @param kernel the kernel's name and {@code what} the argument's, for the message
     */
    public static void require(MemorySegment s, String kernel, String what) {
        if (!isNative(s)) {
            throw new IllegalArgumentException(kernel + ": " + what + " is not a native segment: " + s);
        }
    }

    /** A native copy of {@code s} in {@code arena}, aligned for any element type. */
    public static MemorySegment copyOf(MemorySegment s, Arena arena) {
        return arena.allocate(s.byteSize(), Double.BYTES).copyFrom(s);
    }
}
