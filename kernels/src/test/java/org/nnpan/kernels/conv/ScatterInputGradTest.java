package org.nnpan.kernels.conv;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nnpan.kernels.memory.OffHeap;

/**
 * The stride-1 input gradient as {@code W^T * gY} scattered onto the padded input, bit for bit against
 * {@code col2im(W^T * gY)} on the engine's GEMM, whose chains over output channels and per-element tap order it keeps.
 */
class ScatterInputGradTest {

    /**
     * Channels, height, width, kernel H, kernel W, padding H, padding W, output channels: LeNet-5's second layer (its
     * positions fill whole tiles), odd sizes whose rows end mid-vector, padding on one axis, a non-square kernel, a
     * 1x1 layer, one input channel (LeNet-5's first layer), and more output channels than one 256-deep block.
     */
    private static final int[][] SHAPES = {
        {20, 12, 12, 5, 5, 0, 0, 50}, {3, 9, 7, 3, 3, 0, 0, 5}, {4, 10, 11, 5, 5, 1, 2, 6}, {2, 8, 9, 3, 5, 1, 0, 4},
        {5, 6, 6, 1, 1, 0, 0, 3}, {1, 28, 28, 5, 5, 0, 0, 20}, {3, 8, 8, 3, 3, 0, 0, 300},
    };

    @Test
    void inputGradientEqualsCol2imOfTheGemmBitForBit() {
        assumeTrue(BatchConvs.best() != null, "no vector convolution in this JVM");
        SplittableRandom rnd = new SplittableRandom(7);
        for (int[] s : SHAPES) {
            ConvGeometry g = new ConvGeometry(s[0], s[1], s[2], s[3], s[4], 1, 1, s[5], s[6]);
            int batch = 3;
            int out = s[7];
            float[] w = Col2imReference.random(rnd, out * (int) g.colRows());
            float[] gy = Col2imReference.random(rnd, batch * out * (int) g.colCols());
            // Non-zero garbage: every element must be overwritten.
            MemorySegment gx = OffHeap.copy(Col2imReference.random(rnd, batch * (int) g.inputSize()));
            ScatterInputGrad.compute(g, batch, out, OffHeap.copy(gy), 0, OffHeap.copy(w), 0, gx, 0);
            Col2imReference.assertEqualsInputGrad(g, batch, out, w, gy, gx);
        }
    }

    @Test
    void takenForUnpaddedKernelsOnSmallMapsOnly() {
        // LeNet-5's second layer: the transposed convolution would pad its 8x8 output gradient by 4 on every side.
        assertTrue(ScatterInputGrad.preferredFor(new ConvGeometry(20, 12, 12, 5, 5, 1, 1, 0, 0), 50));
        // ResNet's 3x3 layers with padding 1: the transposed convolution reads a one-pixel border only.
        assertFalse(ScatterInputGrad.preferredFor(new ConvGeometry(16, 32, 32, 3, 3, 1, 1, 1, 1), 16));
        assertFalse(ScatterInputGrad.preferredFor(new ConvGeometry(64, 8, 8, 3, 3, 1, 1, 1, 1), 64));
        // Strided layers have their own path.
        assertFalse(ScatterInputGrad.preferredFor(new ConvGeometry(20, 12, 12, 5, 5, 2, 2, 0, 0), 50));
    }
}
