package org.nnpan.pruning;

import java.util.LinkedHashMap;
import java.util.Map;
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
     * θ₀ ⊙ {@code perWeight[i]} for each prunable weight of {@code model}, by name, computed in the dtype of
     * {@code perWeight} (float64 for SynFlow, whose path products can leave float32's range).
     */
    static Map<String, Tensor> timesTheta(Module model, Tensor[] perWeight) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        int i = 0;
        for (Map.Entry<String, Parameter> e : model.prunableParameters().entrySet()) {
            Tensor g = perWeight[i++].detach();
            out.put(e.getKey(), e.getValue().value().detach().to(g.dtype()).mul(g));
        }
        return out;
    }

    private static DType dtypeOf(Module net) {
        return net.parameters().getFirst().value().dtype();
    }
}
