package org.nnpan.kernels.elementwise;

import java.lang.invoke.MethodHandles;
import org.nnpan.kernels.simd.VectorKernels;

/**
 * Picks the {@link Elementwise} implementation: the vector one when the module {@code jdk.incubator.vector} is in the
 * boot layer and the system property {@code nnpan.simd} is not {@code off} (as for the batch-norm kernels), otherwise
 * the scalar one. The vector class is loaded reflectively and only then, so nothing links against the Vector API
 * unless it is present.
 */
public final class ElementwiseKernels {

    private ElementwiseKernels() {
    }

    /** The implementation this JVM uses (chosen when first asked for). */
    public static Elementwise best() {
        return Chosen.BEST;
    }

    /** What {@link #best()} is, for {@code info}: the vector loops or the plain ones, and why. */
    public static String describe() {
        return best() instanceof ScalarElementwise ? "plain loops (no Vector API, or -Dnnpan.simd=off)"
                : "Vector API (ReLU and its backward, add+ReLU, arithmetic on dense runs, Panning's index fusion)";
    }

    /** The Vector-API implementation; the module must be present. */
    static Elementwise vector() {
        return VectorKernels.create(MethodHandles.lookup(), Elementwise.class, "VectorElementwise",
                "element-wise kernels");
    }

    /** Holder: the choice is made on first use, once. */
    private static final class Chosen {
        static final Elementwise BEST = VectorKernels.chosen() ? vector() : new ScalarElementwise();
    }
}
