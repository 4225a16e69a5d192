package org.nnpan.pruning;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
     * Writes θ₀ ⊙ {@code perWeight[i]} for each prunable weight of {@code model} (in model order) into {@code out},
     * each product taken in the dtype of {@code perWeight} (float64 for SynFlow, whose path products can leave
     * float32's range), then multiplied by {@code scale} in float64 and rounded to float32 once. One pass per layer
     * instead of a conversion, a product and a copy; the numbers are those of the tensor ops.
     *
     * @param scale 1, or a power of two that brings the products into float32's range (exact)
     */
    static void timesThetaInto(Module model, Tensor[] perWeight, double scale, Scores out) {
        MemorySegment dst = out.flat().storage().segment();
        long base = out.flat().offset();
        int i = 0;
        for (WeightLayout.Layer layer : out.layout().layers()) {
            ThetaProduct p = new ThetaProduct(model.prunableParameters().get(layer.name()).value(), perWeight[i++]);
            for (long j = 0, n = layer.numel(); j < n; j++) {
                dst.setAtIndex(ValueLayout.JAVA_FLOAT, base + layer.offset() + j, (float) (p.at(j) * scale));
            }
        }
    }

    /** The largest |θ₀ ⊙ {@code perWeight[i]}| over all prunable weights, the products as {@link #timesThetaInto}. */
    static double maxAbsTimesTheta(Module model, Tensor[] perWeight) {
        double max = 0;
        int i = 0;
        for (Parameter w : model.prunableParameters().values()) {
            ThetaProduct p = new ThetaProduct(w.value(), perWeight[i++]);
            for (long j = 0, n = p.numel(); j < n; j++) {
                max = Math.max(max, Math.abs(p.at(j)));
            }
        }
        return max;
    }

    /** θ⊙g of one layer element by element: a float32 product for a float32 g, a float64 one otherwise. */
    private static final class ThetaProduct {
        private final MemorySegment theta;
        private final long thetaOffset;
        private final boolean theta32;
        private final MemorySegment g;
        private final long gOffset;
        private final boolean g32;
        private final long numel;

        ThetaProduct(Tensor theta, Tensor g) {
            Tensor t = theta.detach().contiguous();
            Tensor gc = g.detach().contiguous();
            if (t.numel() != gc.numel()) {
                throw new IllegalArgumentException("per-weight values of " + gc.numel() + " elements for a weight of "
                        + t.numel());
            }
            this.theta = t.storage().segment();
            this.thetaOffset = t.offset();
            this.theta32 = t.dtype() == DType.F32;
            this.g = gc.storage().segment();
            this.gOffset = gc.offset();
            this.g32 = gc.dtype() == DType.F32;
            this.numel = t.numel();
        }

        long numel() {
            return numel;
        }

        double at(long j) {
            double t = theta32 ? theta.getAtIndex(ValueLayout.JAVA_FLOAT, thetaOffset + j)
                    : theta.getAtIndex(ValueLayout.JAVA_DOUBLE, thetaOffset + j);
            if (g32) {
                return (float) t * g.getAtIndex(ValueLayout.JAVA_FLOAT, gOffset + j);
            }
            return t * g.getAtIndex(ValueLayout.JAVA_DOUBLE, gOffset + j);
        }
    }

    private static DType dtypeOf(Module net) {
        return net.parameters().getFirst().value().dtype();
    }
}
