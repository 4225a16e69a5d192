package org.nnpan.kernels.gemm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;
import org.nnpan.kernels.parallel.Parallel;

/**
 * The double-precision path of {@link VectorGemm}: for each {@link #KC} x {@link #NC} block of {@code op(B)}, packed
 * row-major once, every row of {@code C} is updated by vectorised axpys ({@code Crow += alpha * a_ip * Brow_p}).
 * Rows are spread over {@link Parallel}. Memory-bound and several times slower than the sgemm path, which is fine
 * for the double precision the engine uses for checks rather than for training.
 */
final class VectorDgemm {

    private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    private static final int KC = 256;
    /** Columns per block: a packed {@code KC x NC} block of B is 8 MiB at most. */
    private static final int NC = 4096;
    /** Multiply-adds a parallel chunk should at least have. */
    private static final long GRAIN_MULADDS = 1L << 18;

    private VectorDgemm() {
    }

    /** For validated arguments with {@code m, n, k > 0}. */
    static void multiply(boolean transA, boolean transB, int m, int n, int k,
                         double alpha, MemorySegment a, long aOffset, int lda,
                         MemorySegment b, long bOffset, int ldb,
                         double beta, MemorySegment c, long cOffset, int ldc) {
        double[] bPack = new double[Math.min(KC, k) * Math.min(NC, n)];
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                packB(transB, b, bOffset, ldb, pc, kc, jc, nc, bPack);
                // Per-row work over the current block; the first k block applies the caller's beta.
                double blockBeta = pc == 0 ? beta : 1.0;
                long aColumn = aOffset + (transA ? (long) pc * lda : pc);
                long cColumn = cOffset + jc;
                long grain = Parallel.poolCanAccess(a, b, c) ? Math.max(1, GRAIN_MULADDS / ((long) nc * kc)) : m;
                Parallel.get().parallelFor(m, grain, (start, end) -> {
                    double[] row = new double[nc];
                    for (int i = (int) start; i < end; i++) {
                        long ci = cColumn + (long) i * ldc;
                        for (int j = 0; j < nc; j++) {
                            row[j] = blockBeta == 0 ? 0.0 : blockBeta * c.getAtIndex(F64, ci + j);
                        }
                        for (int p = 0; p < kc; p++) {
                            long ai = aColumn + (transA ? (long) p * lda + i : (long) i * lda + p);
                            axpy(alpha * a.getAtIndex(F64, ai), bPack, p * nc, row, nc);
                        }
                        MemorySegment.copy(row, 0, c, F64, ci * Double.BYTES, nc);
                    }
                });
            }
        }
    }

    /** Packs {@code op(B)[p0 : p0+kc, j0 : j0+nc]} row-major into {@code dst}. */
    private static void packB(boolean trans, MemorySegment b, long bOffset, int ldb,
                              int p0, int kc, int j0, int nc, double[] dst) {
        if (trans) {
            for (int j = 0; j < nc; j++) {
                long src = bOffset + (long) (j0 + j) * ldb + p0;
                for (int p = 0; p < kc; p++) {
                    dst[p * nc + j] = b.getAtIndex(F64, src + p);
                }
            }
        } else {
            for (int p = 0; p < kc; p++) {
                long src = bOffset + (long) (p0 + p) * ldb + j0;
                MemorySegment.copy(b, F64, src * Double.BYTES, dst, p * nc, nc);
            }
        }
    }

    /** {@code y[0:n] += s * x[xIndex : xIndex+n]}. */
    private static void axpy(double s, double[] x, int xIndex, double[] y, int n) {
        DoubleVector sv = DoubleVector.broadcast(SPECIES, s);
        int j = 0;
        for (int bound = SPECIES.loopBound(n); j < bound; j += SPECIES.length()) {
            DoubleVector.fromArray(SPECIES, x, xIndex + j).fma(sv, DoubleVector.fromArray(SPECIES, y, j))
                    .intoArray(y, j);
        }
        for (; j < n; j++) {
            y[j] = Math.fma(s, x[xIndex + j], y[j]);
        }
    }
}
