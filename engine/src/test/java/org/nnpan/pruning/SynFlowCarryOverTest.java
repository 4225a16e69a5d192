package org.nnpan.pruning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nnpan.nn.Module;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;

class SynFlowCarryOverTest {
    private static final int[] INPUT = {3, 6, 6};

    private MemoryScope scope;

    @BeforeEach
    void open() {
        scope = MemoryScope.open("synflow-carry-over-test");
    }

    @AfterEach
    void close() {
        scope.close();
    }

    /**
     * Without biases (a plain conv net) or with zero biases and fresh BatchNorm, the path analysis's pass is SynFlow's:
     * the carried scores are SynFlow's own, bit for bit, for the analysed mask, and nothing for another mask or model.
     */
    @Test
    void aMatchingNetworkCarriesSynFlowsOwnScoresForTheAnalysedMaskOnly() {
        Module zeroBiases = withBiases(TestNets.batchNormNet(new SplittableRandom(1)), 0);
        SplittableRandom rng = new SplittableRandom(5);
        for (Module net : new Module[] {TestNets.convNet(new SplittableRandom(2), 3, 4, 5, 5), zeroBiases}) {
            SynFlowCarryOver carryOver = new SynFlowCarryOver();
            WorkingCopy copy = new WorkingCopy(DType.F64);
            for (double density : new double[] {1, 0.4, 0.1}) {
                Mask mask = randomMask(net, rng, density);
                PathAnalysis.run(net, mask, INPUT, copy, carryOver);
                Scores carried = carryOver.take(net, mask);
                assertNotNull(carried, "density " + density);
                Scores direct = new SynFlowSaliency().score(net, mask, TestNets.shapeOnly(INPUT[0], INPUT[1]));
                assertArrayEquals(direct.flat().toFloatArray(), carried.flat().toFloatArray(), "density " + density);
                if (density < 1) {
                    assertNull(carryOver.take(net, randomMask(net, rng, density)), "another mask");
                }
                assertNull(carryOver.take(net.copy(), mask), "another model");
            }
        }
    }

    /** Non-zero biases: the connectivity network zeroes them and SynFlow takes their absolute values, so no carry. */
    @Test
    void nonZeroBiasesCarryNothing() {
        Module net = withBiases(TestNets.batchNormNet(new SplittableRandom(3)), 0.5);
        SynFlowCarryOver carryOver = new SynFlowCarryOver();
        Mask mask = randomMask(net, new SplittableRandom(6), 0.5);
        PathAnalysis.run(net, mask, INPUT, new WorkingCopy(DType.F64), carryOver);
        assertNull(carryOver.take(net, mask));
    }

    /** {@code net} with every bias (BatchNorm's β included) set to {@code value}. */
    private static Module withBiases(Module net, double value) {
        net.namedParameters().forEach((name, p) -> {
            if (name.endsWith("bias")) {
                p.value().backend().fill(p.value(), value);
            }
        });
        return net;
    }

    private static Mask randomMask(Module net, SplittableRandom rng, double density) {
        Scores random = TestNets.scores(net, WeightLayout.of(net).layers().stream().map(l -> {
            float[] v = new float[(int) l.numel()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) rng.nextDouble();
            }
            return v;
        }).toArray(float[][]::new));
        return MaskSelection.select(random, Density.of(density), MaskSelection.Scope.GLOBAL);
    }
}
