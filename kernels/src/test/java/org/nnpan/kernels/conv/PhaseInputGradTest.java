package org.nnpan.kernels.conv;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nnpan.kernels.memory.OffHeap;

/**
 * The strided input gradient by phases, bit for bit against the path it replaces, {@code col2im(W^T * gY)} per image
 * on the engine's GEMM: the same chains over output channels, added per input element in tap order.
 */
class PhaseInputGradTest {

    /**
     * Channels, height, width, kernel, stride H, stride W, padding, output channels: ResNet's downsampling at 32x32
     * (phase rows of whole vectors) and 16x16 (rows of 8), odd sizes whose phases differ in size, a 1x1 shortcut (three
     * phases without taps), stride 3 with a 5x5 kernel, a stride along one axis only, and more output channels than one
     * 256-deep block.
     */
    private static final int[][] SHAPES = {
        {16, 32, 32, 3, 2, 2, 1, 32}, {9, 16, 16, 3, 2, 2, 1, 20}, {5, 13, 11, 3, 2, 2, 1, 7}, {4, 14, 14, 1, 2, 2, 0, 9},
        {3, 19, 17, 5, 3, 3, 2, 6}, {2, 9, 9, 3, 2, 1, 1, 5}, {3, 12, 12, 3, 2, 2, 1, 300},
    };

    @Test
    void stridedInputGradientEqualsCol2imOfTheGemmBitForBit() {
        BatchConv conv = BatchConvs.best();
        assumeTrue(conv != null, "no vector convolution in this JVM");
        SplittableRandom rnd = new SplittableRandom(5);
        for (int[] s : SHAPES) {
            ConvGeometry g = new ConvGeometry(s[0], s[1], s[2], s[3], s[3], s[4], s[5], s[6], s[6]);
            int batch = 3;
            int out = s[7];
            float[] w = Col2imReference.random(rnd, out * (int) g.colRows());
            float[] gy = Col2imReference.random(rnd, batch * out * (int) g.colCols());
            MemorySegment gx = OffHeap.zeros(batch * (int) g.inputSize());
            conv.inputGrad(g, batch, out, OffHeap.copy(gy), 0, OffHeap.copy(w), 0, gx, 0);
            Col2imReference.assertEqualsInputGrad(g, batch, out, w, gy, gx);
        }
    }
}
