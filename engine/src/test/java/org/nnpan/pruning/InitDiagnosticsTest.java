package org.nnpan.pruning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nnpan.nn.Module;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

class InitDiagnosticsTest {
    private MemoryScope scope;

    @BeforeEach
    void open() {
        scope = MemoryScope.open("init-diagnostics-test");
    }

    @AfterEach
    void close() {
        scope.close();
    }

    /** Bias-free MLP 6→5→4→3: units 0 and 3 of the first layer lose every input, so they output 0 and never fire. */
    @Test
    void unitsCutFromTheirInputsAreCountedAndDead() {
        Module net = TestNets.mlp(new SplittableRandom(3), 6, 5, 4, 3);
        float[] first = ones(5 * 6);
        for (int unit : new int[] {0, 3}) {
            for (int j = 0; j < 6; j++) {
                first[unit * 6 + j] = 0;
            }
        }
        Mask mask = maskOf(net, first, ones(4 * 5), ones(3 * 4));
        InitDiagnostics d = InitDiagnostics.of(net, mask, TestNets.batch(new SplittableRandom(4), 3, 8, 6, 1));

        assertEquals(List.of(2, 0, 0), d.layers().stream().map(InitDiagnostics.Layer::unitsCut).toList());
        assertEquals(List.of(5, 4, 3), d.layers().stream().map(InitDiagnostics.Layer::units).toList());
        assertEquals(2, d.activations().size(), "two ReLUs, found in the graph");
        assertTrue(d.activations().getFirst().deadUnits() >= 2, "cut units never fire: " + d.activations());
    }

    /** A layer pruned away has no gradient, and the network behind it outputs constant logits. */
    @Test
    void aLayerPrunedAwayHasNoGradientAndConstantLogits() {
        Module net = TestNets.mlp(new SplittableRandom(5), 6, 5, 4, 3);
        Mask mask = maskOf(net, ones(5 * 6), new float[4 * 5], ones(3 * 4));
        InitDiagnostics d = InitDiagnostics.of(net, mask, TestNets.batch(new SplittableRandom(6), 3, 8, 6, 1));

        assertEquals(0, d.layers().get(1).gradientNorm());
        assertEquals(1, d.layers().get(1).cutFraction());
        assertEquals(1, d.activations().get(1).deadFraction());
        assertEquals(0, d.logitStd(), 1e-12);
        assertEquals(Math.log(3), d.loss(), 1e-6, "uniform prediction over 3 classes");
    }

    /**
     * Property over random masks of a conv net: a unit with no kept input of a bias-free layer never fires, the
     * squared gradient norms add up to the {@link LossProbe}'s G, and the network is left unmasked.
     */
    @Test
    void randomMasksAgreeWithTheLossProbeAndCutUnitsAreDead() {
        SplittableRandom rng = new SplittableRandom(7);
        Module net = TestNets.convNet(new SplittableRandom(8), 3, 4, 5, 5);
        ScoringBatch batch = TestNets.batch(new SplittableRandom(9), 5, 4, 3, 6);
        LossProbe probe = new LossProbe(1);
        for (double density : new double[] {1, 0.5, 0.2, 0.08}) {
            Mask mask = MaskSelection.select(TestNets.scores(net, WeightLayout.of(net).layers().stream()
                    .map(l -> random(rng, (int) l.numel())).toArray(float[][]::new)), Density.of(density),
                    MaskSelection.Scope.GLOBAL);
            InitDiagnostics d = InitDiagnostics.of(net, mask, batch);

            double squared = d.layers().stream().mapToDouble(l -> l.gradientNorm() * l.gradientNorm()).sum();
            double g = probe.masked(net, mask, batch).squaredGradientNorm();
            assertEquals(g, squared, 1e-6 * Math.max(g, 1e-12), "density " + density);
            for (int i = 0; i < d.activations().size(); i++) {
                assertTrue(d.activations().get(i).deadUnits() >= d.layers().get(i).unitsCut(),
                        "density " + density + ", ReLU " + (i + 1) + ": " + d);
            }
            net.prunableParameters().forEach((name, p) -> assertTrue(!p.isMasked(), name));
        }
    }

    private static Mask maskOf(Module net, float[]... perLayer) {
        Map<String, Tensor> masks = new LinkedHashMap<>();
        int i = 0;
        for (WeightLayout.Layer l : WeightLayout.of(net).layers()) {
            masks.put(l.name(), Tensor.of(perLayer[i++], l.shape()));
        }
        return Mask.of(net, masks);
    }

    private static float[] ones(int n) {
        float[] v = new float[n];
        Arrays.fill(v, 1);
        return v;
    }

    private static float[] random(SplittableRandom rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rng.nextDouble();
        }
        return v;
    }
}
