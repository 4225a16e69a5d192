package org.nnpan.ops;

/**
 * Whether the fused ops ({@link Elementwise#addRelu}, {@link Normalization#batchNormRelu}) run as one op each, the
 * default, or as the separate ops they stand for. Fusion changes no number, only the recorded graph: without it the
 * tensor in front of each ReLU exists and a "relu" node points at it, which is what a caller that inspects
 * pre-activations needs ({@code try (Fusion.Scope _ = Fusion.off()) { ... }}). Per thread, like the grad mode.
 */
public final class Fusion {
    private static final ThreadLocal<boolean[]> ON = ThreadLocal.withInitial(() -> new boolean[] {true});

    private Fusion() {
    }

    /** Whether fused ops run fused on this thread. */
    public static boolean isOn() {
        return ON.get()[0];
    }

    /** A scope in which fused ops run as their separate ops; restores the previous state on close. */
    public static Scope off() {
        boolean[] state = ON.get();
        boolean previous = state[0];
        state[0] = false;
        return () -> state[0] = previous;
    }

    /** An {@link AutoCloseable} that restores the previous fusion state and throws nothing. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
