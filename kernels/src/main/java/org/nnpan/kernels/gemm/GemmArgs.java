package org.nnpan.kernels.gemm;

import java.lang.foreign.MemorySegment;

/** Cheap argument validation shared by the {@link Gemm} implementations. */
final class GemmArgs {

    private GemmArgs() {
    }

    /**
     * Checks dimensions, leading dimensions and that each segment holds every element the call touches.
     *
     * @param elementBytes 4 for sgemm, 8 for dgemm
     * @throws IllegalArgumentException naming the first bad argument
     */
    static void check(boolean transA, boolean transB, int m, int n, int k,
                      MemorySegment a, long aOffset, int lda,
                      MemorySegment b, long bOffset, int ldb,
                      MemorySegment c, long cOffset, int ldc, long elementBytes) {
        nonNegative("m", m);
        nonNegative("n", n);
        nonNegative("k", k);
        // Stored shapes: A is m x k (k x m if transposed), B is k x n (n x k if transposed), C is m x n.
        matrix("a", a, aOffset, "lda", lda, transA ? k : m, transA ? m : k, elementBytes);
        matrix("b", b, bOffset, "ldb", ldb, transB ? n : k, transB ? k : n, elementBytes);
        matrix("c", c, cOffset, "ldc", ldc, m, n, elementBytes);
    }

    private static void nonNegative(String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + value);
        }
    }

    private static void matrix(String name, MemorySegment segment, long offset, String ldName, int ld,
                               int rows, int cols, long elementBytes) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException(ldName + " must be >= max(1, " + cols + "), got " + ld);
        }
        if (segment == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        if (offset < 0) {
            throw new IllegalArgumentException(name + "Offset must be >= 0, got " + offset);
        }
        long extent = extent(rows, cols, ld);
        long available = segment.byteSize() / elementBytes;
        if (offset + extent > available) {
            throw new IllegalArgumentException(name + " is too small: a " + rows + " x " + cols + " matrix with "
                    + ldName + " " + ld + " at offset " + offset + " needs " + (offset + extent)
                    + " elements, the segment holds " + available);
        }
    }

    /** Elements spanned by a stored {@code rows x cols} matrix with leading dimension {@code ld}. */
    static long extent(int rows, int cols, int ld) {
        return rows == 0 || cols == 0 ? 0 : (long) (rows - 1) * ld + cols;
    }
}
