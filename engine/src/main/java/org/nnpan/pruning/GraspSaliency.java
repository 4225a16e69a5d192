package org.nnpan.pruning;

import java.util.function.Consumer;
import org.nnpan.autograd.Autograd;
import org.nnpan.nn.Module;
import org.nnpan.nn.Parameter;
import org.nnpan.tensor.MemoryScope;
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
            try (ScoringScope _ = ScoringScope.of(model)) {
                int forward = MemoryScope.current().allocationCount();
                Tensor[] hg = hessianGradient(model, Scoring.loss(model, batch, temperature), forward, g -> {
                });
                Scoring.timesThetaInto(model, hg, 1, scores);
            }
        });
    }

    /**
     * Hg = ∂(½‖g‖²)/∂w for each prunable weight w of the dense {@code model}, in model order, where g = ∂L/∂θ over the
     * parameters of this saliency's {@link GradientNorm} and {@code loss} = L is a scalar computed from
     * {@code model}'s parameters with the graph recorded (at this saliency's temperature).
     *
     * <p>Memory goes as soon as nothing reads it: the forward pass's tensors that no backward rule saved before the
     * first pass, and the rest of the forward and first backward passes during the second one (see
     * {@link Autograd#gradReleasingGraph}). Every tensor the current scope allocated from position {@code since} on
     * (taken before the forward pass of {@code loss}) is unreadable afterwards, {@code loss} and g included, so
     * {@code firstOrder} sees g (in that order, the prunable weights in model order for
     * {@link GradientNorm#PRUNABLE_WEIGHTS}) before.
     */
    Tensor[] hessianGradient(Module model, Tensor loss, int since, Consumer<Tensor[]> firstOrder) {
        Tensor[] normed = norm == GradientNorm.PRUNABLE_WEIGHTS ? Scoring.prunableValues(model)
                : model.parameters().stream().map(Parameter::value).toArray(Tensor[]::new);
        MemoryScope.current().releaseUnsavedSince(since); // no rule reads them: the forward pass's unsaved outputs
        Tensor[] g = Autograd.grad(new Tensor[] {loss}, normed, null, true);
        firstOrder.accept(g);
        Tensor halfSquaredNorm = null;
        for (Tensor gi : g) {
            Tensor s = gi.mul(gi).sum();
            halfSquaredNorm = halfSquaredNorm == null ? s : halfSquaredNorm.add(s);
        }
        return Autograd.gradReleasingGraph(new Tensor[] {halfSquaredNorm.mul(0.5)}, Scoring.prunableValues(model),
                since);
    }
}
