package org.nnpan.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nnpan.nn.init.InitScheme;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/** Output shapes and values of the simple layers. */
class LayersTest {
    private static final Tensor IMAGES = Tensor.randn(new SplittableRandom(1), 1, DType.F32, 2, 3, 8, 8);

    @Test
    void layersProduceTheExpectedShapes() {
        assertArrayEquals(new int[] {2, 5, 4, 4}, new Conv2d(3, 5, 3, 2, 1, true).forward(IMAGES).shape());
        assertArrayEquals(new int[] {2, 3, 4, 4}, new MaxPool2d(2).forward(IMAGES).shape());
        assertArrayEquals(new int[] {2, 3, 4, 4}, new AvgPool2d(2).forward(IMAGES).shape());
        assertArrayEquals(new int[] {2, 3, 1, 1}, new AdaptiveAvgPool2d(1).forward(IMAGES).shape());
        assertArrayEquals(new int[] {2, 192}, new Flatten().forward(IMAGES).shape());
        assertArrayEquals(new int[] {2, 7}, new Linear(192, 7).forward(new Flatten().forward(IMAGES)).shape());
        assertArrayEquals(new int[] {2, 4, 4, 4}, new BasicBlock(3, 4, 2).forward(IMAGES).shape());
        assertArrayEquals(new int[] {2, 3, 8, 8}, new BasicBlock(3, 3, 1).forward(IMAGES).shape());
    }

    @Test
    void linearComputesXWTransposedPlusBias() {
        Linear fc = new Linear(2, 2);
        fc.weight().assignInPlace(Tensor.of(new float[] {1, 2, 3, 4}, 2, 2));
        fc.bias().assignInPlace(Tensor.of(new float[] {10, 20}, 2));
        assertArrayEquals(new float[] {15, 31}, fc.forward(Tensor.of(new float[] {1, 2}, 1, 2)).toFloatArray(), 0f);
    }

    @Test
    void identityBlockAddsItsInput() {
        // With zero convolutions the residual branch is bn(0) = β = 0, so the block is relu(x).
        BasicBlock block = new BasicBlock(3, 3, 1);
        assertArrayEquals(IMAGES.relu().toFloatArray(), block.forward(IMAGES).toFloatArray(), 0f);
    }

    @Test
    void dropoutIsSeededAndOffInEvaluation() {
        Tensor x = Tensor.ones(DType.F32, 1000);
        float[] first = new Dropout(0.3, 9).forward(x).toFloatArray();
        assertArrayEquals(first, new Dropout(0.3, 9).forward(x).toFloatArray(), 0f);
        int dropped = 0;
        for (float v : first) {
            if (v == 0) {
                dropped++;
            } else {
                assertEquals(1 / 0.7, v, 1e-6, "kept values are scaled by 1/(1-p)");
            }
        }
        assertEquals(300, dropped, 50);
        Dropout off = new Dropout(0.3, 9);
        off.eval();
        assertSame(x, off.forward(x));
    }

    @Test
    void emptySequentialIsTheIdentity() {
        assertSame(IMAGES, new Sequential().forward(IMAGES));
    }

    @Test
    void sequentialChainsItsLayers() {
        Sequential seq = new Sequential(new Linear(4, 3), new ReLU(), new Linear(3, 2));
        InitScheme.PYTORCH.apply(seq, new SplittableRandom(2));
        Tensor x = Tensor.randn(new SplittableRandom(3), 1, DType.F32, 5, 4);
        Tensor expected = seq.get(2).forward(seq.get(0).forward(x).relu());
        assertArrayEquals(expected.toFloatArray(), seq.forward(x).toFloatArray(), 0f);
    }
}
