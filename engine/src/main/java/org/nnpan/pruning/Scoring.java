package org.nnpan.pruning;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.atomic.DoubleAccumulator;
import org.nnpan.kernels.elementwise.Elementwise;
import org.nnpan.kernels.elementwise.ElementwiseKernels;
import org.nnpan.nn.Module;
import org.nnpan.nn.Parameter;
import org.nnpan.ops.Losses;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/** What the saliencies share: the scoring loss and the θ₀-weighting of per-weight quantities. */
final class Scoring {
    private static final Elementwise ELEMENTWISE = ElementwiseKernels.best();

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
     * statistics). Call it inside a {@link ScoringScope} of {@code net}: outside one, the forward pass moves running
     * statistics.
     */
    static Tensor loss(Module net, ScoringBatch batch, double temperature) {
        return loss(logits(net, batch), batch, temperature);
    }

    /**
     * The logits f(x) of {@code net} in training mode, for several losses of one forward pass. Call it inside a
     * {@link ScoringScope} of {@code net}, as {@link #loss(Module, ScoringBatch, double)}.
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
     * {@code scale}, rounded to float32 once. One parallel pass per layer on the element-wise kernels (vectorised)
     * instead of a conversion, a product and a copy; the numbers are those of the tensor ops.
     *
     * @param scale 1, or a power of two that brings the products into float32's range (exact)
     */
    static void timesThetaInto(Module model, Tensor[] perWeight, double scale, Scores out) {
        Tensor dst = out.flat();
        if (dst.dtype() != DType.F32) {
            throw new IllegalStateException("scores are float32, got " + dst.dtype());
        }
        Map<String, Parameter> weights = model.prunableParameters();
        int i = 0;
        for (WeightLayout.Layer layer : out.layout().layers()) {
            Tensor t = theta(weights, layer.name());
            Tensor g = perWeight(perWeight[i++], layer.name(), layer.numel());
            boolean wide = g.dtype() == DType.F64;
            long at = dst.offset() + layer.offset();
            FlatView.parallelFor(layer.numel(), (lo, hi) -> {
                int n = Math.toIntExact(hi - lo);
                MemorySegment o = dst.storage().segment();
                if (wide) {
                    ELEMENTWISE.scaledProductF32F64(o, at + lo, t.storage().segment(), t.offset() + lo,
                            g.storage().segment(), g.offset() + lo, scale, n);
                } else {
                    ELEMENTWISE.scaledProductF32(o, at + lo, t.storage().segment(), t.offset() + lo,
                            g.storage().segment(), g.offset() + lo, scale, n);
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
            Tensor t = theta(weights, e.getKey());
            Tensor g = perWeight(perWeight[i++], e.getKey(), t.numel());
            boolean wide = g.dtype() == DType.F64;
            FlatView.parallelFor(t.numel(), (lo, hi) -> {
                int n = Math.toIntExact(hi - lo);
                MemorySegment ts = t.storage().segment();
                MemorySegment gs = g.storage().segment();
                max.accumulate(wide ? ELEMENTWISE.maxAbsProductF32F64(ts, t.offset() + lo, gs, g.offset() + lo, n)
                        : ELEMENTWISE.maxAbsProductF32(ts, t.offset() + lo, gs, g.offset() + lo, n));
            });
        }
        return max.get();
    }

    /**
     * θ₀ of weight {@code name}, contiguous float32; {@code weights} is the model's prunable parameters, looked up
     * once per pass.
     */
    private static Tensor theta(Map<String, Parameter> weights, String name) {
        Tensor t = weights.get(name).value().detach().contiguous();
        if (t.dtype() != DType.F32) {
            throw new IllegalStateException("saliencies weight by float32 θ₀, got " + t.dtype() + " for " + name);
        }
        return t;
    }

    /** The per-weight values of {@code name}, contiguous float32 or float64. */
    private static Tensor perWeight(Tensor values, String name, long numel) {
        if (values.numel() != numel) {
            throw new IllegalArgumentException("per-weight values of " + values.numel() + " elements for " + name
                    + " of " + numel);
        }
        Tensor v = values.detach().contiguous();
        if (!v.dtype().isFloating()) {
            throw new IllegalStateException("per-weight values of " + name + " must be floating-point, got "
                    + v.dtype());
        }
        return v;
    }

    private static DType dtypeOf(Module net) {
        return net.parameters().getFirst().value().dtype();
    }
}
