package org.nnpan.kernels.norm;

import java.lang.invoke.MethodHandles;
import org.nnpan.kernels.simd.VectorKernels;

/**
 * Picks the {@link BatchNormKernel}: the vector one when the module {@code jdk.incubator.vector} is in the boot layer
 * and the system property {@code nnpan.simd} is not {@code off}, otherwise the scalar one. The vector class is loaded
 * reflectively and only when chosen, so nothing links against the Vector API unless it is present.
 */
public final class BatchNormKernels {

    private static volatile BatchNormKernel best;

    private BatchNormKernels() {
    }

    /** The kernel this JVM uses (chosen on first use). */
    public static BatchNormKernel best() {
        BatchNormKernel chosen = best;
        if (chosen == null) {
            synchronized (BatchNormKernels.class) {
                chosen = best;
                if (chosen == null) {
                    chosen = VectorKernels.chosen() ? vector() : new ScalarBatchNormKernel();
                    best = chosen;
                }
            }
        }
        return chosen;
    }

    /** The Vector-API kernel; the module must be present. */
    static BatchNormKernel vector() {
        return VectorKernels.create(MethodHandles.lookup(), BatchNormKernel.class, "VectorBatchNormKernel",
                "batch-norm kernel");
    }
}
