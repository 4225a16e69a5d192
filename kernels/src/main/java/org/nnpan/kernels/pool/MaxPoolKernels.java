package org.nnpan.kernels.pool;

import java.lang.invoke.MethodHandles;
import org.nnpan.kernels.simd.VectorKernels;

/**
 * Picks the {@link MaxPoolIndices} implementation: the vector one when the module {@code jdk.incubator.vector} is in
 * the boot layer and the system property {@code nnpan.simd} is not {@code off} (as for the other kernels), otherwise
 * the scalar one. The vector class is loaded reflectively and only then, so nothing links against the Vector API
 * unless it is present.
 */
public final class MaxPoolKernels {

    private MaxPoolKernels() {
    }

    /** The implementation this JVM uses (chosen when first asked for). */
    public static MaxPoolIndices best() {
        return Chosen.BEST;
    }

    /** What {@link #best()} is, for {@code info}: the vector window scan or the plain one. */
    public static String describe() {
        return best() instanceof ScalarMaxPoolIndices ? "plain loops (no Vector API, or -Dnnpan.simd=off)"
                : "Vector API (2x2 window indices)";
    }

    /** The plain-loop implementation, which runs everywhere. */
    static MaxPoolIndices scalar() {
        return new ScalarMaxPoolIndices();
    }

    /** The Vector-API implementation; the module must be present. */
    static MaxPoolIndices vector() {
        return VectorKernels.create(MethodHandles.lookup(), MaxPoolIndices.class, "VectorMaxPoolIndices",
                "max-pooling kernel");
    }

    /** Holder: the choice is made on first use, once. */
    private static final class Chosen {
        static final MaxPoolIndices BEST = VectorKernels.chosen() ? vector() : scalar();
    }
}
