package org.nnpan.kernels.gemm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The reference {@link Gemm}: plain loops, no blocking, no threads. Each row of {@code C} is accumulated in double
 * precision (for both sgemm and dgemm) in i-p-j order, so the inner loop walks rows of {@code op(B)} and {@code C}.
 * Used to check the fast implementations and as the last-resort fallback.
 */
public final class ScalarGemm implements Gemm {

    /** Reads and writes one element type as double; keeps the single loop nest below precision-agnostic. */
    private enum Element {
        F32 {
            @Override
            double get(MemorySegment s, long index) {
                return s.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index);
            }

            @Override
            void set(MemorySegment s, long index, double value) {
                s.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index, (float) value);
            }
        },
        F64 {
            @Override
            double get(MemorySegment s, long index) {
                return s.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, index);
            }

            @Override
            void set(MemorySegment s, long index, double value) {
                s.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, index, value);
            }
        };

        abstract double get(MemorySegment s, long index);

        abstract void set(MemorySegment s, long index, double value);
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public String toString() {
        return "scalar (reference loops)";
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k,
                      float alpha, MemorySegment a, long aOffset, int lda,
                      MemorySegment b, long bOffset, int ldb,
                      float beta, MemorySegment c, long cOffset, int ldc) {
        GemmArgs.check(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, Float.BYTES);
        multiply(Element.F32, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    }

    @Override
    public void dgemm(boolean transA, boolean transB, int m, int n, int k,
                      double alpha, MemorySegment a, long aOffset, int lda,
                      MemorySegment b, long bOffset, int ldb,
                      double beta, MemorySegment c, long cOffset, int ldc) {
        GemmArgs.check(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc, Double.BYTES);
        multiply(Element.F64, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    }

    private static void multiply(Element e, boolean transA, boolean transB, int m, int n, int k,
                                 double alpha, MemorySegment a, long aOffset, int lda,
                                 MemorySegment b, long bOffset, int ldb,
                                 double beta, MemorySegment c, long cOffset, int ldc) {
        // Strides of op(A) and op(B) along their row and column index.
        long aRowStride = transA ? 1 : lda;
        long aColStride = transA ? lda : 1;
        long bRowStride = transB ? 1 : ldb;
        long bColStride = transB ? ldb : 1;
        double[] row = new double[n];
        for (int i = 0; i < m; i++) {
            Arrays.fill(row, 0.0);
            // As in BLAS, alpha == 0 means A and B are not read at all.
            for (int p = 0; alpha != 0 && p < k; p++) {
                double aip = e.get(a, aOffset + i * aRowStride + p * aColStride);
                long bp = bOffset + p * bRowStride;
                for (int j = 0; j < n; j++) {
                    row[j] += aip * e.get(b, bp + j * bColStride);
                }
            }
            long ci = cOffset + (long) i * ldc;
            for (int j = 0; j < n; j++) {
                double prior = beta == 0 ? 0 : beta * e.get(c, ci + j);
                e.set(c, ci + j, alpha * row[j] + prior);
            }
        }
    }
}
