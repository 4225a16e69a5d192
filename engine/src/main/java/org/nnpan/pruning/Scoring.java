package org.nnpan.pruning;

import java.util.Map;
import java.util.concurrent.atomic.DoubleAccumulator;
import org.nnpan.nn.Module;
import org.nnpan.nn.Parameter;
import org.nnpan.ops.Losses;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/** What the saliencies share: the scoring loss and the θ₀-weighting of per-weight quantities. */
final class Scoring {
    private Scoring() {
    }

    /**
     * Throws unless {@code model} is dense and {@code mask} fits it: saliencies read θ₀ and are told the mask
     * separately, so a mask installed on the model would silently change what they compute.
     */
    static void check(Module model, Mask mask) {
        requireDense(model);
        mask.validateFor(model);
    }

    /** Throws unless no prunable weight of {@code model} carries a mask. */
    static void requireDense(Module model) {
        model.prunableParameters().forEach((name, p) -> {
            if (p.isMasked()) {
                throw new IllegalArgumentException("scoring needs the dense network θ₀, but " + name
                        + " carries a mask; pass the current mask as an argument instead of installing it");
            }
        });
    }

    /**
     * L = CrossEntropy(f(x)/T, y), mean over the batch, with {@code net} in training mode (BatchNorm uses batch
     * statistics). Call it inside a {@link ModelSnapshot} of {@code net}: the forward pass moves running statistics.
     */
    static Tensor loss(Module net, ScoringBatch batch, double temperature) {
        return loss(logits(net, batch), batch, temperature);
    }

    /**
     * The logits f(x) of {@code net} in training mode, for several losses of one forward pass. Call it inside a
     * {@link ModelSnapshot} of {@code net}, as {@link #loss(Module, ScoringBatch, double)}.
     */
    static Tensor logits(Module net, ScoringBatch batch) {
        net.train();
        return net.forward(batch.inputs().to(dtypeOf(net)));
    }

    /** CrossEntropy({@code logits}/T, y), mean over the batch. */
    static Tensor loss(Tensor logits, ScoringBatch batch, double temperature) {
        return Losses.crossEntropy(logits.div(temperature), batch.labels(), Losses.Reduction.MEAN);
    }

    /** The prunable weights' value tensors (the autograd leaves), in model order. */
    static Tensor[] prunableValues(Module net) {
        return net.prunableParameters().values().stream().map(Parameter::value).toArray(Tensor[]::new);
    }

    /**
     * Writes θ₀ ⊙ {@code perWeight[i]} for each prunable weight of {@code model} (in model order) into {@code out}:
     * each product taken in float64 (exact for float32 operands, so it rounds as a float32 product would), times
     * {@code scale}, rounded to float32 once. One parallel pass per layer instead of a conversion, a product and a
     * copy; the numbers are those of the tensor ops.
     *
     * @param scale 1, or a power of two that brings the products into float32's range (exact)
     */
    static void timesThetaInto(Module model, Tensor[] perWeight, double scale, Scores out) {
        FlatView dst = FlatView.of(out.flat(), "scores");
        Map<String, Parameter> weights = model.prunableParameters();
        int i = 0;
        for (WeightLayout.Layer layer : out.layout().layers()) {
            FlatView t = theta(weights, layer.name());
            FlatView g = perWeight(perWeight[i++], layer.name(), layer.numel());
            FlatView d = dst.startingAt(layer.offset());
            FlatView.parallelFor(layer.numel(), (lo, hi) -> {
                for (FlatView.Blocks b = new FlatView.Blocks(lo, hi); b.next(); ) {
                    t.read(b, b.x);
                    g.read(b, b.y);
                    for (int k = 0; k < b.length(); k++) {
                        b.z[k] = b.x[k] * b.y[k] * scale;
                    }
                    d.write(b, b.z);
                }
            });
        }
    }

    /** The largest |θ₀ ⊙ {@code perWeight[i]}| over all prunable weights, the products as {@link #timesThetaInto}. */
    static double maxAbsTimesTheta(Module model, Tensor[] perWeight) {
        DoubleAccumulator max = new DoubleAccumulator(Math::max, 0);
        int i = 0;
        Map<String, Parameter> weights = model.prunableParameters();
        for (Map.Entry<String, Parameter> e : weights.entrySet()) {
            FlatView t = theta(weights, e.getKey());
            long n = e.getValue().value().numel();
            FlatView g = perWeight(perWeight[i++], e.getKey(), n);
            FlatView.parallelFor(n, (lo, hi) -> {
                double m = 0;
                for (FlatView.Blocks b = new FlatView.Blocks(lo, hi); b.next(); ) {
                    t.read(b, b.x);
                    g.read(b, b.y);
                    for (int k = 0; k < b.length(); k++) {
                        m = Math.max(m, Math.abs(b.x[k] * b.y[k]));
                    }
                }
                max.accumulate(m);
            });
        }
        return max.get();
    }

    /** θ₀ of weight {@code name}; {@code weights} is the model's prunable parameters, looked up once per pass. */
    private static FlatView theta(Map<String, Parameter> weights, String name) {
        return FlatView.of(weights.get(name).value().detach().contiguous(), "weight " + name);
    }

    private static FlatView perWeight(Tensor values, String name, long numel) {
        if (values.numel() != numel) {
            throw new IllegalArgumentException("per-weight values of " + values.numel() + " elements for " + name
                    + " of " + numel);
        }
        return FlatView.of(values.detach().contiguous(), "per-weight values of " + name);
    }

    private static DType dtypeOf(Module net) {
        return net.parameters().getFirst().value().dtype();
    }
}
