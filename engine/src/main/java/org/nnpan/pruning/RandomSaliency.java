package org.nnpan.pruning;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nnpan.data.SplitMix64;
import org.nnpan.nn.Module;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/**
 * Random pruning: i.i.d. uniform noise in [0, 1) per weight, the same for every call with the same seed. Under
 * global selection it keeps every layer at about the target density.
 *
 * @param seed the noise seed (mixed with a fixed purpose tag, so it does not replay the initialisation's draws)
 */
public record RandomSaliency(long seed) implements Saliency {

    @Override
    public String name() {
        return "random";
    }

    @Override
    public Scores score(Module model, Mask mask, ScoringBatch batch) {
        Scoring.check(model, mask);
        SplitMix64 rng = new SplitMix64(Seeds.derive(seed, "random-saliency"));
        WeightLayout layout = WeightLayout.of(model);
        return Scores.computeScoped(layout, name(), () -> {
            Map<String, Tensor> noise = new LinkedHashMap<>();
            layout.layers().forEach(l -> noise.put(l.name(), Tensor.uniform(rng, 0, 1, DType.F32, l.shape())));
            return noise;
        });
    }
}
