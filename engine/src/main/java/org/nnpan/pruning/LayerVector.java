package org.nnpan.pruning;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;
import org.nnpan.autograd.Autograd;
import org.nnpan.tensor.Tensor;

/**
 * One float32 value per prunable weight, kept in one flat vector laid out by a {@link WeightLayout} and seen per
 * layer through views: what {@link Mask} and {@link Scores} have in common.
 */
abstract sealed class LayerVector permits Mask, Scores {
    final WeightLayout layout;
    final Tensor flat;

    LayerVector(WeightLayout layout, Tensor flat) {
        this.layout = layout;
        this.flat = flat;
    }

    /** The layout of the model the values are for. */
    public WeightLayout layout() {
        return layout;
    }

    /** The values of one weight tensor, a view in its shape. */
    public Tensor get(String name) {
        return WeightLayout.view(flat, layout.layer(name));
    }

    /** Every layer's values (views) by parameter name, in model order. */
    public SequencedMap<String, Tensor> asMap() {
        SequencedMap<String, Tensor> out = new LinkedHashMap<>();
        layout.layers().forEach(l -> out.put(l.name(), WeightLayout.view(flat, l)));
        return out;
    }

    /** All values as one float32 vector of N elements, layers concatenated in model order. */
    public Tensor flat() {
        return flat;
    }

    /** Copies each layer's tensor of {@code perLayer} into its view; the caller has checked names and shapes. */
    final void copyLayers(Map<String, Tensor> perLayer) {
        try (Autograd.GradMode _ = Autograd.noGrad()) {
            for (WeightLayout.Layer layer : layout.layers()) {
                Tensor dst = WeightLayout.view(flat, layer);
                dst.backend().copyInto(dst, perLayer.get(layer.name()));
            }
        }
    }
}
