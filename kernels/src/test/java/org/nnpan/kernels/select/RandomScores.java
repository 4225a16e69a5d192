package org.nnpan.kernels.select;

import java.util.Random;

/** Score vectors of the shapes global pruning meets, and the awkward ones. */
enum RandomScores {
    GAUSSIAN {
        @Override
        float next(Random random) {
            return (float) random.nextGaussian();
        }
    },
    /** Many ties: a handful of small integers, both zeros among them. */
    FEW_VALUES {
        @Override
        float next(Random random) {
            int v = random.nextInt(7) - 3;
            return v == 0 && random.nextBoolean() ? -0.0f : v;
        }
    },
    /** Extremes and signed zeros: infinities, the largest and the tiniest magnitudes. */
    SPECIAL {
        private static final float[] VALUES = {
                Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -0.0f, 0.0f, 1.0f, -1.0f,
                Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_NORMAL};

        @Override
        float next(Random random) {
            return VALUES[random.nextInt(VALUES.length)];
        }
    },
    /** Any non-NaN bit pattern: all exponents, denormals, both signs. */
    ANY_BITS {
        @Override
        float next(Random random) {
            float v;
            do {
                v = Float.intBitsToFloat(random.nextInt());
            } while (Float.isNaN(v));
            return v;
        }
    },
    /** Non-negative magnitudes bunched near zero, like |weight * gradient| saliencies. */
    SALIENCY {
        @Override
        float next(Random random) {
            return (float) Math.abs(random.nextGaussian() * random.nextGaussian() * 1e-3);
        }
    };

    abstract float next(Random random);

    float[] fill(int n, Random random) {
        float[] scores = new float[n];
        for (int i = 0; i < n; i++) {
            scores[i] = next(random);
        }
        return scores;
    }
}
