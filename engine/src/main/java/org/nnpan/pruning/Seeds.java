package org.nnpan.pruning;

import org.nnpan.data.SplitMix64;

/**
 * Independent random streams from one user seed. The initialisation, the scoring batch, random scores and the
 * layer-wise shuffle all start from {@code --seed}; drawing them from one SplitMix64 stream would make, say,
 * random scores replay the initial weights' draws and so correlate with them.
 */
public final class Seeds {
    private Seeds() {
    }

    /** A seed for {@code purpose} derived from {@code seed}; different purposes give unrelated streams. */
    public static long derive(long seed, String purpose) {
        return new SplitMix64(seed ^ new SplitMix64(purpose.hashCode()).nextLong()).nextLong();
    }
}
