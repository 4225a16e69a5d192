package org.nnpan.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * The CPU backend's max-pooling indices (its unrolled 2×2 stride-2 path and its general loop) against the reference
 * backend's, on inputs full of ties (values from {-1, 0, 1}), where only the first maximum of a window is right; and
 * its backward scatter against the reference's, bit for bit, into recycled memory.
 */
class MaxPoolPropertyTest {

    /** The unrolled 2×2 stride-2 path, overlapping windows with padding, and stride-1 windows. */
    private static final Conv2dGeometry[] GEOMETRIES = {Conv2dGeometry.of(2, 2, 0), Conv2dGeometry.of(3, 2, 1),
        new Conv2dGeometry(2, 2, 1, 1, 0, 0)};

    /** A random [N, C, H, W] of small sizes, odd ones included. */
    private static int[] randomShape(SplittableRandom rnd) {
        return new int[] {1 + rnd.nextInt(3), 1 + rnd.nextInt(4), 2 + rnd.nextInt(8), 2 + rnd.nextInt(8)};
    }

    @Test
    void cpuPicksTheSameIndicesAsTheReferenceOnTiedInputs() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int i = 0; i < 60; i++) {
            Conv2dGeometry g = GEOMETRIES[i % GEOMETRIES.length];
            int[] shape = randomShape(rnd);
            try (MemoryScope _ = MemoryScope.open("max-pool-property")) {
                double[] values = new double[Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
                Arrays.setAll(values, k -> rnd.nextInt(3) - 1);
                Tensor x = Tensor.of(values, shape).to(DType.F32);
                assertArrayEquals(Backends.reference().maxPool2dIndices(x, g).toDoubleArray(),
                        Backends.cpu().maxPool2dIndices(x, g).toDoubleArray(), Arrays.toString(shape) + " " + g);
            }
        }
    }

    /**
     * The gradients scattered back to the window maxima (summed where overlapping windows share one) equal the
     * reference's bits, although the CPU output starts as a recycled buffer full of NaN that it zeroes plane by plane.
     */
    @Test
    void scatterIntoRecycledMemoryMatchesTheReference() {
        SplittableRandom rnd = new SplittableRandom(12);
        for (int i = 0; i < 60; i++) {
            Conv2dGeometry g = GEOMETRIES[i % GEOMETRIES.length];
            int[] shape = randomShape(rnd);
            int numel = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            try (MemoryScope _ = MemoryScope.open("dirty")) {
                // Enough freed buffers of the output's size that the CPU output is one of them.
                for (int b = 0; b < 4; b++) {
                    Tensor.full(Double.NaN, DType.F32, numel);
                }
            }
            try (MemoryScope _ = MemoryScope.open("max-pool-scatter")) {
                Tensor x = Tensor.randn(rnd, 1, DType.F32, shape);
                Tensor idx = Backends.reference().maxPool2dIndices(x, g);
                Tensor grad = Tensor.randn(rnd, 1, DType.F32, idx.shape());
                assertArrayEquals(Backends.reference().planeScatterAdd(grad, idx, shape).toFloatArray(),
                        Backends.cpu().planeScatterAdd(grad, idx, shape).toFloatArray(),
                        Arrays.toString(shape) + " " + g);
            }
        }
    }
}
