package org.nnpan.ops;

import org.nnpan.autograd.Autograd;
import org.nnpan.tensor.Tensor;

/** Batch normalisation over NCHW (or NC) tensors. */
public final class Normalization {
    private Normalization() {
    }

    /**
     * Batch norm. In training it normalises with the batch statistics (biased variance) and updates the running
     * buffers in place with {@code momentum} (unbiased variance, as PyTorch does); in evaluation it uses the running
     * buffers. Written with differentiable ops, so it can be differentiated twice.
     *
     * @param runningMean [C] buffer, updated in training (may be null to skip tracking)
     * @param runningVar  [C] buffer, updated in training (may be null to skip tracking)
     */
    public static Tensor batchNorm(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
            boolean training, double momentum, double eps) {
        if (x.dim() != 2 && x.dim() != 4) {
            throw new IllegalArgumentException("batch_norm: expected [N, C] or [N, C, H, W], got " + org.nnpan.tensor.Shape.str(x.shape()));
        }
        int c = x.size(1);
        int[] axes = x.dim() == 4 ? new int[] {0, 2, 3} : new int[] {0};
        int[] bshape = x.dim() == 4 ? new int[] {1, c, 1, 1} : new int[] {1, c};
        Tensor mean;
        Tensor var;
        if (training) {
            long count = x.numel() / c;
            if (count < 2) {
                throw new IllegalArgumentException("batch_norm: training needs more than one value per channel, got input "
                        + org.nnpan.tensor.Shape.str(x.shape()));
            }
            mean = Reductions.mean(x, axes, true);
            Tensor centered = Elementwise.sub(x, mean);
            var = Reductions.mean(Elementwise.mul(centered, centered), axes, true);
            if (runningMean != null && runningVar != null) {
                try (Autograd.GradMode g = Autograd.noGrad()) {
                    Tensor m = Shapes.reshape(mean.detach(), c);
                    Tensor v = Elementwise.mul(Shapes.reshape(var.detach(), c), x.scalarLike((double) count / (count - 1)));
                    Tensor keep = x.scalarLike(1 - momentum);
                    Tensor take = x.scalarLike(momentum);
                    Tensor newMean = Elementwise.add(Elementwise.mul(runningMean, keep), Elementwise.mul(m, take));
                    Tensor newVar = Elementwise.add(Elementwise.mul(runningVar, keep), Elementwise.mul(v, take));
                    runningMean.backend().copyInto(runningMean, newMean);
                    runningVar.backend().copyInto(runningVar, newVar);
                }
            }
        } else {
            if (runningMean == null || runningVar == null) {
                throw new IllegalArgumentException("batch_norm: evaluation mode needs running statistics");
            }
            mean = Shapes.reshape(runningMean, bshape);
            var = Shapes.reshape(runningVar, bshape);
        }
        Tensor invStd = Elementwise.pow(Elementwise.add(var, x.scalarLike(eps)), -0.5);
        Tensor y = Elementwise.mul(Elementwise.sub(x, mean), invStd);
        if (gamma != null) {
            y = Elementwise.mul(y, Shapes.reshape(gamma, bshape));
        }
        if (beta != null) {
            y = Elementwise.add(y, Shapes.reshape(beta, bshape));
        }
        return y;
    }
}
