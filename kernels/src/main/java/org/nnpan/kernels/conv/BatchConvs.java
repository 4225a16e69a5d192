package org.nnpan.kernels.conv;

import org.nnpan.kernels.gemm.Gemms;

/**
 * Picks the {@link BatchConv} the engine uses, if any: {@code VectorBatchConv} when the engine's GEMM is the Vector-API
 * one (its register kernel is what makes the implicit GEMM fast) and the system property {@code nnpan.simd} is not
 * {@code off}, wrapped in {@code WinogradConv} (3x3, stride-1, padding-1 forward convolutions and input gradients by
 * Winograd F(2x2, 3x3)) unless the system property {@code nnpan.winograd} is {@code off}. Otherwise there is none and
 * callers keep their im2col + GEMM path, which runs everywhere. The vector classes are loaded reflectively and only
 * when chosen, so nothing links against the Vector API unless it is present.
 */
public final class BatchConvs {

    private static volatile BatchConv direct;
    private static volatile BatchConv chosen;
    private static volatile boolean decided;

    private BatchConvs() {
    }

    /**
     * The fast batch convolution, or {@code null} when this JVM has none (no Vector API, or SIMD switched off).
     *
     * @throws IllegalArgumentException if {@code nnpan.winograd} is set to something other than {@code on} or
     *     {@code off}
     */
    public static BatchConv best() {
        decide();
        return chosen;
    }

    /**
     * The implicit-GEMM direct convolution alone (no Winograd), or {@code null} as for {@link #best}: for callers that
     * need its exact summation order.
     */
    public static BatchConv direct() {
        decide();
        return direct;
    }

    private static void decide() {
        if (!decided) {
            synchronized (BatchConvs.class) {
                if (!decided) {
                    // Read first, so a mistyped switch fails on any machine rather than being ignored.
                    boolean winograd = winogradOn(System.getProperty("nnpan.winograd", "on"));
                    boolean vector = "vector".equals(Gemms.best().name())
                            && !"off".equals(System.getProperty("nnpan.simd", "").trim());
                    direct = vector ? create("VectorBatchConv") : null;
                    chosen = direct != null && winograd ? create("WinogradConv", direct) : direct;
                    decided = true;
                }
            }
        }
    }

    /**
     * A line for {@code info}: which convolution float32 layers get.
     *
     * @throws IllegalArgumentException as {@link #best} does
     */
    public static String describe() {
        decide();
        if (direct == null) {
            return "im2col + GEMM (no Vector API, or -Dnnpan.simd=off)";
        }
        return chosen == direct ? "implicit GEMM (Winograd off)"
                : "implicit GEMM; Winograd F(2x2,3x3) for 3x3 stride-1 layers of 64+ channels (32+ on maps staged by "
                + "vectors; -Dnnpan.winograd=off: direct only)";
    }

    /**
     * Whether a value of {@code nnpan.winograd} allows Winograd: {@code on} (the default) does, {@code off} does not.
     *
     * @throws IllegalArgumentException for any other value
     */
    static boolean winogradOn(String property) {
        String value = property.trim();
        return switch (value) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException("nnpan.winograd must be on or off, got '" + value + "'");
        };
    }

    private static BatchConv create(String name, BatchConv... wrapped) {
        try {
            Class<? extends BatchConv> c = Class.forName(BatchConvs.class.getPackageName() + "." + name)
                    .asSubclass(BatchConv.class);
            return wrapped.length == 0 ? c.getDeclaredConstructor().newInstance()
                    : c.getDeclaredConstructor(BatchConv.class).newInstance(wrapped[0]);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create the batch convolution " + name, e);
        }
    }
}
