package org.nnpan.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nnpan.autograd.Autograd;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/**
 * Batch norm's running-statistics update, a per-channel loop, against the same formula written with elementwise
 * ops (unbiased variance from the kernel's invStd, then the momentum blend): the same bits in float32 and float64,
 * on random shapes, statistics and momenta.
 */
class RunningStatsTest {

    @Test
    void theLoopGivesTheBitsOfTheElementwiseOps() {
        SplittableRandom rnd = new SplittableRandom(8);
        for (int trial = 0; trial < 40; trial++) {
            DType dtype = trial % 2 == 0 ? DType.F32 : DType.F64;
            int c = 1 + rnd.nextInt(9);
            int[] shape = trial % 3 == 0 ? new int[] {2 + rnd.nextInt(6), c}
                    : new int[] {1 + rnd.nextInt(4), c, 1 + rnd.nextInt(5), 1 + rnd.nextInt(5)};
            Tensor x = Tensor.randn(rnd, 0.5 + 4 * rnd.nextDouble(), dtype, shape).add(rnd.nextGaussian() * 3);
            if (x.numel() / c < 2) {
                continue;
            }
            Tensor runningMean = Tensor.randn(rnd, 1, dtype, c);
            Tensor runningVar = Tensor.randn(rnd, 1, dtype, c).abs().add(0.1);
            double momentum = rnd.nextDouble();
            double eps = trial % 4 == 1 ? 1e-3 : 1e-5;
            Tensor[] expected = composed(x, runningMean, runningVar, momentum, eps);
            Normalization.batchNorm(x, null, null, runningMean, runningVar, true, momentum, eps);
            assertBits(expected[0], runningMean, "trial " + trial + " running mean");
            assertBits(expected[1], runningVar, "trial " + trial + " running variance");
        }
    }

    /** The update as elementwise ops, from the statistics the backend's kernel returns for {@code x}. */
    private static Tensor[] composed(Tensor x, Tensor runningMean, Tensor runningVar, double momentum, double eps) {
        try (Autograd.GradMode g = Autograd.noGrad()) {
            Tensor[] r = x.backend().batchNormForward(x, null, null, eps);
            Tensor mean = r[1];
            Tensor invStd = r[2];
            long count = x.numel() / x.size(1);
            Tensor biasedVar = Elementwise.sub(Elementwise.pow(invStd, -2), invStd.scalarLike(eps));
            Tensor unbiased = Elementwise.mul(biasedVar, invStd.scalarLike((double) count / (count - 1)));
            Tensor keep = mean.scalarLike(1 - momentum);
            Tensor take = mean.scalarLike(momentum);
            return new Tensor[] {
                Elementwise.add(Elementwise.mul(runningMean, keep), Elementwise.mul(mean, take)),
                Elementwise.add(Elementwise.mul(runningVar, keep), Elementwise.mul(unbiased, take))};
        }
    }

    private static void assertBits(Tensor expected, Tensor actual, String what) {
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            assertEquals(Double.doubleToRawLongBits(e[i]), Double.doubleToRawLongBits(a[i]), what + " [" + i + "]: "
                    + e[i] + " vs " + a[i]);
        }
    }
}
