package org.nnpan.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nnpan.autograd.Autograd;
import org.nnpan.nn.init.InitScheme;
import org.nnpan.ops.Losses;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Shape;
import org.nnpan.tensor.Tensor;

/** A mask makes a layer compute with W⊙M, zeroes the gradient of W where M = 0, and leaves W itself alone. */
class MaskTest {

    static Stream<Arguments> layers() {
        return Stream.of(
                Arguments.of(new Linear(6, 4), new int[] {3, 6}),
                Arguments.of(new Conv2d(2, 3, 3, 1, 1, true), new int[] {2, 2, 5, 5}));
    }

    @ParameterizedTest
    @MethodSource("layers")
    void maskedLayerComputesWithTheMaskedWeight(Module layer, int[] inputShape) {
        InitScheme.PYTORCH.apply(layer, new SplittableRandom(3));
        Parameter weight = layer.namedParameters().get("weight");
        float[] original = weight.value().toFloatArray();
        Tensor mask = randomMask(weight.shape(), new SplittableRandom(4));
        Tensor x = Tensor.randn(new SplittableRandom(5), 1, DType.F32, inputShape);

        Module dense = layer.copy();
        Parameter denseWeight = dense.namedParameters().get("weight");
        denseWeight.assignInPlace(weight.value().mul(mask));
        weight.setMask(mask);

        Tensor y = layer.forward(x);
        Tensor yDense = dense.forward(x);
        assertArrayEquals(yDense.toFloatArray(), y.toFloatArray(), 0f);

        y.sum().backward();
        yDense.sum().backward();
        float[] grad = weight.grad().toFloatArray();
        float[] gradDense = denseWeight.grad().toFloatArray();
        float[] m = mask.toFloatArray();
        boolean prunedWeightHadGradient = false;
        for (int i = 0; i < m.length; i++) {
            assertEquals(m[i] * gradDense[i], grad[i], 0f, "gradient element " + i);
            prunedWeightHadGradient |= m[i] == 0 && gradDense[i] != 0;
        }
        assertTrue(prunedWeightHadGradient, "the test needs a pruned position whose dense gradient is non-zero");
        assertArrayEquals(original, weight.value().toFloatArray(), 0f, "masking must not change the stored weight");
    }

    @Test
    void hessianGradientProductThroughAMaskedNetworkIsZeroAtPrunedWeights() {
        Sequential net = new Sequential(new Conv2d(1, 3, 3, 1, 1, false), new BatchNorm2d(3), new ReLU(), new Flatten(),
                new Linear(3 * 4 * 4, 5));
        InitScheme.REFERENCE.apply(net, new SplittableRandom(6));
        Parameter conv = net.namedParameters().get("0.weight");
        Tensor mask = randomMask(conv.shape(), new SplittableRandom(7));
        conv.setMask(mask);
        Tensor x = Tensor.randn(new SplittableRandom(8), 1, DType.F32, 4, 1, 4, 4);
        Tensor labels = Tensor.of(new long[] {0, 1, 2, 3}, 4);

        Tensor[] weights = net.parameters().stream().map(Parameter::value).toArray(Tensor[]::new);
        Tensor loss = Losses.crossEntropy(net.forward(x), labels, Losses.Reduction.MEAN);
        Tensor[] g = Autograd.grad(new Tensor[] {loss}, weights, null, true);
        Tensor halfNormSquared = g[0].mul(g[0]).sum().mul(0.5);
        for (int i = 1; i < g.length; i++) {
            halfNormSquared = halfNormSquared.add(g[i].mul(g[i]).sum().mul(0.5));
        }
        float[] hg = Autograd.grad(halfNormSquared, weights[0], false).toFloatArray();
        float[] m = mask.toFloatArray();
        boolean keptWeightHasCurvature = false;
        for (int i = 0; i < m.length; i++) {
            assertTrue(Float.isFinite(hg[i]));
            if (m[i] == 0) {
                assertEquals(0f, hg[i], 0f, "Hg at pruned element " + i);
            } else {
                keptWeightHasCurvature |= hg[i] != 0;
            }
        }
        assertTrue(keptWeightHasCurvature);
    }

    @Test
    void maskOutlivesTheScopeItWasMadeIn() {
        Linear layer = new Linear(3, 2);
        try (MemoryScope _ = MemoryScope.open("step")) {
            layer.weight().setMask(Tensor.ones(DType.F32, 2, 3));
        }
        assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1}, layer.weight().mask().toFloatArray());
    }

    @Test
    void remaskingReusesTheMaskBufferAndClearingMakesTheLayerDense() {
        Linear layer = new Linear(3, 2);
        layer.weight().setMask(Tensor.ones(DType.F32, 2, 3));
        Tensor buffer = layer.weight().mask();
        layer.weight().setMask(Tensor.of(new double[] {1, 0, 1, 0, 1, 0}, 2, 3));
        assertSame(buffer, layer.weight().mask());
        assertArrayEquals(new float[] {1, 0, 1, 0, 1, 0}, buffer.toFloatArray());
        layer.weight().clearMask();
        assertFalse(layer.weight().isMasked());
        assertSame(layer.weight().value(), layer.weight().effective());
    }

    @Test
    void invalidMasksAreRejected() {
        Linear layer = new Linear(3, 2);
        assertThrows(IllegalStateException.class, () -> layer.bias().setMask(Tensor.ones(DType.F32, 2)));
        assertThrows(IllegalArgumentException.class, () -> layer.weight().setMask(Tensor.ones(DType.F32, 3, 2)));
        assertThrows(IllegalArgumentException.class,
                () -> layer.weight().setMask(Tensor.of(new float[] {1, 0, 0.5f, 1, 1, 1}, 2, 3)));
        assertThrows(IllegalArgumentException.class,
                () -> layer.weight().setMask(Tensor.of(new float[] {1, 0, Float.NaN, 1, 1, 1}, 2, 3)));
        assertFalse(layer.weight().isMasked(), "a rejected mask must not be installed");
    }

    private static Tensor randomMask(int[] shape, SplittableRandom rng) {
        float[] m = new float[(int) Shape.numel(shape)];
        for (int i = 0; i < m.length; i++) {
            m[i] = rng.nextBoolean() ? 1 : 0;
        }
        return Tensor.of(m, shape);
    }
}
