package org.nnpan.pruning;

import org.nnpan.autograd.Autograd;
import org.nnpan.nn.Module;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/**
 * SNIP's connection sensitivity θ₀ ⊙ ∂L/∂w, with L = CrossEntropy(f(x)/T, y) and BatchNorm in training mode (the
 * running statistics are restored afterwards). The raw score is signed; classic SNIP ranks its absolute value
 * ({@link ScoreRule#ABSOLUTE}).
 *
 * <p>Where the gradient is taken is the {@link Network}: on the dense network θ₀ (SNIP), or on the masked network
 * w = θ₀⊙m (FORCE and iterative SNIP). In the masked case ∂L/∂w is the gradient with respect to the effective
 * weight, which is non-zero for pruned weights too, so a pruned weight can come back unless the method forbids it.
 */
public final class SnipSaliency implements Saliency {
    /** GraSP's temperature, used for SNIP and GraSP alike in the reference experiments. */
    public static final double DEFAULT_TEMPERATURE = 200;

    /** Which network the gradient is taken on. */
    public enum Network {
        /** The dense network θ₀: SNIP. */
        DENSE,
        /** The masked network θ₀⊙m: FORCE and iterative SNIP. */
        MASKED
    }

    private final double temperature;
    private final Network network;
    private final WorkingCopy maskedCopy = new WorkingCopy(DType.F32);

    /**
     * @param temperature T in CrossEntropy(f(x)/T, y); positive
     * @param network     where the gradient is taken
     */
    public SnipSaliency(double temperature, Network network) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be positive, got " + temperature);
        }
        this.temperature = temperature;
        this.network = network;
    }

    /** SNIP on the dense network at T = 200. */
    public static SnipSaliency dense() {
        return new SnipSaliency(DEFAULT_TEMPERATURE, Network.DENSE);
    }

    /** SNIP on the masked network at T = 200 (FORCE's saliency). */
    public static SnipSaliency masked() {
        return new SnipSaliency(DEFAULT_TEMPERATURE, Network.MASKED);
    }

    /** {@code snip}, or {@code snip_masked} on the masked network. */
    @Override
    public String name() {
        return network == Network.DENSE ? "snip" : "snip_masked";
    }

    @Override
    public Scores score(Module model, Mask mask, ScoringBatch batch) {
        Scoring.check(model, mask);
        return Scores.computeInto(WeightLayout.of(model), name(), scores -> {
            Module net = network == Network.DENSE ? model : maskedCopy.masked(model, mask, false);
            try (ScoringScope _ = ScoringScope.of(net)) {
                Tensor loss = Scoring.loss(net, batch, temperature);
                Tensor[] g = Autograd.grad(new Tensor[] {loss}, Scoring.prunableValues(net), null, false);
                Scoring.timesThetaInto(model, g, 1, scores);
            }
        });
    }
}
