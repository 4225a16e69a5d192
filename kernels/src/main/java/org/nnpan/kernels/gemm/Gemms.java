package org.nnpan.kernels.gemm;

import java.lang.System.Logger.Level;
import java.util.List;
import org.nnpan.nativebind.blas.Cblas;

/**
 * Picks the {@link Gemm} the engine uses.
 *
 * <p>By default: {@link VectorGemm} if the module {@code jdk.incubator.vector} is in the boot layer (the JVM was
 * started with {@code --add-modules jdk.incubator.vector}) and the CPU has 512-bit vectors — there it beats
 * Debian's OpenBLAS 0.3.21, whose kernels stop at AVX2 (170 vs 105 GFLOP/s per core measured, see
 * docs/benchmarks.md); else {@link NativeGemm} if a CBLAS library loads, else {@link VectorGemm} if the module is
 * there, else {@link ScalarGemm}. The system property {@code nnpan.gemm}
 * ({@code native}, {@code vector} or {@code scalar}) forces a choice; forcing one that cannot run fails instead of
 * falling back. The Vector API classes are loaded only when chosen, so the engine runs without the module.
 */
public final class Gemms {

    /** The values {@code nnpan.gemm} accepts. */
    public static final List<String> NAMES = List.of("native", "vector", "scalar");

    private static final String PROPERTY = "nnpan.gemm";
    private static final System.Logger LOG = System.getLogger(Gemms.class.getName());

    private static volatile Choice chosen;

    /** A chosen implementation and why it was chosen. */
    record Choice(Gemm gemm, String description) {
    }

    private Gemms() {
    }

    /**
     * The engine's GEMM: the best available, or the one {@code -Dnnpan.gemm} names.
     *
     * @throws IllegalArgumentException if {@code nnpan.gemm} is not one of {@link #NAMES}
     * @throws IllegalStateException if {@code nnpan.gemm} names an implementation that cannot run here
     */
    public static Gemm best() {
        return chosen().gemm();
    }

    /** Which implementation {@link #best()} returns, with its details and why it was chosen. */
    public static String describe() {
        return chosen().description();
    }

    /** Chooses on first use and logs the choice once; a bad property throws on every call rather than once. */
    private static Choice chosen() {
        Choice choice = chosen;
        if (choice == null) {
            synchronized (Gemms.class) {
                choice = chosen;
                if (choice == null) {
                    choice = choose(System.getProperty(PROPERTY));
                    LOG.log(Level.INFO, "GEMM: {0}", choice.description());
                    chosen = choice;
                }
            }
        }
        return choice;
    }

    /** Whether {@code jdk.incubator.vector} is in the boot layer, i.e. {@link VectorGemm} can run. */
    public static boolean vectorApiAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /**
     * A new instance of the named implementation.
     *
     * @param name one of {@link #NAMES}
     * @throws IllegalArgumentException for any other name
     * @throws IllegalStateException if that implementation cannot run in this JVM
     */
    public static Gemm create(String name) {
        return switch (name) {
            case "native" -> new NativeGemm();
            case "vector" -> {
                if (!vectorApiAvailable()) {
                    throw new IllegalStateException(
                            "the vector GEMM needs the JVM option --add-modules jdk.incubator.vector");
                }
                yield newVectorGemm();
            }
            case "scalar" -> new ScalarGemm();
            default -> throw new IllegalArgumentException(
                    PROPERTY + " must be one of " + String.join(", ", NAMES) + ", got '" + name + "'");
        };
    }

    /** The choice for a value of {@code nnpan.gemm} ({@code null} or blank: automatic). */
    static Choice choose(String requested) {
        if (requested != null && !requested.isBlank()) {
            String name = requested.trim();
            Gemm gemm = create(name);
            return new Choice(gemm, gemm + "; forced by -D" + PROPERTY + "=" + name);
        }
        boolean vector = vectorApiAvailable();
        if (vector && vectorLanes() >= WIDE_LANES) {
            Gemm gemm = newVectorGemm();
            return new Choice(gemm, gemm + " with " + vectorLanes() + " float lanes (512-bit SIMD beats the native BLAS here)");
        }
        if (Cblas.isAvailable()) {
            Gemm gemm = new NativeGemm();
            return new Choice(gemm, gemm.toString());
        }
        Gemm gemm = vector ? newVectorGemm() : new ScalarGemm();
        String why = vector ? "" : "; module jdk.incubator.vector is not in the boot layer";
        return new Choice(gemm, gemm + "; " + Cblas.description() + why);
    }

    /** Float lanes of a 512-bit register: from this width on the Java kernel is the faster one. */
    private static final int WIDE_LANES = 16;

    /** Float lanes of the preferred vector species; call only when the Vector API is available. */
    private static int vectorLanes() {
        try {
            return (int) Class.forName(Gemms.class.getPackageName() + ".VectorGemm").getMethod("lanes").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot query the vector GEMM", e);
        }
    }

    /** Loaded reflectively so that nothing links against the Vector API unless it is present. */
    private static Gemm newVectorGemm() {
        try {
            return Class.forName(Gemms.class.getPackageName() + ".VectorGemm")
                    .asSubclass(Gemm.class).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create the vector GEMM", e);
        }
    }
}
