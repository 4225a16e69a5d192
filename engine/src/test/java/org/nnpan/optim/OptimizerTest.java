package org.nnpan.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.SequencedMap;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nnpan.nn.Parameter;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/**
 * Optimizer semantics on hand-computed examples, the mask invariant, and state save/load. The comparison with
 * PyTorch itself is OptimGoldenTest in the tests module.
 */
class OptimizerTest {

    private static Parameter param(float... values) {
        return new Parameter(Tensor.of(values, values.length), true);
    }

    private static SequencedMap<String, Parameter> named(Parameter... ps) {
        SequencedMap<String, Parameter> out = new LinkedHashMap<>();
        for (int i = 0; i < ps.length; i++) {
            out.put("p" + i, ps[i]);
        }
        return out;
    }

    private static void setGrad(Parameter p, float... g) {
        p.value().setGrad(Tensor.of(g, g.length));
    }

    @Test
    void sgdWithNesterovAndWeightDecayMatchesTheHandComputedUpdate() {
        // θ = 1, lr 0.1, μ 0.9, wd 0.1, g = 0.5 then 0.2.
        // step 1: d = 0.5 + 0.1·1 = 0.6; b = 0.6; d = 0.6 + 0.9·0.6 = 1.14; θ = 1 − 0.114 = 0.886
        // step 2: d = 0.2 + 0.0886 = 0.2886; b = 0.54 + 0.2886 = 0.8286; d = 0.2886 + 0.74574 = 1.03434;
        //         θ = 0.886 − 0.103434 = 0.782566
        Parameter p = param(1f);
        Sgd sgd = new Sgd(named(p), 0.1, 0.9, 0.1, true);
        setGrad(p, 0.5f);
        sgd.step();
        assertEquals(0.886, p.value().item(), 1e-6);
        setGrad(p, 0.2f);
        sgd.step();
        assertEquals(0.782566, p.value().item(), 1e-6);
        assertEquals(0.8286, sgd.state().get("p0.momentum_buffer").item(), 1e-6);
    }

    @Test
    void sgdWithoutMomentumKeepsNoState() {
        Parameter p = param(1f, 2f);
        Sgd sgd = new Sgd(named(p), 0.5, 0, 0, false);
        setGrad(p, 1f, -2f);
        sgd.step();
        assertArrayEquals(new float[] {0.5f, 3f}, p.value().toFloatArray());
        assertTrue(sgd.state().isEmpty());
    }

    @Test
    void adamAndAdamWMatchTheHandComputedFirstStep() {
        // At step 1 the bias corrections turn m and v into g and g², so θ −= lr·g / (|g| + ε) ≈ lr·sign(g).
        // Adam, θ = 1, wd 0.1, g = 0.5: g' = 0.6, θ = 1 − 0.01·0.6/(0.6 + 1e-8) = 0.99
        // AdamW, same: θ = 1·(1 − 0.01·0.1) = 0.999, then − 0.01·0.5/(0.5 + 1e-8): 0.989
        Parameter a = param(1f);
        Optimizer adam = Adam.adam(named(a), 0.01, 0.1);
        setGrad(a, 0.5f);
        adam.step();
        assertEquals(0.99, a.value().item(), 1e-6);
        assertEquals(0.06, adam.state().get("p0.exp_avg").item(), 1e-7);        // (1 − 0.9)·0.6
        assertEquals(0.00036, adam.state().get("p0.exp_avg_sq").item(), 1e-9);  // (1 − 0.999)·0.36

        Parameter w = param(1f);
        Optimizer adamW = Adam.adamW(named(w), 0.01, 0.1);
        setGrad(w, 0.5f);
        adamW.step();
        assertEquals(0.989, w.value().item(), 1e-6);
    }

    @Test
    void adamSecondStepUsesTheBiasCorrectionOfStepTwo() {
        // g = 1 twice, lr 0.1: m = 0.19, v = 0.001999; m̂ = 0.19/0.19 = 1, v̂ = 0.001999/0.001999 = 1; θ = 1 − 0.1 − 0.1
        Parameter p = param(1f);
        Optimizer adam = Adam.adam(named(p), 0.1, 0);
        for (int i = 0; i < 2; i++) {
            setGrad(p, 1f);
            adam.step();
        }
        assertEquals(0.8, p.value().item(), 1e-6);
        assertEquals(2, adam.stepCount());
    }

    static Stream<Arguments> optimizers() {
        return Stream.of(
                Arguments.of("sgd momentum", (Function<SequencedMap<String, Parameter>, Optimizer>)
                        ps -> new Sgd(ps, 0.1, 0.9, 0, false)),
                Arguments.of("sgd nesterov + wd", (Function<SequencedMap<String, Parameter>, Optimizer>)
                        ps -> new Sgd(ps, 0.1, 0.9, 5e-4, true)),
                Arguments.of("adam + wd", (Function<SequencedMap<String, Parameter>, Optimizer>)
                        ps -> Adam.adam(ps, 0.01, 5e-4)),
                Arguments.of("adamw + wd", (Function<SequencedMap<String, Parameter>, Optimizer>)
                        ps -> Adam.adamW(ps, 0.01, 0.05)));
    }

    /**
     * Even with non-zero gradients at pruned positions (autograd gives zeros there; this is the stronger claim),
     * many steps of momentum, weight decay and Adam moments leave pruned weights at +0 and their state at 0, and
     * still train the rest.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void prunedWeightsStayExactlyZero(String name, Function<SequencedMap<String, Parameter>, Optimizer> factory) {
        int n = 1024;
        SplittableRandom rng = new SplittableRandom(7);
        float[] before = Tensor.randn(rng, 1, DType.F32, n).toFloatArray();
        float[] mask = new float[n];
        for (int i = 0; i < n; i++) {
            mask[i] = rng.nextBoolean() ? 1 : 0;
            if (mask[i] == 0) {
                before[i] = 0; // what Masks.applyToWeights does before training
            }
        }
        Parameter weight = new Parameter(Tensor.of(before, 32, 32), true);
        weight.setMask(Tensor.of(mask, 32, 32));
        Optimizer optimizer = factory.apply(named(weight));
        Tensor[] grads = new Tensor[5];
        for (int i = 0; i < grads.length; i++) {
            grads[i] = Tensor.randn(rng, 1, DType.F32, 32, 32);
        }
        for (int step = 0; step < 200; step++) {
            weight.value().setGrad(grads[step % grads.length]);
            optimizer.step();
        }
        float[] after = weight.value().toFloatArray();
        int changed = 0;
        for (int i = 0; i < n; i++) {
            if (mask[i] == 0) {
                assertEquals(0, Float.floatToRawIntBits(after[i]), name + ": pruned weight " + i + " = " + after[i]);
            } else if (after[i] != before[i]) {
                changed++;
            }
        }
        assertTrue(changed > n / 3, name + ": only " + changed + " kept weights moved");
        for (Tensor state : optimizer.state().values()) {
            float[] s = state.toFloatArray();
            for (int i = 0; i < n; i++) {
                if (mask[i] == 0) {
                    assertEquals(0f, s[i], name + ": state at pruned position " + i);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void savedStateContinuesExactly(String name, Function<SequencedMap<String, Parameter>, Optimizer> factory,
                                    @TempDir Path dir) throws IOException {
        SplittableRandom rng = new SplittableRandom(11);
        float[] init = Tensor.randn(rng, 1, DType.F32, 50).toFloatArray();
        float[][] grads = new float[6][];
        for (int i = 0; i < grads.length; i++) {
            grads[i] = Tensor.randn(rng, 1, DType.F32, 50).toFloatArray();
        }
        Parameter straight = param(init.clone());
        Optimizer a = factory.apply(named(straight));
        Parameter resumed = param(init.clone());
        Optimizer b = factory.apply(named(resumed));
        for (int i = 0; i < 3; i++) {
            setGrad(straight, grads[i]);
            a.step();
            setGrad(resumed, grads[i]);
            b.step();
        }
        b.setLearningRate(0.123);
        b.save(dir);
        Parameter restored = param(resumed.value().toFloatArray());
        Optimizer c = factory.apply(named(restored));
        c.load(dir);
        assertEquals(3, c.stepCount());
        assertEquals(0.123, c.learningRate());
        c.setLearningRate(a.learningRate());
        for (int i = 3; i < grads.length; i++) {
            setGrad(straight, grads[i]);
            a.step();
            setGrad(restored, grads[i]);
            c.step();
        }
        assertArrayEquals(straight.value().toFloatArray(), restored.value().toFloatArray());
        assertTrue(Files.readString(dir.resolve(Optimizer.SIDECAR_FILE)).contains("\"step\" : 3"));
    }

    @Test
    void loadRefusesStateOfAnotherOptimizerOrOtherHyperparameters(@TempDir Path dir) throws IOException {
        Parameter p = param(1f, 2f);
        new Sgd(named(p), 0.1, 0.9, 0, false).save(dir);
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
                () -> Adam.adam(named(param(1f, 2f)), 0.1, 0).load(dir));
        assertTrue(other.getMessage().contains("'sgd', not 'adam'"), other.getMessage());
        IllegalArgumentException hyper = assertThrows(IllegalArgumentException.class,
                () -> new Sgd(named(param(1f, 2f)), 0.1, 0.8, 0, false).load(dir));
        assertTrue(hyper.getMessage().contains("hyperparameters"), hyper.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new Sgd(named(param(1f, 2f, 3f)), 0.1, 0.9, 0, false).load(dir));
    }

    @Test
    void zeroGradKeepsTheBufferAndParametersWithoutGradientAreSkipped() {
        Parameter used = param(1f);
        Parameter unused = param(5f);
        Sgd sgd = new Sgd(named(used, unused), 0.1, 0.9, 0.1, false);
        setGrad(used, 1f);
        Tensor buffer = used.grad();
        sgd.zeroGrad();
        assertEquals(buffer, used.grad());
        assertEquals(0, used.grad().item());
        assertNull(unused.grad());
        sgd.step();
        assertEquals(5f, unused.value().item());
        assertNotEquals(1f, used.value().item()); // weight decay alone moves it
    }

    @Test
    void invalidHyperparametersAreRejected() {
        SequencedMap<String, Parameter> ps = named(param(1f));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(ps, 0.1, 0, 0, true));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(ps, -1, 0.9, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new Sgd(ps, 0.1, 0.9, Double.NaN, false));
        assertThrows(IllegalArgumentException.class, () -> new Adam(ps, 0.1, 1.0, 0.999, 1e-8, 0, false));
        assertThrows(IllegalArgumentException.class,
                () -> new Sgd(named(new Parameter(Tensor.zeros(DType.F64, 2), true)), 0.1, 0, 0, false));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> Optimizers.create("rmsprop", ps, 0.1, 0, 0, false));
        assertTrue(unknown.getMessage().contains("sgd, adam, adamw"), unknown.getMessage());
    }
}
