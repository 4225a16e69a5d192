package org.nnpan.data;

import java.util.random.RandomGenerator;

/**
 * The SplitMix64 generator: a 64-bit state advanced by a fixed odd constant and passed through a mixing function.
 * It is used instead of {@link java.util.SplittableRandom} because its whole state is one {@code long} that can be
 * saved in a checkpoint and restored, so a resumed run draws exactly the same numbers.
 *
 * <p>{@link #nextInt(int)} and {@link #nextBoolean()} are defined here rather than inherited so that their results
 * depend only on this class, not on the JDK's default algorithms. Not thread-safe.
 */
public final class SplitMix64 implements RandomGenerator {

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private long state;

    /** A generator whose state starts at {@code seed}. */
    public SplitMix64(long seed) {
        this.state = seed;
    }

    /** The current state; {@code new SplitMix64(state())} continues with the same numbers as this generator. */
    public long state() {
        return state;
    }

    /** Replaces the state, e.g. with one saved earlier by {@link #state()}. */
    public void setState(long state) {
        this.state = state;
    }

    @Override
    public long nextLong() {
        long z = state += GOLDEN_GAMMA;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A uniform integer in {@code [0, bound)}, without modulo bias (Lemire's multiply-and-reject method). */
    @Override
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be positive, got " + bound);
        }
        long product = (nextLong() >>> 32) * bound;
        if ((product & 0xFFFFFFFFL) < bound) {
            // Only products whose low half falls below 2^32 mod bound are over-represented; redraw those.
            long threshold = (0x1_0000_0000L - bound) % bound;
            while ((product & 0xFFFFFFFFL) < threshold) {
                product = (nextLong() >>> 32) * bound;
            }
        }
        return (int) (product >>> 32);
    }

    @Override
    public boolean nextBoolean() {
        return nextLong() < 0;
    }

    /** A uniformly random permutation of {@code 0..n-1} (Fisher-Yates). */
    public int[] permutation(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
