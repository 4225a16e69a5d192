package org.nnpan.pruning;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nnpan.nn.Module;
import org.nnpan.tensor.Tensor;

/** Magnitude pruning at initialisation: the score of a weight is |θ₀|. */
public record MagnitudeSaliency() implements Saliency {

    @Override
    public String name() {
        return "magnitude";
    }

    @Override
    public Scores score(Module model, Mask mask, ScoringBatch batch) {
        Scoring.check(model, mask);
        return Scores.computeScoped(WeightLayout.of(model), name(), () -> {
            Map<String, Tensor> abs = new LinkedHashMap<>();
            model.prunableParameters().forEach((name, p) -> abs.put(name, p.value().detach().abs()));
            return abs;
        });
    }
}
