package org.nnpan.nativebind.blas;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * FFM downcall binding to the CBLAS interface of OpenBLAS, C names kept 1:1.
 *
 * <p>The library is looked up once, on class initialisation, from these candidates in order: the system property
 * {@code nnpan.blas.lib} (a file path or a name for the dynamic loader), {@code libopenblas.so.0}, then the usual
 * Debian/Ubuntu locations. The first candidate that loads and exports {@code cblas_sgemm} and {@code cblas_dgemm}
 * wins. Class initialisation never throws: when nothing loads, {@link #isAvailable()} is false and
 * {@link #description()} says why, and the {@code cblas_*} methods throw {@link IllegalStateException}.
 *
 * <p>Integers are 32-bit ({@code blasint} of the LP64 builds Debian ships); pointer arguments must be native
 * segments. Calls are ordinary (non-critical) downcalls, so long-running BLAS calls do not hold up safepoints.
 */
public final class Cblas {

    /** {@code CBLAS_ORDER}: row-major storage. */
    public static final int CblasRowMajor = 101;
    /** {@code CBLAS_ORDER}: column-major storage. */
    public static final int CblasColMajor = 102;
    /** {@code CBLAS_TRANSPOSE}: use the matrix as stored. */
    public static final int CblasNoTrans = 111;
    /** {@code CBLAS_TRANSPOSE}: use the transpose of the matrix. */
    public static final int CblasTrans = 112;

    private static final List<String> DEFAULT_CANDIDATES = List.of(
            "libopenblas.so.0",
            "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
            "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
            "/usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0",
            "/usr/lib/x86_64-linux-gnu/openblas-serial/libopenblas.so.0",
            "/usr/lib64/libopenblas.so.0");

    private static final MethodHandle SGEMM;
    private static final MethodHandle DGEMM;
    private static final MethodHandle SET_NUM_THREADS;
    private static final MethodHandle GET_NUM_THREADS;
    private static final String DESCRIPTION;

    static {
        MethodHandle sgemm = null;
        MethodHandle dgemm = null;
        MethodHandle setThreads = null;
        MethodHandle getThreads = null;
        String description;
        List<String> failures = new ArrayList<>();
        String loaded = null;
        try {
            Linker linker = Linker.nativeLinker();
            for (String candidate : candidates()) {
                Optional<SymbolLookup> lookup = open(candidate, failures);
                if (lookup.isEmpty()) {
                    continue;
                }
                SymbolLookup lib = lookup.get();
                Optional<MemorySegment> s = lib.find("cblas_sgemm");
                Optional<MemorySegment> d = lib.find("cblas_dgemm");
                if (s.isEmpty() || d.isEmpty()) {
                    failures.add(candidate + ": no cblas_sgemm/cblas_dgemm");
                    continue;
                }
                sgemm = linker.downcallHandle(s.get(), gemmDescriptor(ValueLayout.JAVA_FLOAT));
                dgemm = linker.downcallHandle(d.get(), gemmDescriptor(ValueLayout.JAVA_DOUBLE));
                setThreads = lib.find("openblas_set_num_threads")
                        .map(f -> linker.downcallHandle(f, FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT)))
                        .orElse(null);
                getThreads = lib.find("openblas_get_num_threads")
                        .map(f -> linker.downcallHandle(f, FunctionDescriptor.of(ValueLayout.JAVA_INT)))
                        .orElse(null);
                loaded = candidate + coreName(lib, linker);
                break;
            }
            description = loaded != null
                    ? "CBLAS from " + loaded
                    : "CBLAS not available (tried " + String.join("; ", failures) + ")";
        } catch (Throwable t) {
            // E.g. native access denied by --illegal-native-access=deny: report, never fail class init.
            sgemm = dgemm = setThreads = getThreads = null;
            description = "CBLAS not available: " + t;
        }
        SGEMM = sgemm;
        DGEMM = dgemm;
        SET_NUM_THREADS = setThreads;
        GET_NUM_THREADS = getThreads;
        DESCRIPTION = description;
    }

    private Cblas() {
    }

    private static List<String> candidates() {
        List<String> list = new ArrayList<>();
        String override = System.getProperty("nnpan.blas.lib");
        if (override != null && !override.isBlank()) {
            list.add(override.trim());
        }
        list.addAll(DEFAULT_CANDIDATES);
        return list;
    }

    /** Opens a path (anything containing '/') or a loader name; records why it failed. */
    private static Optional<SymbolLookup> open(String candidate, List<String> failures) {
        try {
            if (candidate.contains("/")) {
                Path path = Path.of(candidate);
                if (!Files.exists(path)) {
                    failures.add(candidate + ": no such file");
                    return Optional.empty();
                }
                return Optional.of(SymbolLookup.libraryLookup(path, Arena.global()));
            }
            return Optional.of(SymbolLookup.libraryLookup(candidate, Arena.global()));
        } catch (IllegalArgumentException e) {
            failures.add(candidate + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    /** " (core X)" from OpenBLAS's {@code openblas_get_corename}, or "" for other BLAS builds. */
    private static String coreName(SymbolLookup lib, Linker linker) throws Throwable {
        Optional<MemorySegment> f = lib.find("openblas_get_corename");
        if (f.isEmpty()) {
            return "";
        }
        MemorySegment name = (MemorySegment) linker.downcallHandle(f.get(), FunctionDescriptor.of(ValueLayout.ADDRESS))
                .invokeExact();
        return " (core " + name.reinterpret(256).getString(0) + ")";
    }

    /** {@code void cblas_?gemm(order, transA, transB, M, N, K, alpha, *A, lda, *B, ldb, beta, *C, ldc)}. */
    private static FunctionDescriptor gemmDescriptor(ValueLayout scalar) {
        ValueLayout i = ValueLayout.JAVA_INT;
        ValueLayout p = ValueLayout.ADDRESS;
        return FunctionDescriptor.ofVoid(i, i, i, i, i, i, scalar, p, i, p, i, scalar, p, i);
    }

    /** Whether a CBLAS library was loaded. */
    public static boolean isAvailable() {
        return SGEMM != null;
    }

    /** What was loaded and from where, or why nothing was. */
    public static String description() {
        return DESCRIPTION;
    }

    /** {@code cblas_sgemm}: C = alpha*op(A)*op(B) + beta*C in single precision. */
    public static void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha,
                                   MemorySegment a, int lda, MemorySegment b, int ldb, float beta,
                                   MemorySegment c, int ldc) {
        try {
            required(SGEMM, "cblas_sgemm")
                    .invokeExact(order, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code cblas_dgemm}: C = alpha*op(A)*op(B) + beta*C in double precision. */
    public static void cblas_dgemm(int order, int transA, int transB, int m, int n, int k, double alpha,
                                   MemorySegment a, int lda, MemorySegment b, int ldb, double beta,
                                   MemorySegment c, int ldc) {
        try {
            required(DGEMM, "cblas_dgemm")
                    .invokeExact(order, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Whether the loaded library exports {@code openblas_set_num_threads}. */
    public static boolean hasThreadControl() {
        return SET_NUM_THREADS != null;
    }

    /** {@code openblas_set_num_threads}; throws {@link IllegalStateException} if not exported. */
    public static void openblas_set_num_threads(int threads) {
        try {
            required(SET_NUM_THREADS, "openblas_set_num_threads").invokeExact(threads);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code openblas_get_num_threads}; throws {@link IllegalStateException} if not exported. */
    public static int openblas_get_num_threads() {
        try {
            return (int) required(GET_NUM_THREADS, "openblas_get_num_threads").invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static MethodHandle required(MethodHandle handle, String function) {
        if (handle == null) {
            throw new IllegalStateException(function + " is not available; " + DESCRIPTION);
        }
        return handle;
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
