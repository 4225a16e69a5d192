package org.nnpan.kernels.gemm;

import static org.nnpan.kernels.gemm.SgemmKernel.MR;
import static org.nnpan.kernels.gemm.SgemmKernel.NR;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.nnpan.kernels.memory.NativeSegments;
import org.nnpan.kernels.parallel.Parallel;
import org.nnpan.kernels.parallel.ThreadScratch;

/**
 * Pure-Java {@link Gemm} on the Vector API (needs {@code --add-modules jdk.incubator.vector}).
 *
 * <p>sgemm follows the Goto/BLIS scheme: {@code op(B)} is packed in {@link #KC} x {@link #NC} blocks (sized for
 * the shared cache), {@code op(A)} in {@link #MC} x {@link #KC} blocks (sized for L2), and {@link SgemmKernel}
 * computes register tiles from them, each B panel staying in L1 while the A block streams past it. Large
 * problems are split over {@link Parallel} along whichever of m and n has more tiles; every thread runs the same
 * blocked loop on its part, packing into its own buffers. Each element of {@code C} sees the same sequence of
 * operations whatever the split, so results do not depend on the thread count. Segments of a confined arena are
 * only accessible to their owner thread, so such calls run on the caller alone. The kernels read native segments
 * only, each access through the native class ({@link NativeSegments}); heap operands (Java arrays) are copied into
 * native memory for the call, so a caller with arrays works but pays a copy.
 *
 * <p>dgemm runs the same blocking with a one-vector-wide double tile, in {@link VectorDgemm}.
 */
public final class VectorGemm implements Gemm {

    /** Element access for segments of any alignment (heap segments over {@code byte[]} included). */
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** Depth of a packed block: a {@code KC x NR} B panel must fit in L1. */
    static final int KC = 256;
    /** Rows of a packed A block: {@code MC x KC} floats should take about half of L2. */
    static final int MC = 240;
    /** Columns of a packed B block. */
    static final int NC = 2048;
    /** Below this many multiply-adds ({@code m * n * k}) a fork/join costs more than it saves. */
    private static final long PARALLEL_MIN_MULADDS = 1L << 21;

    private static final ScalarGemm SCALAR = new ScalarGemm();

    /** Per-thread packing buffers: A panels, B panels, the register tile. */
    private static final ThreadScratch SCRATCH = new ThreadScratch();
    private static final int A_PACK = 0;
    private static final int B_PACK = 1;
    private static final int TILE = 2;

    /** A product over operands the caller has made native. */
    @FunctionalInterface
    private interface Product {
        void run(MemorySegment a, MemorySegment b, MemorySegment c);
    }

    @Override
    public String name() {
        return "vector";
    }

    /** The name, vector width and register tile. */
    @Override
    public String toString() {
        return "vector (Vector API, " + SgemmKernel.L + " x float32 lanes, " + MR + "x" + NR + " register tiles)";
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k,
                      float alpha, MemorySegment a, long aOffset, int lda,
                      MemorySegment b, long bOffset, int ldb,
                      float beta, MemorySegment c, long cOffset, int ldc) {
        GemmArgs.check(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, Float.BYTES);
        if (m == 0 || n == 0) {
            return;
        }
        if (!allNative(a, b, c)) {
            onNativeCopies(a, b, c, (na, nb, nc) -> sgemm(transA, transB, m, n, k, alpha, na, aOffset, lda, nb, bOffset,
                    ldb, beta, nc, cOffset, ldc));
            return;
        }
        if (k == 0 || alpha == 0) {
            // Only C = beta * C is left to do.
            SCALAR.sgemm(transA, transB, m, n, 0, 0f, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
            return;
        }
        Parallel parallel = Parallel.get();
        if (parallel.threads() == 1 || (long) m * n * k < PARALLEL_MIN_MULADDS || !Parallel.poolCanAccess(a, b, c)) {
            blocked(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
            return;
        }
        // Split on tile boundaries so only the last part has edge tiles.
        int rowTiles = Math.ceilDiv(m, MR);
        int colTiles = Math.ceilDiv(n, NR);
        boolean splitRows = rowTiles >= colTiles;
        int tiles = splitRows ? rowTiles : colTiles;
        int tileSize = splitRows ? MR : NR;
        int extent = splitRows ? m : n;
        int parts = Math.min(parallel.threads(), tiles);
        parallel.forEachChunk(parts, part -> {
            int from = (int) ((long) tiles * part / parts) * tileSize;
            int to = Math.min(extent, (int) ((long) tiles * (part + 1) / parts) * tileSize);
            if (splitRows) {
                long aShift = transA ? from : (long) from * lda;
                blocked(transA, transB, to - from, n, k, alpha, a, aOffset + aShift, lda, b, bOffset, ldb,
                        beta, c, cOffset + (long) from * ldc, ldc);
            } else {
                long bShift = transB ? (long) from * ldb : from;
                blocked(transA, transB, m, to - from, k, alpha, a, aOffset, lda, b, bOffset + bShift, ldb,
                        beta, c, cOffset + from, ldc);
            }
        });
    }

    /** The single-threaded blocked multiply, for validated arguments with {@code m, n, k > 0}. */
    private static void blocked(boolean transA, boolean transB, int m, int n, int k,
                                float alpha, MemorySegment a, long aOffset, int lda,
                                MemorySegment b, long bOffset, int ldb,
                                float beta, MemorySegment c, long cOffset, int ldc) {
        float[] tile = SCRATCH.floats(TILE, MR * NR);
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                float[] bPack = SCRATCH.floats(B_PACK, Math.ceilDiv(nc, NR) * NR * kc);
                SgemmPacking.packB(transB, b, bOffset, ldb, pc, kc, jc, nc, bPack);
                // The first k block applies the caller's beta; later ones accumulate onto it.
                float blockBeta = pc == 0 ? beta : 1f;
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    float[] aPack = SCRATCH.floats(A_PACK, Math.ceilDiv(mc, MR) * MR * kc);
                    SgemmPacking.packA(transA, a, aOffset, lda, ic, mc, pc, kc, aPack);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int cols = Math.min(NR, nc - jr);
                        for (int ir = 0; ir < mc; ir += MR) {
                            SgemmKernel.multiply(kc, aPack, ir * kc, bPack, jr * kc, tile);
                            long cIndex = cOffset + (long) (ic + ir) * ldc + jc + jr;
                            SgemmKernel.store(tile, Math.min(MR, mc - ir), cols, alpha, blockBeta, c, cIndex, ldc);
                        }
                    }
                }
            }
        }
    }

    @Override
    public void dgemm(boolean transA, boolean transB, int m, int n, int k,
                      double alpha, MemorySegment a, long aOffset, int lda,
                      MemorySegment b, long bOffset, int ldb,
                      double beta, MemorySegment c, long cOffset, int ldc) {
        GemmArgs.check(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, Double.BYTES);
        if (m == 0 || n == 0) {
            return;
        }
        if (!allNative(a, b, c)) {
            onNativeCopies(a, b, c, (na, nb, nc) -> dgemm(transA, transB, m, n, k, alpha, na, aOffset, lda, nb, bOffset,
                    ldb, beta, nc, cOffset, ldc));
            return;
        }
        if (k == 0 || alpha == 0) {
            SCALAR.dgemm(transA, transB, m, n, 0, 0.0, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
            return;
        }
        VectorDgemm.multiply(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    }

    private static boolean allNative(MemorySegment a, MemorySegment b, MemorySegment c) {
        return NativeSegments.isNative(a) && NativeSegments.isNative(b) && NativeSegments.isNative(c);
    }

    /**
     * Runs {@code product} on native copies of the operands (in a shared arena, so the pool can still split the call)
     * and copies {@code C} back: the kernels never see a heap segment.
     */
    private static void onNativeCopies(MemorySegment a, MemorySegment b, MemorySegment c, Product product) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment nativeC = NativeSegments.copyOf(c, arena);
            product.run(NativeSegments.copyOf(a, arena), NativeSegments.copyOf(b, arena), nativeC);
            c.copyFrom(nativeC);
        }
    }

    /** Float lanes of the SIMD registers this kernel uses. */
    public static int lanes() {
        return SgemmKernel.L;
    }
}
