package org.nnpan.kernels.gemm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nnpan.kernels.parallel.Parallel;
import org.nnpan.nativebind.blas.Cblas;

/** Every {@link Gemm} against the double-precision {@link ScalarGemm} over many shapes and layouts. */
class GemmTest {

    private static final int MR = SgemmKernel.MR;
    private static final int NR = SgemmKernel.NR;

    /** {m, n, k}: degenerate sizes, tile edges, and sizes crossing the vector kernel's cache blocks. */
    private static final int[][] SHAPES = {
            {1, 1, 1}, {1, 1, 0}, {0, 5, 3}, {5, 0, 3}, {3, 4, 0}, {1, 37, 5}, {37, 1, 5}, {5, 5, 1},
            {MR - 1, NR - 1, 3}, {MR, NR, 7}, {MR + 1, NR + 1, 9}, {2 * MR + 3, 3 * NR + 5, 17},
            {13, 2 * NR + 1, VectorGemm.KC + 1}, {VectorGemm.MC + 7, 19, 31}, {3, VectorGemm.NC + 40, 5},
            {2, 4100, 3}, {65, 70, 300}, {5, 600, 400}, {100, 97, 513},
    };
    private static final double[] BETAS = {0.0, 1.0, 0.5};
    private static final int RANDOM_SHAPES = 25;

    static Stream<Arguments> implementationsAndTransposes() {
        List<Arguments> args = new ArrayList<>();
        for (String impl : Gemms.NAMES) {
            for (boolean transA : new boolean[] {false, true}) {
                for (boolean transB : new boolean[] {false, true}) {
                    args.add(Arguments.of(impl, transA, transB));
                }
            }
        }
        return args.stream();
    }

    /** The named implementation; skips the test when it cannot run here. */
    static Gemm gemm(String name) {
        if (name.equals("native")) {
            Assumptions.assumeTrue(Cblas.isAvailable(), Cblas::description);
        }
        return Gemms.create(name);
    }

    static List<GemmCase> cases(boolean transA, boolean transB) {
        Random rnd = new Random(31L * (transA ? 2 : 1) + (transB ? 7 : 0));
        List<GemmCase> cases = new ArrayList<>();
        for (int i = 0; i < SHAPES.length; i++) {
            int[] s = SHAPES[i];
            cases.add(GemmCase.random(rnd, transA, transB, s[0], s[1], s[2], BETAS[i % BETAS.length]));
        }
        for (int i = 0; i < RANDOM_SHAPES; i++) {
            cases.add(GemmCase.random(rnd, transA, transB, 1 + rnd.nextInt(80), 1 + rnd.nextInt(80),
                    rnd.nextInt(300), BETAS[rnd.nextInt(BETAS.length)]));
        }
        return cases;
    }

    @ParameterizedTest(name = "{0} sgemm transA={1} transB={2}")
    @MethodSource("implementationsAndTransposes")
    void sgemmMatchesReference(String impl, boolean transA, boolean transB) {
        Gemm gemm = gemm(impl);
        for (GemmCase c : cases(transA, transB)) {
            try (Arena arena = Arena.ofConfined()) {
                assertClose(c, c.runSgemm(gemm, arena), 0x1p-23);
            }
        }
    }

    @ParameterizedTest(name = "{0} dgemm transA={1} transB={2}")
    @MethodSource("implementationsAndTransposes")
    void dgemmMatchesReference(String impl, boolean transA, boolean transB) {
        Gemm gemm = gemm(impl);
        for (GemmCase c : cases(transA, transB)) {
            try (Arena arena = Arena.ofConfined()) {
                assertClose(c, c.runDgemm(gemm, arena), 0x1p-51);
            }
        }
    }

    /**
     * Checks C against the reference within {@code (k + 4) * unit} relative to the error scale
     * {@code |alpha| |A| |B| + |beta| |C|}, and that C's padding and the elements before its offset are untouched.
     */
    private static void assertClose(GemmCase c, double[] actual, double unit) {
        double[] expected = c.reference();
        double[] scale = c.magnitude();
        double tolerance = (c.k() + 4) * unit;
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < actual.length; i++) {
            if (!c.inC(i)) {
                if (actual[i] != GemmCase.SENTINEL) {
                    fail(c + ": element " + i + " outside C was overwritten with " + actual[i]);
                }
                continue;
            }
            double error = Math.abs(actual[i] - expected[i]) / Math.max(scale[i], Double.MIN_NORMAL);
            if (!(error <= worst)) {
                worst = error;
                worstAt = i;
            }
        }
        if (!(worst <= tolerance)) {
            fail(String.format("%s: max relative error %.3g > %.3g at element %d (expected %s, got %s)",
                    c, worst, tolerance, worstAt, expected[worstAt], actual[worstAt]));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"native", "vector", "scalar"})
    void betaZeroOverwritesNaN(String impl) {
        Gemm gemm = gemm(impl);
        try (Arena arena = Arena.ofConfined()) {
            int m = 7;
            int n = 37;
            int k = 3;
            MemorySegment a = arena.allocate(ValueLayout.JAVA_FLOAT, (long) m * k).fill((byte) 0);
            MemorySegment b = arena.allocate(ValueLayout.JAVA_FLOAT, (long) k * n).fill((byte) 0);
            MemorySegment c = arena.allocate(ValueLayout.JAVA_FLOAT, (long) m * n);
            for (long i = 0; i < (long) m * n; i++) {
                c.setAtIndex(ValueLayout.JAVA_FLOAT, i, Float.NaN);
            }
            gemm.sgemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
            for (long i = 0; i < (long) m * n; i++) {
                assertEquals(0f, c.getAtIndex(ValueLayout.JAVA_FLOAT, i), "element " + i);
            }
            MemorySegment cd = arena.allocate(ValueLayout.JAVA_DOUBLE, (long) m * n);
            for (long i = 0; i < (long) m * n; i++) {
                cd.setAtIndex(ValueLayout.JAVA_DOUBLE, i, Double.NaN);
            }
            MemorySegment ad = arena.allocate(ValueLayout.JAVA_DOUBLE, (long) m * k).fill((byte) 0);
            MemorySegment bd = arena.allocate(ValueLayout.JAVA_DOUBLE, (long) k * n).fill((byte) 0);
            gemm.dgemm(false, false, m, n, k, 1.0, ad, 0, k, bd, 0, n, 0.0, cd, 0, n);
            for (long i = 0; i < (long) m * n; i++) {
                assertEquals(0.0, cd.getAtIndex(ValueLayout.JAVA_DOUBLE, i), "element " + i);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"native", "vector", "scalar"})
    void heapSegmentsWork(String impl) {
        Gemm gemm = gemm(impl);
        GemmCase c = GemmCase.random(new Random(5), true, false, 33, 45, 21, 0.5);
        float[] a = toFloats(c.a());
        float[] b = toFloats(c.b());
        float[] out = toFloats(c.c());
        gemm.sgemm(c.transA(), c.transB(), c.m(), c.n(), c.k(), (float) c.alpha(), MemorySegment.ofArray(a),
                c.aOffset(), c.lda(), MemorySegment.ofArray(b), c.bOffset(), c.ldb(), (float) c.beta(),
                MemorySegment.ofArray(out), c.cOffset(), c.ldc());
        double[] actual = new double[out.length];
        for (int i = 0; i < out.length; i++) {
            actual[i] = out[i];
        }
        assertClose(c, actual, 0x1p-23);
        double[] actualD = c.c().clone();
        gemm.dgemm(c.transA(), c.transB(), c.m(), c.n(), c.k(), c.alpha(), MemorySegment.ofArray(c.a()),
                c.aOffset(), c.lda(), MemorySegment.ofArray(c.b()), c.bOffset(), c.ldb(), c.beta(),
                MemorySegment.ofArray(actualD), c.cOffset(), c.ldc());
        assertClose(c, actualD, 0x1p-51);
    }

    private static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    @ParameterizedTest
    @ValueSource(strings = {"native", "vector", "scalar"})
    void rejectsBadArgumentsNamingThem(String impl) {
        Gemm gemm = gemm(impl);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(ValueLayout.JAVA_FLOAT, 12);
            assertRejected("m must be", () -> gemm.sgemm(false, false, -1, 3, 4, 1f, s, 0, 4, s, 0, 3, 0f, s, 0, 3));
            assertRejected("k must be", () -> gemm.sgemm(false, false, 3, 3, -4, 1f, s, 0, 4, s, 0, 3, 0f, s, 0, 3));
            assertRejected("lda must be", () -> gemm.sgemm(false, false, 3, 3, 4, 1f, s, 0, 3, s, 0, 3, 0f, s, 0, 3));
            assertRejected("lda must be", () -> gemm.sgemm(true, false, 3, 3, 4, 1f, s, 0, 2, s, 0, 3, 0f, s, 0, 3));
            assertRejected("ldb must be", () -> gemm.sgemm(false, true, 3, 3, 4, 1f, s, 0, 4, s, 0, 3, 0f, s, 0, 3));
            assertRejected("ldc must be", () -> gemm.sgemm(false, false, 3, 3, 4, 1f, s, 0, 4, s, 0, 3, 0f, s, 0, 2));
            assertRejected("b is too small",
                    () -> gemm.sgemm(false, false, 3, 3, 4, 1f, s, 0, 4, s, 1, 3, 0f, s, 0, 3));
            assertRejected("cOffset must be",
                    () -> gemm.sgemm(false, false, 3, 3, 4, 1f, s, 0, 4, s, 0, 3, 0f, s, -1, 3));
            assertRejected("a must not be null",
                    () -> gemm.sgemm(false, false, 3, 3, 4, 1f, null, 0, 4, s, 0, 3, 0f, s, 0, 3));
            // 12 floats are only 6 doubles.
            assertRejected("c is too small",
                    () -> gemm.dgemm(false, false, 3, 3, 1, 1.0, s, 0, 1, s, 0, 3, 0.0, s, 0, 3));
        }
    }

    private static void assertRejected(String messageStart, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().startsWith(messageStart), () -> "message '" + e.getMessage() + "'");
    }

    @Test
    void scalarMatchesHandComputedProduct() {
        // [1 2 3; 4 5 6] * [7 8; 9 10; 11 12] = [58 64; 139 154]
        float[] a = {1, 2, 3, 4, 5, 6};
        float[] b = {7, 8, 9, 10, 11, 12};
        float[] c = {1, 1, 1, 1};
        new ScalarGemm().sgemm(false, false, 2, 2, 3, 2f, MemorySegment.ofArray(a), 0, 3, MemorySegment.ofArray(b), 0,
                2, -1f, MemorySegment.ofArray(c), 0, 2);
        assertArrayEquals(new float[] {115, 127, 277, 307}, c);
        // A^T * B^T with A^T stored 3x2 and B^T stored 2x3: the same product.
        float[] at = {1, 4, 2, 5, 3, 6};
        float[] bt = {7, 9, 11, 8, 10, 12};
        double[] cd = new double[4];
        new ScalarGemm().dgemm(true, true, 2, 2, 3, 1.0, MemorySegment.ofArray(toDoubles(at)), 0, 2,
                MemorySegment.ofArray(toDoubles(bt)), 0, 3, 0.0, MemorySegment.ofArray(cd), 0, 2);
        assertArrayEquals(new double[] {58, 64, 139, 154}, cd);
    }

    private static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    @Test
    void vectorResultDoesNotDependOnThreadCount() {
        int original = Parallel.get().threads();
        GemmCase c = GemmCase.random(new Random(9), false, true, 150, 170, 300, 1.0);
        try (Arena arena = Arena.ofShared()) {
            Parallel.setThreads(3);
            double[] multi = c.runSgemm(new VectorGemm(), arena);
            double[] multiD = c.runDgemm(new VectorGemm(), arena);
            Parallel.setThreads(1);
            assertArrayEquals(multi, c.runSgemm(new VectorGemm(), arena));
            assertArrayEquals(multiD, c.runDgemm(new VectorGemm(), arena));
        } finally {
            Parallel.setThreads(original);
        }
    }

    @Test
    void vectorHandlesSegmentsConfinedToTheCaller() {
        // Large enough to be split over the pool, whose threads cannot touch confined memory.
        GemmCase c = GemmCase.random(new Random(11), false, false, 130, 140, 150, 0.0);
        try (Arena arena = Arena.ofConfined()) {
            assertClose(c, c.runSgemm(new VectorGemm(), arena), 0x1p-23);
            assertClose(c, c.runDgemm(new VectorGemm(), arena), 0x1p-51);
        }
    }
}
