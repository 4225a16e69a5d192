package org.nnpan.pruning;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nnpan.nn.AdaptiveAvgPool2d;
import org.nnpan.nn.BatchNorm2d;
import org.nnpan.nn.Conv2d;
import org.nnpan.nn.Flatten;
import org.nnpan.nn.Linear;
import org.nnpan.nn.MaxPool2d;
import org.nnpan.nn.Module;
import org.nnpan.nn.ReLU;
import org.nnpan.nn.Sequential;
import org.nnpan.nn.init.InitScheme;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/** Small networks and batches for the pruning tests. */
final class TestNets {
    private TestNets() {
    }

    /**
     * Flatten, then a bias-free ReLU MLP with the given widths (input first), PyTorch-initialised; the linear
     * layers are named {@code 1.weight}, {@code 3.weight}, ... It takes [N, widths[0], 1, 1] as SynFlow feeds it.
     */
    static Sequential mlp(SplittableRandom rng, int... widths) {
        List<Module> layers = new ArrayList<>();
        layers.add(new Flatten());
        for (int i = 0; i + 1 < widths.length; i++) {
            if (i > 0) {
                layers.add(new ReLU());
            }
            layers.add(new Linear(widths[i], widths[i + 1], false));
        }
        return initialised(new Sequential(layers), rng);
    }

    /** Bias-free conv, ReLU, max pool 2, conv, ReLU, global average pool, flatten, bias-free linear. */
    static Sequential convNet(SplittableRandom rng, int in, int c1, int c2, int classes) {
        return initialised(new Sequential(new Conv2d(in, c1, 3, 1, 1, false), new ReLU(), new MaxPool2d(2),
                new Conv2d(c1, c2, 3, 1, 1, false), new ReLU(), new AdaptiveAvgPool2d(1), new Flatten(),
                new Linear(c2, classes, false)), rng);
    }

    /** conv (bias) → BatchNorm → ReLU → conv → BatchNorm → ReLU → global average pool → flatten → linear (bias). */
    static Sequential batchNormNet(SplittableRandom rng) {
        return initialised(new Sequential(new Conv2d(3, 4, 3, 1, 1, true), new BatchNorm2d(4), new ReLU(),
                new Conv2d(4, 6, 3, 2, 1, false), new BatchNorm2d(6), new ReLU(), new AdaptiveAvgPool2d(1),
                new Flatten(), new Linear(6, 5)), rng);
    }

    /** {@code perClass} random images [C, size, size] of each of {@code classes} classes. */
    static ScoringBatch batch(SplittableRandom rng, int classes, int perClass, int channels, int size) {
        long[] labels = new long[classes * perClass];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % classes;
        }
        return new ScoringBatch(Tensor.randn(rng, 1, DType.F32, labels.length, channels, size, size),
                Tensor.of(labels, labels.length));
    }

    /** A batch of one image, for data-free indices that read only the input shape. */
    static ScoringBatch shapeOnly(int channels, int size) {
        return new ScoringBatch(Tensor.zeros(DType.F32, 1, channels, size, size), Tensor.of(new long[1], 1));
    }

    /** Scores of {@code model}'s layout with values {@code perLayer[i]} for layer i, in model order. */
    static Scores scores(Module model, float[]... perLayer) {
        WeightLayout layout = WeightLayout.of(model);
        Map<String, Tensor> map = new LinkedHashMap<>();
        int i = 0;
        for (WeightLayout.Layer l : layout.layers()) {
            map.put(l.name(), Tensor.of(perLayer[i++], l.shape()));
        }
        return Scores.of(layout, map);
    }

    private static Sequential initialised(Sequential net, SplittableRandom rng) {
        InitScheme.PYTORCH.apply(net, rng);
        return net;
    }
}
