package org.nnpan.kernels.gemm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.nnpan.kernels.parallel.Parallel;
import org.nnpan.nativebind.blas.Cblas;

/**
 * {@link Gemm} on the native CBLAS library bound by {@link Cblas} (OpenBLAS).
 *
 * <p>Native segments are passed to BLAS as they are. Heap segments cannot be handed to a non-critical downcall, so
 * the part of each heap operand the call touches is copied to native memory first (and {@code C} copied back);
 * that costs time, so hot paths should use native memory. OpenBLAS is told to use as many threads as
 * {@link Parallel} has, or one when called from inside a parallel loop (the engine already spreads that work over
 * its pool), re-checked on every call. The engine therefore expects one compute thread at a time.
 */
public final class NativeGemm implements Gemm {

    /** The OpenBLAS thread count last set, so it is only set again when the engine's pool changes. */
    private static volatile int blasThreads;

    /** Receives native views of A, B and C, positioned at their first element. */
    @FunctionalInterface
    private interface NativeCall {
        void run(MemorySegment a, MemorySegment b, MemorySegment c);
    }

    /**
     * @throws IllegalStateException if no CBLAS library could be loaded, with {@link Cblas#description()}
     */
    public NativeGemm() {
        if (!Cblas.isAvailable()) {
            throw new IllegalStateException(Cblas.description());
        }
    }

    @Override
    public String name() {
        return "native";
    }

    /** The name and the library in use. */
    @Override
    public String toString() {
        return "native (" + Cblas.description() + ")";
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k,
                      float alpha, MemorySegment a, long aOffset, int lda,
                      MemorySegment b, long bOffset, int ldb,
                      float beta, MemorySegment c, long cOffset, int ldc) {
        GemmArgs.check(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, Float.BYTES);
        call(Float.BYTES, transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, beta != 0, c, cOffset, ldc,
                (na, nb, nc) -> Cblas.cblas_sgemm(Cblas.CblasRowMajor, trans(transA), trans(transB), m, n, k,
                        alpha, na, lda, nb, ldb, beta, nc, ldc));
    }

    @Override
    public void dgemm(boolean transA, boolean transB, int m, int n, int k,
                      double alpha, MemorySegment a, long aOffset, int lda,
                      MemorySegment b, long bOffset, int ldb,
                      double beta, MemorySegment c, long cOffset, int ldc) {
        GemmArgs.check(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, Double.BYTES);
        call(Double.BYTES, transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, beta != 0, c, cOffset, ldc,
                (na, nb, nc) -> Cblas.cblas_dgemm(Cblas.CblasRowMajor, trans(transA), trans(transB), m, n, k,
                        alpha, na, lda, nb, ldb, beta, nc, ldc));
    }

    private static int trans(boolean transpose) {
        return transpose ? Cblas.CblasTrans : Cblas.CblasNoTrans;
    }

    /** Runs {@code blas} on native views of the operands, staging heap operands through native copies. */
    private static void call(long elementBytes, boolean transA, boolean transB, int m, int n, int k,
                             MemorySegment a, long aOffset, int lda, MemorySegment b, long bOffset, int ldb,
                             boolean readsC, MemorySegment c, long cOffset, int ldc, NativeCall blas) {
        if (m == 0 || n == 0) {
            return;
        }
        syncThreads();
        long aBytes = GemmArgs.extent(transA ? k : m, transA ? m : k, lda) * elementBytes;
        long bBytes = GemmArgs.extent(transB ? n : k, transB ? k : n, ldb) * elementBytes;
        long cBytes = GemmArgs.extent(m, n, ldc) * elementBytes;
        MemorySegment aView = a.asSlice(aOffset * elementBytes, aBytes);
        MemorySegment bView = b.asSlice(bOffset * elementBytes, bBytes);
        MemorySegment cView = c.asSlice(cOffset * elementBytes, cBytes);
        if (aView.isNative() && bView.isNative() && cView.isNative()) {
            blas.run(aView, bView, cView);
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nativeC = toNative(arena, cView, readsC);
            blas.run(toNative(arena, aView, true), toNative(arena, bView, true), nativeC);
            if (nativeC != cView) {
                cView.copyFrom(nativeC);
            }
        }
    }

    private static MemorySegment toNative(Arena arena, MemorySegment view, boolean copyContents) {
        if (view.isNative()) {
            return view;
        }
        MemorySegment copy = arena.allocate(view.byteSize(), Double.BYTES);
        if (copyContents) {
            copy.copyFrom(view);
        }
        return copy;
    }

    private static void syncThreads() {
        int threads = Parallel.inParallelRegion() ? 1 : Parallel.get().threads();
        if (threads != blasThreads && Cblas.hasThreadControl()) {
            Cblas.openblas_set_num_threads(threads);
            blasThreads = threads;
        }
    }
}
