package org.nnpan.nn;

import java.util.SplittableRandom;
import org.nnpan.ops.Elementwise;
import org.nnpan.tensor.Tensor;

/**
 * Inverted dropout: in training, zeroes each element with probability {@code p} and scales the rest by 1/(1−p);
 * the identity in evaluation. Its random stream is seeded, so runs repeat exactly; a {@link Module#copy() copy}
 * restarts the stream from the seed.
 */
public final class Dropout extends Module {
    private final double p;
    private final long seed;
    private final SplittableRandom rng;

    public Dropout(double p, long seed) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("Dropout: p must be in [0, 1), got " + p);
        }
        this.p = p;
        this.seed = seed;
        this.rng = new SplittableRandom(seed);
    }

    @Override
    public Tensor forward(Tensor x) {
        return Elementwise.dropout(x, p, rng, isTraining());
    }

    @Override
    protected Module freshInstance() {
        return new Dropout(p, seed);
    }

    @Override
    protected String extraRepr() {
        return "p=" + p;
    }
}
