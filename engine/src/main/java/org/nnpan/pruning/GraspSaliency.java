package org.nnpan.pruning;

import org.nnpan.autograd.Autograd;
import org.nnpan.nn.Module;
import org.nnpan.nn.Parameter;
import org.nnpan.tensor.Tensor;

/**
 * GraSP's gradient-flow index θ₀ ⊙ Hg with g = ∂L/∂θ and Hg = ∂(½‖g‖²)/∂θ, a Hessian-gradient product by double
 * backpropagation, on the dense network with BatchNorm in training mode (running statistics restored afterwards)
 * and L = CrossEntropy(f(x)/T, y).
 *
 * <p>The {@link GradientNorm} says over which parameters ‖g‖² runs. The default follows the GraSP reference code:
 * the prunable weights only. Including biases and BatchNorm parameters changes Hg slightly.
 *
 * <p>The raw score is signed. The original GraSP prunes the weights with the highest θ⊙Hg, i.e. keeps the highest
 * −θ⊙Hg ({@link ScoreRule#NEGATED}); Panning ranks the absolute value.
 */
public final class GraspSaliency implements Saliency {

    /** The parameters whose gradient enters ‖g‖². */
    public enum GradientNorm {
        /** Convolution and linear weights only, as in the GraSP reference code (the default). */
        PRUNABLE_WEIGHTS,
        /** Every parameter, biases and BatchNorm γ, β included. */
        ALL_PARAMETERS
    }

    private final double temperature;
    private final GradientNorm norm;

    /**
     * @param temperature T in CrossEntropy(f(x)/T, y); positive
     * @param norm        which parameters' gradients enter ‖g‖²
     */
    public GraspSaliency(double temperature, GradientNorm norm) {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be positive, got " + temperature);
        }
        this.temperature = temperature;
        this.norm = norm;
    }

    /** The GraSP reference variant: T = 200, ‖g‖² over the prunable weights. */
    public static GraspSaliency reference() {
        return new GraspSaliency(SnipSaliency.DEFAULT_TEMPERATURE, GradientNorm.PRUNABLE_WEIGHTS);
    }

    @Override
    public String name() {
        return "grasp";
    }

    /** T in CrossEntropy(f(x)/T, y). */
    double temperature() {
        return temperature;
    }

    @Override
    public Scores score(Module model, Mask mask, ScoringBatch batch) {
        Scoring.check(model, mask);
        return Scores.computeInto(WeightLayout.of(model), name(), scores -> {
            try (ModelSnapshot _ = ModelSnapshot.of(model)) {
                Scoring.timesThetaInto(model, gradients(model, Scoring.loss(model, batch, temperature)).hg(), 1,
                        scores);
            }
        });
    }

    /**
     * The two gradients GraSP takes of the dense {@code model}'s scoring {@code loss} (recorded at this saliency's
     * temperature).
     *
     * @param g  ∂L/∂θ over the parameters of {@link #norm()}, in that order (the prunable weights in model order
     *           for {@link GradientNorm#PRUNABLE_WEIGHTS}), with their graph recorded
     * @param hg Hg = ∂(½‖g‖²)/∂w for each prunable weight w, in model order
     */
    record Gradients(Tensor[] g, Tensor[] hg) {
    }

    /** g and Hg of {@code loss}, a scalar computed from {@code model}'s parameters with the graph recorded. */
    Gradients gradients(Module model, Tensor loss) {
        Tensor[] normed = norm == GradientNorm.PRUNABLE_WEIGHTS ? Scoring.prunableValues(model)
                : model.parameters().stream().map(Parameter::value).toArray(Tensor[]::new);
        Tensor[] g = Autograd.grad(new Tensor[] {loss}, normed, null, true);
        Tensor halfSquaredNorm = null;
        for (Tensor gi : g) {
            Tensor s = gi.mul(gi).sum();
            halfSquaredNorm = halfSquaredNorm == null ? s : halfSquaredNorm.add(s);
        }
        Tensor[] hg = Autograd.grad(new Tensor[] {halfSquaredNorm.mul(0.5)}, Scoring.prunableValues(model), null,
                false);
        return new Gradients(g, hg);
    }
}
