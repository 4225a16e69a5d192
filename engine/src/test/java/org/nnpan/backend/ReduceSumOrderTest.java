package org.nnpan.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * The CPU backend's float32 sum over an NCHW tensor's batch and spatial axes (a convolution's bias gradient) gives
 * each channel the float64 sum in the documented order: per image the plane's values in index order from zero, those
 * plane sums added image by image from zero, then rounded to float32. Pins the order a faster loop must keep.
 */
class ReduceSumOrderTest {

    @Test
    void perChannelSumsAreTheSequentialOnesBitForBit() {
        Random random = new Random(41);
        CpuBackend backend = new CpuBackend();
        for (int trial = 0; trial < 20; trial++) {
            int n = 1 + random.nextInt(4);
            int c = 1 + random.nextInt(11);
            int h = 1 + random.nextInt(9);
            int w = 1 + random.nextInt(9);
            try (MemoryScope _ = MemoryScope.open("reduce-sum-order")) {
                Tensor x = Tensor.randn(random, 1e3, DType.F32, n, c, h, w);
                float[] values = x.toFloatArray();
                float[] sums = backend.reduce(ReduceOp.SUM, x, new int[] {0, 2, 3}, false).toFloatArray();
                for (int ch = 0; ch < c; ch++) {
                    double acc = 0;
                    for (int b = 0; b < n; b++) {
                        double plane = 0;
                        for (int i = 0; i < h * w; i++) {
                            plane += values[(b * c + ch) * h * w + i];
                        }
                        acc += plane;
                    }
                    assertEquals(Float.floatToIntBits((float) acc), Float.floatToIntBits(sums[ch]),
                            "trial " + trial + ", channel " + ch + " of " + n + "x" + c + "x" + h + "x" + w);
                }
            }
        }
    }
}
