package org.nnpan.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nnpan.data.SplitMix64;
import org.nnpan.models.ModelSpec;
import org.nnpan.models.ModelZoo;
import org.nnpan.nn.Module;
import org.nnpan.nn.Parameter;
import org.nnpan.nn.init.InitScheme;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

class KeptWeightRescaleTest {

    /** LeNet-5 with a random mask of density {@code density} set on every prunable weight (pruned weights zero). */
    private static Module prunedLeNet(long seed, double density) {
        Module net = ModelZoo.create("lenet5", ModelSpec.of(10, 1, 28), InitScheme.REFERENCE, new SplitMix64(seed));
        SplittableRandom rng = new SplittableRandom(seed);
        for (Parameter p : net.prunableParameters().values()) {
            float[] m = new float[Math.toIntExact(p.numel())];
            for (int i = 0; i < m.length; i++) {
                m[i] = rng.nextDouble() < density ? 1 : 0;
            }
            p.setMask(Tensor.of(m, p.shape()));
            p.zeroPruned();
        }
        return net;
    }

    private static List<float[]> values(Module net) {
        List<float[]> out = new ArrayList<>();
        net.parameters().forEach(p -> out.add(p.value().toFloatArray()));
        return out;
    }

    @Test
    void eachUnitsKeptWeightsAreScaledToItsFullFanInAndPrunedOnesStayZero() {
        for (long seed = 1; seed <= 4; seed++) {
            double density = new double[] {0.005, 0.05, 0.3, 1}[(int) seed - 1];
            try (MemoryScope _ = MemoryScope.open("rescale-test")) {
                Module net = prunedLeNet(seed, density);
                List<float[]> before = values(net);
                KeptWeightRescale.FAN_IN.apply(net);
                List<float[]> after = values(net);
                List<Parameter> params = net.parameters();
                for (int k = 0; k < params.size(); k++) {
                    Parameter p = params.get(k);
                    if (!p.isMasked()) {
                        assertArrayEquals(before.get(k), after.get(k), "biases are not touched");
                        continue;
                    }
                    float[] mask = p.mask().toFloatArray();
                    int units = p.shape()[0];
                    int fanIn = mask.length / units;
                    for (int u = 0; u < units; u++) {
                        int kept = 0;
                        for (int i = u * fanIn; i < (u + 1) * fanIn; i++) {
                            kept += mask[i] == 1 ? 1 : 0;
                        }
                        for (int i = u * fanIn; i < (u + 1) * fanIn; i++) {
                            if (mask[i] == 0) {
                                assertEquals(0f, after.get(k)[i], "a pruned weight stays zero");
                            } else {
                                assertEquals(before.get(k)[i] * Math.sqrt((double) fanIn / kept), after.get(k)[i],
                                        1e-6 * Math.abs(after.get(k)[i]) + 1e-12, "unit " + u + " of " + k);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void aUnitKeepingHalfItsInputsGetsRootTwoAndNoneChangesNothing() {
        double[] w = {1, 2, 3, 4, 5, 6, 7, 8};
        double[] m = {1, 0, 0, 1, 0, 0, 0, 0};
        double r = Math.sqrt(2);
        assertArrayEquals(new double[] {r, 0, 0, 4 * r, 0, 0, 0, 0}, KeptWeightRescale.fanInRescaled(w, m, 2), 1e-12);
        try (MemoryScope _ = MemoryScope.open("rescale-test")) {
            Module net = prunedLeNet(7, 0.01);
            List<float[]> before = values(net);
            KeptWeightRescale.NONE.apply(net);
            List<float[]> after = values(net);
            for (int k = 0; k < before.size(); k++) {
                assertArrayEquals(before.get(k), after.get(k));
            }
        }
    }

    @Test
    void namesParseAndAnUnknownOneListsTheValidOnes() {
        assertEquals(KeptWeightRescale.FAN_IN, KeptWeightRescale.parse("fan-in"));
        assertEquals(List.of("none", "fan-in"), KeptWeightRescale.NAMES);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KeptWeightRescale.parse("fanin"));
        assertTrue(e.getMessage().equals("unknown rescale-kept 'fanin'; valid: none, fan-in"), e.getMessage());
    }
}
