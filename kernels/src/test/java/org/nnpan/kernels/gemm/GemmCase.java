package org.nnpan.kernels.gemm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;

/**
 * One randomised GEMM problem: shapes, transposition, scalars, leading dimensions with padding and element offsets,
 * with operands filled with random values and C's padding filled with a sentinel that must survive. Values are
 * float-representable so sgemm and the double reference see identical inputs.
 */
record GemmCase(boolean transA, boolean transB, int m, int n, int k, double alpha, double beta,
                int lda, int ldb, int ldc, long aOffset, long bOffset, long cOffset,
                double[] a, double[] b, double[] c) {

    static final double SENTINEL = -12345.0;

    static GemmCase random(Random rnd, boolean transA, boolean transB, int m, int n, int k, double beta) {
        int lda = Math.max(1, transA ? m : k) + pad(rnd);
        int ldb = Math.max(1, transB ? k : n) + pad(rnd);
        int ldc = Math.max(1, n) + pad(rnd);
        long aOffset = rnd.nextInt(3);
        long bOffset = rnd.nextInt(3);
        long cOffset = rnd.nextInt(3);
        double alpha = rnd.nextBoolean() ? 1.0 : (float) (rnd.nextDouble() * 4 - 2);
        double[] a = values(rnd, aOffset + GemmArgs.extent(transA ? k : m, transA ? m : k, lda));
        double[] b = values(rnd, bOffset + GemmArgs.extent(transB ? n : k, transB ? k : n, ldb));
        double[] c = new double[(int) (cOffset + GemmArgs.extent(m, n, ldc))];
        Arrays.fill(c, SENTINEL);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                c[(int) (cOffset + (long) i * ldc + j)] = (float) (rnd.nextDouble() * 2 - 1);
            }
        }
        return new GemmCase(transA, transB, m, n, k, alpha, beta, lda, ldb, ldc, aOffset, bOffset, cOffset, a, b, c);
    }

    /** Leading-dimension padding: usually none, sometimes a little. */
    private static int pad(Random rnd) {
        return rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(5) : 0;
    }

    private static double[] values(Random rnd, long size) {
        double[] v = new double[(int) size];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return v;
    }

    boolean inC(int index) {
        long rel = index - cOffset;
        return rel >= 0 && rel / ldc < m && rel % ldc < n;
    }

    @Override
    public String toString() {
        return String.format("%s%s m=%d n=%d k=%d alpha=%s beta=%s lda=%d ldb=%d ldc=%d offsets=%d/%d/%d",
                transA ? "T" : "N", transB ? "T" : "N", m, n, k, alpha, beta, lda, ldb, ldc, aOffset, bOffset, cOffset);
    }

    // ---- Segments ----

    static MemorySegment floats(Arena arena, double[] values) {
        MemorySegment s = arena.allocate(Math.max(1, values.length) * (long) Float.BYTES, Float.BYTES);
        for (int i = 0; i < values.length; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) values[i]);
        }
        return s;
    }

    static MemorySegment doubles(Arena arena, double[] values) {
        MemorySegment s = arena.allocate(Math.max(1, values.length) * (long) Double.BYTES, Double.BYTES);
        MemorySegment.copy(values, 0, s, ValueLayout.JAVA_DOUBLE, 0, values.length);
        return s;
    }

    static double[] fromFloats(MemorySegment s, int size) {
        double[] v = new double[size];
        for (int i = 0; i < size; i++) {
            v[i] = s.getAtIndex(ValueLayout.JAVA_FLOAT, i);
        }
        return v;
    }

    static double[] fromDoubles(MemorySegment s, int size) {
        return s.asSlice(0, (long) size * Double.BYTES).toArray(ValueLayout.JAVA_DOUBLE);
    }

    // ---- Running ----

    /** Runs sgemm of {@code gemm} on float copies of this case and returns C widened to double. */
    double[] runSgemm(Gemm gemm, Arena arena) {
        MemorySegment cs = floats(arena, c);
        gemm.sgemm(transA, transB, m, n, k, (float) alpha, floats(arena, a), aOffset, lda, floats(arena, b), bOffset,
                ldb, (float) beta, cs, cOffset, ldc);
        return fromFloats(cs, c.length);
    }

    /** Runs dgemm of {@code gemm} on this case and returns C. */
    double[] runDgemm(Gemm gemm, Arena arena) {
        MemorySegment cs = doubles(arena, c);
        gemm.dgemm(transA, transB, m, n, k, alpha, doubles(arena, a), aOffset, lda, doubles(arena, b), bOffset, ldb,
                beta, cs, cOffset, ldc);
        return fromDoubles(cs, c.length);
    }

    /** The double-precision reference result. */
    double[] reference() {
        try (Arena arena = Arena.ofConfined()) {
            return runDgemm(new ScalarGemm(), arena);
        }
    }

    /**
     * Per-element scale of rounding errors: {@code |alpha| |op(A)| |op(B)| + |beta| |C|}, the bound a dot product's
     * error is proportional to.
     */
    double[] magnitude() {
        GemmCase abs = new GemmCase(transA, transB, m, n, k, Math.abs(alpha), Math.abs(beta), lda, ldb, ldc,
                aOffset, bOffset, cOffset, abs(a), abs(b), abs(c));
        return abs.reference();
    }

    private static double[] abs(double[] v) {
        double[] r = v.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] = Math.abs(r[i]);
        }
        return r;
    }
}
