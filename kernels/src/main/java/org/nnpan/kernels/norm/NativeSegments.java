package org.nnpan.kernels.norm;

import java.lang.foreign.MemorySegment;

/**
 * Native segments typed as the JDK's native-segment class, for the Vector-API loops of this package.
 *
 * <p>Why: the JDK's segment accessors are compiled into every caller with one shared profile. Once any code in the
 * JVM has used a heap segment ({@code MemorySegment.ofArray}, e.g. the convolution's partial sums), that profile has a
 * heap branch next to the native one, and C2's profiled loop predication hoists checks out of that branch in front of
 * a kernel's loops, where they fail for a native segment: an uncommon trap ({@code profile_predicate}) on every call
 * until C2 recompiles the method without that one predicate, then the same at the next loop, each trap running the
 * kernel in the Vector API's boxed fallback. With the argument cast to the native class, C2 compiles the native branch
 * only and hoists nothing that can fail.
 */
final class NativeSegments {

    private static final Class<? extends MemorySegment> NATIVE = MemorySegment.ofAddress(0).getClass();

    private NativeSegments() {
    }

    /** {@code s} cast to the native-segment class (a class check C2 hoists out of the loop). */
    static MemorySegment typed(MemorySegment s) {
        return NATIVE.cast(s);
    }

    /** Throws unless {@code s} is a native segment: the vector kernels take off-heap tensors only. */
    static void require(MemorySegment s, String what) {
        if (!NATIVE.isInstance(s)) {
            throw new IllegalArgumentException("vector batch-norm kernel: " + what + " is not a native segment: " + s);
        }
    }
}
