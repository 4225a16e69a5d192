package org.nnpan.nn.init;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nnpan.models.ModelSpec;
import org.nnpan.models.ModelZoo;
import org.nnpan.nn.BatchNorm2d;
import org.nnpan.nn.Conv2d;
import org.nnpan.nn.Linear;
import org.nnpan.nn.Module;
import org.nnpan.nn.Sequential;
import org.nnpan.nn.init.Initializers.FanMode;
import org.nnpan.tensor.Tensor;

/** Distribution statistics of the fills and the two whole-model schemes; seeds reproduce values exactly. */
class InitializersTest {
    /** A conv weight with fan-in 64·9 = 576 and fan-out 128·9 = 1152, about 74k samples. */
    private static Tensor convWeight() {
        return Tensor.zeros(128, 64, 3, 3);
    }

    @Test
    void fansFollowPyTorch() {
        assertEquals(576, Initializers.fanIn(convWeight()));
        assertEquals(1152, Initializers.fanOut(convWeight()));
        assertEquals(300, Initializers.fanIn(Tensor.zeros(100, 300)));
        assertEquals(100, Initializers.fanOut(Tensor.zeros(100, 300)));
    }

    @Test
    void kaimingNormalFanOutHasTheReluStandardDeviation() {
        Tensor w = convWeight();
        Initializers.kaimingNormal(w, FanMode.FAN_OUT, Initializers.RELU_GAIN, new SplittableRandom(1));
        assertMoments(w, 0, Math.sqrt(2.0 / 1152));
    }

    @Test
    void kaimingUniformStaysInItsBoundWithTheSameVariance() {
        Tensor w = convWeight();
        Initializers.kaimingUniform(w, FanMode.FAN_IN, Initializers.RELU_GAIN, new SplittableRandom(2));
        assertMoments(w, 0, Math.sqrt(2.0 / 576));
        assertBounded(w, Math.sqrt(2) * Math.sqrt(3.0 / 576));
    }

    @Test
    void xavierFillsUseBothFans() {
        double std = Math.sqrt(2.0 / (576 + 1152));
        Tensor normal = convWeight();
        Initializers.xavierNormal(normal, 1, new SplittableRandom(3));
        assertMoments(normal, 0, std);
        Tensor uniform = convWeight();
        Initializers.xavierUniform(uniform, 1, new SplittableRandom(4));
        assertMoments(uniform, 0, std);
        assertBounded(uniform, Math.sqrt(3) * std);
    }

    @Test
    void normalAndConstantFill() {
        Tensor t = Tensor.zeros(200, 300);
        Initializers.normal(t, 0.5, 0.01, new SplittableRandom(5));
        assertMoments(t, 0.5, 0.01);
        Initializers.constant(t, -2);
        assertTrue(Arrays.equals(t.toFloatArray(), filled(60_000, -2f)));
    }

    @Test
    void referenceSchemeFollowsTheTrainingProtocol() {
        Sequential model = new Sequential(new Conv2d(64, 128, 3, 1, 1, true), new BatchNorm2d(128), new Linear(500, 300));
        model.get(1).namedParameters().get("weight").assignInPlace(Tensor.zeros(128));
        InitScheme.REFERENCE.apply(model, new SplittableRandom(6));
        assertMoments(model.namedParameters().get("0.weight").value(), 0, Math.sqrt(2.0 / 1152));
        assertMoments(model.namedParameters().get("2.weight").value(), 0, 0.01);
        for (String zero : new String[] {"0.bias", "1.bias", "2.bias"}) {
            assertTrue(Arrays.equals(filled(model.namedParameters().get(zero).value().toFloatArray().length, 0f),
                    model.namedParameters().get(zero).value().toFloatArray()), zero);
        }
        assertArrayEquals(filled(128, 1f), model.namedParameters().get("1.weight").value().toFloatArray(), 0f);
    }

    @Test
    void pytorchSchemeDrawsWeightsAndBiasesWithinOneOverRootFanIn() {
        Linear fc = new Linear(400, 300);
        InitScheme.PYTORCH.apply(fc, new SplittableRandom(7));
        double bound = 1 / Math.sqrt(400);
        assertMoments(fc.weight().value(), 0, bound / Math.sqrt(3));
        assertBounded(fc.weight().value(), bound);
        assertBounded(fc.bias().value(), bound);
        assertMoments(fc.bias().value(), 0, bound / Math.sqrt(3), 0.2);
    }

    @Test
    void aSeedReproducesAWholeModelAndAnotherSeedDoesNot() {
        ModelSpec spec = ModelSpec.of(10, 3, 32);
        for (InitScheme scheme : InitScheme.values()) {
            Module a = ModelZoo.create("resnet20", spec, scheme, new SplittableRandom(42));
            Module b = ModelZoo.create("resnet20", spec, scheme, new SplittableRandom(42));
            Module c = ModelZoo.create("resnet20", spec, scheme, new SplittableRandom(43));
            a.stateDict().forEach((k, v) -> assertArrayEquals(v.toFloatArray(), b.stateDict().get(k).toFloatArray(), 0f, k));
            assertFalse(Arrays.equals(a.stateDict().get("layer2.1.conv1.weight").toFloatArray(),
                    c.stateDict().get("layer2.1.conv1.weight").toFloatArray()));
        }
    }

    private static void assertMoments(Tensor t, double mean, double std) {
        assertMoments(t, mean, std, 0.02);
    }

    /** Sample mean within a few standard errors of {@code mean}; sample std within {@code relTol} of {@code std}. */
    private static void assertMoments(Tensor t, double mean, double std, double relTol) {
        double[] v = t.toDoubleArray();
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        double m = sum / v.length;
        double sq = 0;
        for (double x : v) {
            sq += (x - m) * (x - m);
        }
        double s = Math.sqrt(sq / (v.length - 1));
        assertEquals(mean, m, 5 * std / Math.sqrt(v.length), "mean");
        assertEquals(std, s, relTol * std, "standard deviation");
    }

    private static void assertBounded(Tensor t, double bound) {
        for (float x : t.toFloatArray()) {
            assertTrue(Math.abs(x) <= bound, x + " outside ±" + bound);
        }
    }

    private static float[] filled(int n, float value) {
        float[] out = new float[n];
        Arrays.fill(out, value);
        return out;
    }
}
