package org.nnpan.kernels.select;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Turns a float32 segment into {@link ScoreKeys keys} a cache-sized block at a time, so every selection pass runs
 * its own loop over a plain {@code int[]} of keys, and provides the per-block primitives those loops need.
 *
 * <p>{@link RadixSelect} and {@link TopK} hold all the selection logic; an implementation only supplies the
 * primitives: {@link #fill converting} a block of scores to keys, {@link #gatherMatching compressing} the keys
 * that match a radix prefix, {@link #countEqual counting} the keys equal to one, and {@link #markKept writing} a
 * block of the mask. There are two, with identical results:
 * <ul>
 *   <li>{@code VectorKeyBlocks}, with the Vector API: it needs the module {@code jdk.incubator.vector} in the boot
 *       layer (the JVM option {@code --add-modules jdk.incubator.vector}). It is loaded reflectively and only when
 *       chosen, so that nothing links against the Vector API unless the module is present.</li>
 *   <li>{@link ScalarKeyBlocks}, with plain loops: runs everywhere, e.g. under {@code java -jar}.</li>
 * </ul>
 *
 * <p>{@link #best()} picks the vector implementation when the module is present, else the scalar one. The system
 * property {@code nnpan.simd} overrides that: {@code off} forces the scalar implementation, {@code on} the vector
 * one (failing if the module is missing), {@code auto} (or no value) is the default.
 */
abstract class KeyBlocks {

    /** Elements per block: 16 KiB of keys, comfortably inside L1 together with a pass's output. */
    static final int BLOCK = 4096;

    /** Smallest number of elements worth handing to another thread. */
    static final long GRAIN = 1 << 16;

    /** The values {@code nnpan.simd} accepts. */
    static final List<String> SIMD_VALUES = List.of("auto", "on", "off");

    static final String PROPERTY = "nnpan.simd";

    private static final String VECTOR_MODULE = "jdk.incubator.vector";

    private static volatile KeyBlocks best;

    /** Work on one block: {@code keys[0, length)} are the keys of the elements at {@code [base, base + length)}. */
    @FunctionalInterface
    interface Body {
        void accept(int[] keys, int length, long base);
    }

    /** Slack after a block's keys in every buffer, so whole-vector loops over a block need no scalar tail. */
    private final int padding;

    /** {@code padding}: how many elements past a block's end the primitives may read and write. */
    KeyBlocks(int padding) {
        this.padding = padding;
    }

    /** {@code "vector"} or {@code "scalar"}. */
    abstract String name();

    /**
     * Writes the keys of {@code scores[base, base + length)}, {@code length <= BLOCK}, to {@code keys[0, length)};
     * may overwrite {@code keys} up to the padding past {@code length}.
     */
    abstract void fill(MemorySegment scores, long base, int length, int flip, int[] keys);

    /**
     * Copies the keys of {@code keys[0, length)} whose unsigned form {@code u} has {@code (u & prefixMask) == prefix}
     * to the front of {@code matched}, in order, and returns how many there are. May read {@code keys} and write
     * {@code matched} up to the padding past {@code length}.
     */
    abstract int gatherMatching(int[] keys, int length, int prefixMask, int prefix, int[] matched);

    /** How many of {@code keys[0, length)} equal {@code key}. */
    abstract int countEqual(int[] keys, int length, int key);

    /**
     * Sets {@code maskBits[i]} to the bits of 1.0f where {@code keys[i]} exceeds {@code key}, or equals it at
     * {@code i < tieLimit}, and to the bits of 0.0f elsewhere, for {@code i < length}; may write {@code maskBits} up
     * to the padding past {@code length}.
     */
    abstract void markKept(int[] keys, int length, int key, int tieLimit, int[] maskBits);

    /** A key (or mask) buffer for one thread: one block and the padding. */
    final int[] buffer() {
        return new int[BLOCK + padding];
    }

    /** Calls {@code body} for each block of {@code scores[start, end)}, in index order, filling {@code keys}. */
    final void scan(MemorySegment scores, long start, long end, int flip, int[] keys, Body body) {
        for (long base = start; base < end; base += BLOCK) {
            int length = (int) Math.min(BLOCK, end - base);
            fill(scores, base, length, flip, keys);
            body.accept(keys, length, base);
        }
    }

    @Override
    public String toString() {
        return name();
    }

    /**
     * The implementation {@link TopK} uses: chosen on first use from {@code nnpan.simd} and the presence of the
     * Vector API module. A bad property value throws on every call rather than once.
     *
     * @throws IllegalArgumentException if {@code nnpan.simd} is not one of {@link #SIMD_VALUES}
     * @throws IllegalStateException if {@code nnpan.simd=on} but the Vector API module is missing
     */
    static KeyBlocks best() {
        KeyBlocks chosen = best;
        if (chosen == null) {
            synchronized (KeyBlocks.class) {
                chosen = best;
                if (chosen == null) {
                    chosen = choose(System.getProperty(PROPERTY));
                    best = chosen;
                }
            }
        }
        return chosen;
    }

    /** The implementation for a value of {@code nnpan.simd} ({@code null} or blank: automatic). */
    static KeyBlocks choose(String simd) {
        String value = simd == null || simd.isBlank() ? "auto" : simd.trim();
        return switch (value) {
            case "auto" -> vectorApiAvailable() ? vector() : scalar();
            case "on" -> vector();
            case "off" -> scalar();
            default -> throw new IllegalArgumentException(
                    PROPERTY + " must be one of " + String.join(", ", SIMD_VALUES) + ", got '" + simd + "'");
        };
    }

    /** Whether {@code jdk.incubator.vector} is in the boot layer, i.e. {@link #vector()} can run. */
    static boolean vectorApiAvailable() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    /** The plain-loop implementation. */
    static KeyBlocks scalar() {
        return ScalarKeyBlocks.INSTANCE;
    }

    /**
     * The Vector API implementation, loaded reflectively so that nothing links against the Vector API unless it is
     * present.
     *
     * @throws IllegalStateException if the module {@code jdk.incubator.vector} is not in the boot layer
     */
    static KeyBlocks vector() {
        if (!vectorApiAvailable()) {
            throw new IllegalStateException(
                    "the vector top-k needs the JVM option --add-modules " + VECTOR_MODULE);
        }
        return VectorHolder.INSTANCE;
    }

    /** Initialised on the first {@link #vector()} call only, after the module check. */
    private static final class VectorHolder {
        static final KeyBlocks INSTANCE = load();

        private static KeyBlocks load() {
            try {
                return Class.forName(KeyBlocks.class.getPackageName() + ".VectorKeyBlocks")
                        .asSubclass(KeyBlocks.class).getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot create the vector top-k", e);
            }
        }
    }
}
