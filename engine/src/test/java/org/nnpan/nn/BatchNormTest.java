package org.nnpan.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/** Running statistics move in training mode only, as PyTorch's do. */
class BatchNormTest {
    // Channel 0 holds 1..4 and channel 1 holds 10, 10, 10, 14 over a batch of two 1×2 maps.
    private static final Tensor X = Tensor.of(new float[] {1, 2, 10, 10, 3, 4, 10, 14}, 2, 2, 1, 2);

    @Test
    void trainingUpdatesRunningStatisticsWithMomentumAndUnbiasedVariance() {
        BatchNorm2d bn = new BatchNorm2d(2);
        bn.forward(X);
        // mean (2.5, 11); unbiased variance (5/3, 4); new = 0.9 · old + 0.1 · batch.
        assertArrayEquals(new float[] {0.25f, 1.1f}, bn.runningMean().toFloatArray(), 1e-6f);
        assertArrayEquals(new float[] {0.9f + 0.1f * 5 / 3f, 0.9f + 0.4f}, bn.runningVar().toFloatArray(), 1e-6f);
        assertEquals(1, bn.numBatchesTracked());
        bn.forward(X);
        assertEquals(2, bn.numBatchesTracked());
    }

    @Test
    void aFrozenTrainingPassNormalisesAlikeAndMovesNoBufferUntilTheScopeCloses() {
        BatchNorm2d tracked = new BatchNorm2d(2);
        BatchNorm2d frozen = new BatchNorm2d(2);
        tracked.forward(X);
        frozen.forward(X);
        float[] mean = frozen.runningMean().toFloatArray();
        float[] var = frozen.runningVar().toFloatArray();
        Tensor x = Tensor.randn(new SplittableRandom(3), 2, DType.F32, 3, 2, 4, 4);
        float[] y = tracked.forward(x).toFloatArray();
        float[] yRelu = tracked.forwardRelu(x).toFloatArray();
        try (BatchNorm.StatsScope outer = BatchNorm.freezeRunningStats()) {
            try (BatchNorm.StatsScope inner = BatchNorm.freezeRunningStats()) {
                assertArrayEquals(y, frozen.forward(x).toFloatArray(), 0f);
            }
            // Closing the inner scope restores the outer one's state: still frozen.
            assertArrayEquals(yRelu, frozen.forwardRelu(x).toFloatArray(), 0f);
        }
        assertArrayEquals(mean, frozen.runningMean().toFloatArray(), 0f);
        assertArrayEquals(var, frozen.runningVar().toFloatArray(), 0f);
        assertEquals(1, frozen.numBatchesTracked());
        assertEquals(3, tracked.numBatchesTracked());
        frozen.forward(X);
        assertEquals(2, frozen.numBatchesTracked());
        assertFalse(java.util.Arrays.equals(mean, frozen.runningMean().toFloatArray()));
    }

    @Test
    void evaluationUsesAndKeepsTheRunningStatistics() {
        BatchNorm2d bn = new BatchNorm2d(2);
        bn.weight().assignInPlace(Tensor.of(new float[] {2, 1}, 2));
        bn.bias().assignInPlace(Tensor.of(new float[] {0, -1}, 2));
        bn.runningMean().backend().copyInto(bn.runningMean(), Tensor.of(new float[] {1, 10}, 2));
        bn.runningVar().backend().copyInto(bn.runningVar(), Tensor.of(new float[] {4, 1}, 2));
        bn.eval();
        Tensor y = bn.forward(X);
        double s0 = 2 / Math.sqrt(4 + 1e-5);
        double s1 = 1 / Math.sqrt(1 + 1e-5);
        assertArrayEquals(new float[] {0, (float) s0, -1, -1, (float) (2 * s0), (float) (3 * s0), -1, (float) (4 * s1 - 1)},
                y.toFloatArray(), 1e-5f);
        assertArrayEquals(new float[] {1, 10}, bn.runningMean().toFloatArray(), 0f);
        assertArrayEquals(new float[] {4, 1}, bn.runningVar().toFloatArray(), 0f);
        assertEquals(0, bn.numBatchesTracked());
    }

    @Test
    void trainingModeNormalisesWithTheBatchStatistics() {
        BatchNorm1d bn = new BatchNorm1d(3);
        Tensor x = Tensor.randn(new SplittableRandom(1), 3, DType.F32, 16, 3).add(5);
        float[] y = bn.forward(x).toFloatArray();
        for (int c = 0; c < 3; c++) {
            double sum = 0;
            double sq = 0;
            for (int n = 0; n < 16; n++) {
                sum += y[n * 3 + c];
                sq += y[n * 3 + c] * y[n * 3 + c];
            }
            assertEquals(0, sum / 16, 1e-5);
            assertEquals(1, sq / 16, 1e-3);
        }
    }

    @Test
    void wrongInputRankOrChannelCountIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new BatchNorm2d(2).forward(Tensor.zeros(4, 2)));
        assertThrows(IllegalArgumentException.class, () -> new BatchNorm2d(3).forward(X));
    }
}
