package org.nnpan.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nnpan.models.ModelSpec;
import org.nnpan.models.ModelZoo;
import org.nnpan.nn.Module;
import org.nnpan.nn.init.InitScheme;
import org.nnpan.pruning.Mask;
import org.nnpan.pruning.PruningReport;
import org.nnpan.pruning.WeightLayout;
import org.nnpan.tensor.Tensor;
import org.nnpan.train.EpochMetrics;
import org.nnpan.train.TrainConfig;
import org.nnpan.train.TrainResult;

/** Training histories and pruning reports for the report tests. */
final class Fixtures {
    private Fixtures() {
    }

    /** A run of {@code epochs} epochs whose test accuracy peaks at {@code bestEpoch}. */
    static TrainResult training(int epochs, int bestEpoch) {
        List<EpochMetrics> history = new ArrayList<>();
        for (int e = 1; e <= epochs; e++) {
            double acc = 90 - Math.abs(e - bestEpoch) * 0.1;
            history.add(new EpochMetrics(e, 1.0 / e, 80 + e * 0.01, 1.2 / e, acc, 0.1 / e, 2.5, 1000 + e));
        }
        return new TrainResult(epochs, history.getLast().testAcc(), 90, bestEpoch, history);
    }

    /** LeNet-300-100 on MNIST-like data. */
    static TrainConfig config() {
        return TrainConfig.defaults("lenet300", "synthetic");
    }

    /** A pruning report of LeNet-300-100 with layer i keeping about {@code densities[i]} of its weights at random. */
    static PruningReport pruning(double... densities) {
        TrainConfig c = config();
        Module net = ModelZoo.create(c.model(), ModelSpec.of(10, 3, 32), InitScheme.REFERENCE,
                new SplittableRandom(1));
        SplittableRandom rng = new SplittableRandom(2);
        Map<String, Tensor> masks = new LinkedHashMap<>();
        List<WeightLayout.Layer> layers = WeightLayout.of(net).layers();
        for (int i = 0; i < layers.size(); i++) {
            WeightLayout.Layer l = layers.get(i);
            float[] keep = new float[Math.toIntExact(l.numel())];
            for (int j = 0; j < keep.length; j++) {
                keep[j] = rng.nextDouble() < densities[i] ? 1 : 0;
            }
            masks.put(l.name(), Tensor.of(keep, l.shape()));
        }
        return PruningReport.of(net, Mask.of(net, masks), new int[] {3, 32, 32},
                new LinkedHashMap<>(Map.of("method", "random")));
    }
}
