package org.nnpan.pruning;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nnpan.nn.Sequential;
import org.nnpan.tensor.MemoryScope;

/**
 * SynFlow's conservation law (Tanaka et al., 2020, Theorem 1) on bias-free, BatchNorm-free ReLU networks: the
 * synaptic flow into a unit equals the flow out of it, so every layer carries the same total score R. It holds for
 * any mask, counting the kept weights.
 */
class SynFlowConservationTest {
    private static final double RELATIVE = 2e-5;

    @Test
    void flowIntoEveryHiddenUnitEqualsFlowOutOfItInRandomMlps() {
        SplittableRandom rng = new SplittableRandom(11);
        for (int trial = 0; trial < 20; trial++) {
            int[] widths = {2 + rng.nextInt(10), 2 + rng.nextInt(10), 2 + rng.nextInt(10), 2 + rng.nextInt(10)};
            Sequential net = TestNets.mlp(rng, widths);
            try (MemoryScope _ = MemoryScope.open()) {
                Mask mask = trial % 2 == 0 ? Mask.dense(net) : randomMask(net, trial);
                ScoringBatch input = TestNets.shapeOnly(widths[0], 1);
                Scores scores = keptAbsolute(new SynFlowSaliency().score(net, mask, input), mask);
                List<String> names = scores.layout().names();
                for (int l = 0; l + 1 < names.size(); l++) {
                    float[] in = scores.get(names.get(l)).toFloatArray();   // [out, in]: row h enters unit h
                    float[] out = scores.get(names.get(l + 1)).toFloatArray(); // column h leaves unit h
                    int units = widths[l + 1];
                    int next = widths[l + 2];
                    for (int h = 0; h < units; h++) {
                        double inFlow = 0;
                        double outFlow = 0;
                        for (int j = 0; j < widths[l]; j++) {
                            inFlow += in[h * widths[l] + j];
                        }
                        for (int k = 0; k < next; k++) {
                            outFlow += out[k * units + h];
                        }
                        assertEquals(inFlow, outFlow, RELATIVE * Math.max(inFlow, 1e-30),
                                "trial " + trial + ", unit " + h + " after " + names.get(l));
                    }
                }
            }
        }
    }

    @Test
    void everyLayerOfRandomConvNetsCarriesTheSameTotalFlow() {
        SplittableRandom rng = new SplittableRandom(12);
        for (int trial = 0; trial < 6; trial++) {
            Sequential net = TestNets.convNet(rng, 1 + rng.nextInt(3), 2 + rng.nextInt(4), 2 + rng.nextInt(6),
                    2 + rng.nextInt(5));
            try (MemoryScope _ = MemoryScope.open()) {
                Mask mask = trial % 2 == 0 ? Mask.dense(net) : randomMask(net, trial);
                int channels = net.prunableParameters().firstEntry().getValue().shape()[1];
                Scores scores = keptAbsolute(new SynFlowSaliency().score(net, mask, TestNets.shapeOnly(channels, 8)),
                        mask);
                double first = sum(scores.get(scores.layout().names().getFirst()).toFloatArray());
                for (String name : scores.layout().names()) {
                    assertEquals(first, sum(scores.get(name).toFloatArray()), RELATIVE * first,
                            "trial " + trial + " " + name);
                }
            }
        }
    }

    private static Mask randomMask(Sequential net, long seed) {
        return MaskSelection.select(new RandomSaliency(seed).score(net, Mask.dense(net), TestNets.shapeOnly(1, 1)),
                Density.of(0.6), MaskSelection.Scope.LAYER);
    }

    /** |score| on kept weights, 0 on pruned ones (which carry no flow, though their score says what they would). */
    private static Scores keptAbsolute(Scores raw, Mask mask) {
        return raw.map(s -> s.abs().mul(mask.flat()));
    }

    private static double sum(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s;
    }
}
