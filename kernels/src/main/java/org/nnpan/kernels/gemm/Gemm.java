package org.nnpan.kernels.gemm;

import java.lang.foreign.MemorySegment;

/**
 * General matrix multiply over row-major matrices in memory segments: {@code C = alpha * op(A) * op(B) + beta * C},
 * where {@code op(X)} is {@code X} or its transpose, {@code op(A)} is {@code m x k}, {@code op(B)} is {@code k x n}
 * and {@code C} is {@code m x n}.
 *
 * <p>Conventions follow row-major CBLAS: element {@code (i, j)} of a stored matrix {@code X} with leading dimension
 * {@code ldx} is at element index {@code xOffset + i * ldx + j}. Offsets and leading dimensions count elements, not
 * bytes. A transposed {@code A} is stored {@code k x m} (so {@code lda >= max(1, m)}), an untransposed one
 * {@code m x k} ({@code lda >= max(1, k)}); likewise for {@code B}; {@code ldc >= max(1, n)}. When {@code beta == 0},
 * {@code C} is only written, never read, so NaNs in it do not propagate. {@code C} must not overlap {@code A} or
 * {@code B}.
 *
 * <p>Implementations validate the arguments and throw {@link IllegalArgumentException} naming the offending one.
 * They are thread-safe.
 */
public interface Gemm {

    /** A short name, e.g. {@code "vector"}. */
    String name();

    /** Single precision: all three segments hold {@code float} elements in native byte order. */
    void sgemm(boolean transA, boolean transB, int m, int n, int k,
               float alpha, MemorySegment a, long aOffset, int lda,
               MemorySegment b, long bOffset, int ldb,
               float beta, MemorySegment c, long cOffset, int ldc);

    /** Double precision: all three segments hold {@code double} elements in native byte order. */
    void dgemm(boolean transA, boolean transB, int m, int n, int k,
               double alpha, MemorySegment a, long aOffset, int lda,
               MemorySegment b, long bOffset, int ldb,
               double beta, MemorySegment c, long cOffset, int ldc);
}
