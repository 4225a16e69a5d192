package org.nnpan.ops;

import org.nnpan.autograd.Autograd;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Shape;
import org.nnpan.tensor.Storage;
import org.nnpan.tensor.Tensor;

/** Batch normalisation over NCHW (or NC) tensors. */
public final class Normalization {
    private Normalization() {
    }

    /**
     * Batch norm. In training it normalises with the batch statistics (biased variance) and updates the running
     * buffers in place with {@code momentum} (unbiased variance, as PyTorch does); in evaluation it uses the running
     * buffers.
     *
     * <p>Training runs a fused kernel with a fused first-order backward. When the backward pass is itself recorded
     * (create-graph mode, e.g. GraSP), the gradient is that of {@link #composite}, the same function written with
     * elementary ops, so every higher derivative exists; {@link BatchNormGradient} records it saving only g, x, γ, β.
     *
     * @param runningMean [C] buffer, updated in training (null to skip tracking)
     * @param runningVar  [C] buffer, updated in training (null to skip tracking)
     */
    public static Tensor batchNorm(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
            boolean training, double momentum, double eps) {
        check(x, gamma, beta, runningMean, runningVar, training);
        if (!training) {
            return evaluate(x, gamma, beta, runningMean, runningVar, eps);
        }
        Tensor[] r = x.backend().batchNormForward(x, gamma, beta, eps);
        Tensor mean = r[1];
        Tensor invStd = r[2];
        updateRunningStats(x, runningMean, runningVar, mean, invStd, eps, momentum);
        return Autograd.record(r[0], "batch_norm", new Tensor[] {x, gamma, beta},
                new Tensor[] {x, gamma, beta, mean, invStd}, g -> {
            if (Autograd.isEnabled()) {
                return BatchNormGradient.of(g, x, gamma, beta, eps);
            }
            return trainable(g.backend().batchNormBackward(g, x, gamma, mean, invStd), gamma, beta);
        });
    }

    /**
     * relu({@link #batchNorm batchNorm(...)}), the same numbers, as one op ("batch_norm_relu") unless {@link Fusion}
     * is off: the backend's {@code batchNormReluForward} and {@code batchNormReluBackward}, which a backend may fuse
     * (the CPU backend applies ReLU as batch norm's kernel stores each value and ReLU's step as its backward kernel
     * reads each gradient, so neither the normalised tensor nor the masked gradient is written); the op saves what
     * batch norm saves plus its own output. A recorded backward (create-graph mode) is ReLU's rule followed by batch
     * norm's composite one, as for the separate ops.
     */
    public static Tensor batchNormRelu(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
            boolean training, double momentum, double eps) {
        if (!training || !Fusion.isOn()) {
            return Elementwise.relu(batchNorm(x, gamma, beta, runningMean, runningVar, training, momentum, eps));
        }
        check(x, gamma, beta, runningMean, runningVar, true);
        Tensor[] r = x.backend().batchNormReluForward(x, gamma, beta, eps);
        Tensor out = r[0];
        Tensor mean = r[1];
        Tensor invStd = r[2];
        updateRunningStats(x, runningMean, runningVar, mean, invStd, eps, momentum);
        return Autograd.record(out, "batch_norm_relu", new Tensor[] {x, gamma, beta},
                new Tensor[] {x, gamma, beta, mean, invStd, out}, g -> {
            if (Autograd.isEnabled()) {
                return BatchNormGradient.of(Elementwise.reluGrad(g, out), x, gamma, beta, eps);
            }
            return trainable(g.backend().batchNormReluBackward(g, out, x, gamma, beta, mean, invStd), gamma, beta);
        });
    }

    /** {gx, gGamma, gBeta} with null for an absent γ or β. */
    private static Tensor[] trainable(Tensor[] grads, Tensor gamma, Tensor beta) {
        return new Tensor[] {grads[0], gamma == null ? null : grads[1], beta == null ? null : grads[2]};
    }

    /** Shapes of the input and per-channel tensors; running statistics in evaluation, two values per channel in training. */
    private static void check(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
            boolean training) {
        if (x.dim() != 2 && x.dim() != 4) {
            throw new IllegalArgumentException("batch_norm: expected [N, C] or [N, C, H, W], got " + Shape.str(x.shape()));
        }
        int c = x.size(1);
        checkChannels("weight", gamma, c);
        checkChannels("bias", beta, c);
        checkChannels("running_mean", runningMean, c);
        checkChannels("running_var", runningVar, c);
        if (!training && (runningMean == null || runningVar == null)) {
            throw new IllegalArgumentException("batch_norm: evaluation mode needs running statistics");
        }
        if (training && x.numel() / c < 2) {
            throw new IllegalArgumentException("batch_norm: training needs more than one value per channel, got input "
                    + Shape.str(x.shape()));
        }
    }

    private static void checkChannels(String what, Tensor t, int c) {
        if (t != null && (t.dim() != 1 || t.size(0) != c)) {
            throw new IllegalArgumentException("batch_norm: " + what + " has shape " + Shape.str(t.shape())
                    + ", expected [" + c + "]");
        }
    }

    /** y = x * s + t with per-channel s = γ/√(var+ε) and t = β − mean·s: two passes over x instead of four. */
    private static Tensor evaluate(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, double eps) {
        int[] bshape = channelShape(x);
        Tensor s = Elementwise.pow(runningVar.detach().add(eps), -0.5);
        if (gamma != null) {
            s = Elementwise.mul(s, gamma);
        }
        Tensor t = Elementwise.neg(Elementwise.mul(runningMean.detach(), s));
        if (beta != null) {
            t = Elementwise.add(t, beta);
        }
        return Elementwise.add(Elementwise.mul(x, Shapes.reshape(s, bshape)), Shapes.reshape(t, bshape));
    }

    private static int[] channelShape(Tensor x) {
        return x.dim() == 4 ? new int[] {1, x.size(1), 1, 1} : new int[] {1, x.size(1)};
    }

    /**
     * Moves the running buffers (unless null) towards the batch statistics of {@code x}: the unbiased variance
     * {@code (invStd^-2 - eps) * n / (n - 1)}, then {@code buffer * (1 - momentum) + statistic * momentum}, each step
     * rounded to the buffers' dtype as the elementwise ops it replaces rounded it (a float32 operation computed in
     * double and rounded to float gives the float32 result). A loop over the C values instead of ten tensor ops per
     * layer: in a ResNet-32 scoring call those were about 300 of its elementwise ops, each allocating its result and
     * scalars and going through broadcasting and dispatch, and made that generic path hot enough for C2 to compile it
     * within the call's first measured repetitions.
     */
    private static void updateRunningStats(Tensor x, Tensor runningMean, Tensor runningVar, Tensor mean, Tensor invStd,
            double eps, double momentum) {
        if (runningMean == null || runningVar == null) {
            return;
        }
        long count = x.numel() / x.size(1);
        boolean f32 = runningMean.dtype() == DType.F32;
        double[] runMean = runningMean.toDoubleArray();
        double[] runVar = runningVar.toDoubleArray();
        double[] batchMean = mean.toDoubleArray();
        double[] batchInvStd = invStd.toDoubleArray();
        double epsilon = rounded(eps, f32);
        double correction = rounded((double) count / (count - 1), f32);
        double keep = rounded(1 - momentum, f32);
        double take = rounded(momentum, f32);
        for (int c = 0; c < runMean.length; c++) {
            double biasedVar = rounded(rounded(Math.pow(batchInvStd[c], -2), f32) - epsilon, f32);
            double unbiased = rounded(biasedVar * correction, f32);
            runMean[c] = rounded(rounded(runMean[c] * keep, f32) + rounded(batchMean[c] * take, f32), f32);
            runVar[c] = rounded(rounded(runVar[c] * keep, f32) + rounded(unbiased * take, f32), f32);
        }
        assign(runningMean, runMean);
        assign(runningVar, runVar);
    }

    /**
     * Writes {@code values}, already rounded to the rank-1 {@code buffer}'s dtype, into it element by element: no
     * temporary tensor (a copy from one was a tensor allocation per buffer, and the allocating path C2-compiled into
     * this method within a scoring run's measured calls).
     */
    private static void assign(Tensor buffer, double[] values) {
        Storage storage = buffer.storage();
        long stride = buffer.strides()[0];
        for (int i = 0; i < values.length; i++) {
            storage.setDouble(buffer.offset() + i * stride, values[i]);
        }
    }

    /** {@code v} rounded to float when {@code f32}. */
    private static double rounded(double v, boolean f32) {
        return f32 ? (float) v : v;
    }

    /** Training-mode batch norm written with elementary differentiable ops: the definition of its derivatives. */
    static Tensor composite(Tensor x, Tensor gamma, Tensor beta, double eps) {
        int[] axes = x.dim() == 4 ? new int[] {0, 2, 3} : new int[] {0};
        int[] bshape = channelShape(x);
        Tensor mean = Reductions.mean(x, axes, true);
        Tensor centered = Elementwise.sub(x, mean);
        Tensor var = Reductions.mean(Elementwise.mul(centered, centered), axes, true);
        Tensor y = Elementwise.mul(centered, Elementwise.pow(Elementwise.add(var, x.scalarLike(eps)), -0.5));
        if (gamma != null) {
            y = Elementwise.mul(y, Shapes.reshape(gamma, bshape));
        }
        if (beta != null) {
            y = Elementwise.add(y, Shapes.reshape(beta, bshape));
        }
        return y;
    }
}
