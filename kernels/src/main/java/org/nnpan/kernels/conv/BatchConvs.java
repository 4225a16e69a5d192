package org.nnpan.kernels.conv;

import org.nnpan.kernels.gemm.Gemms;

/**
 * Picks the {@link BatchConv} the engine uses, if any: {@code VectorBatchConv} when the engine's GEMM is the Vector-API
 * one (its register kernel is what makes the implicit GEMM fast) and the system property {@code nnpan.simd} is not
 * {@code off}. Otherwise there is none and callers keep their im2col + GEMM path, which runs everywhere. The vector
 * class is loaded reflectively and only when chosen, so nothing links against the Vector API unless it is present.
 */
public final class BatchConvs {

    private static volatile BatchConv chosen;
    private static volatile boolean decided;

    private BatchConvs() {
    }

    /** The fast batch convolution, or {@code null} when this JVM has none (no Vector API, or SIMD switched off). */
    public static BatchConv best() {
        if (!decided) {
            synchronized (BatchConvs.class) {
                if (!decided) {
                    boolean vector = "vector".equals(Gemms.best().name())
                            && !"off".equals(System.getProperty("nnpan.simd", "").trim());
                    chosen = vector ? newVectorBatchConv() : null;
                    decided = true;
                }
            }
        }
        return chosen;
    }

    private static BatchConv newVectorBatchConv() {
        try {
            return Class.forName(BatchConvs.class.getPackageName() + ".VectorBatchConv")
                    .asSubclass(BatchConv.class).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create the vector batch convolution", e);
        }
    }
}
