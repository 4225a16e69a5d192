package org.nnpan.backend;

/**
 * Chooses the backend new tensors are created on. The default is the optimised {@link CpuBackend}; tests switch a
 * thread to the {@link ReferenceBackend} with {@code try (var b = Backends.use(Backends.reference())) { ... }}.
 */
public final class Backends {
    private static final ReferenceBackend REFERENCE = new ReferenceBackend();
    private static final CpuBackend CPU = new CpuBackend();
    private static final ThreadLocal<Backend[]> CURRENT = ThreadLocal.withInitial(() -> new Backend[] {CPU});

    private Backends() {
    }

    /** The naive double-precision oracle. */
    public static Backend reference() {
        return REFERENCE;
    }

    /** The optimised CPU backend. */
    public static Backend cpu() {
        return CPU;
    }

    /** The backend factories use on this thread. */
    public static Backend current() {
        return CURRENT.get()[0];
    }

    /** Makes {@code backend} current on this thread until the returned handle is closed. */
    public static Use use(Backend backend) {
        Backend[] slot = CURRENT.get();
        Backend previous = slot[0];
        slot[0] = backend;
        return () -> slot[0] = previous;
    }

    /** Restores the previous backend on close. */
    @FunctionalInterface
    public interface Use extends AutoCloseable {
        @Override
        void close();
    }

    /** Looks a backend up by name ("cpu" or "reference"). */
    public static Backend byName(String name) {
        return switch (name) {
            case "cpu" -> CPU;
            case "reference" -> REFERENCE;
            default -> throw new IllegalArgumentException("unknown backend '" + name + "'; valid: cpu, reference");
        };
    }
}
