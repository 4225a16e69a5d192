package org.nnpan.ops;

import java.util.List;
import java.util.function.Function;
import org.nnpan.autograd.Autograd;
import org.nnpan.tensor.Tensor;

/** The differentiable ops under test, each as a function of its tensor inputs with the input shapes to use. */
final class OpCases {
    private OpCases() {
    }

    record Case(String name, Function<Tensor[], Tensor> f, int[][] shapes, boolean positive) {
    }

    private static Case c(String name, Function<Tensor[], Tensor> f, int[]... shapes) {
        return new Case(name, f, shapes, false);
    }

    private static Case positive(String name, Function<Tensor[], Tensor> f, int[]... shapes) {
        return new Case(name, f, shapes, true);
    }

    private static int[] s(int... d) {
        return d;
    }

    static List<Case> cases() {
        return List.of(
            c("add broadcast", x -> x[0].add(x[1]), s(3, 4), s(4)),
            c("sub broadcast", x -> x[0].sub(x[1]), s(2, 1, 4), s(3, 1)),
            c("mul broadcast", x -> x[0].mul(x[1]), s(2, 3), s(2, 1)),
            positive("div", x -> x[0].div(x[1]), s(2, 3), s(3)),
            c("neg", x -> x[0].neg(), s(5)),
            c("abs", x -> x[0].abs(), s(2, 3)),
            c("exp", x -> x[0].exp(), s(2, 3)),
            positive("log", x -> x[0].log(), s(2, 3)),
            positive("sqrt", x -> x[0].sqrt(), s(2, 3)),
            positive("pow scalar", x -> x[0].pow(2.5), s(2, 3)),
            positive("pow tensor", x -> Elementwise.pow(x[0], x[1]), s(2, 3), s(3)),
            c("relu", x -> x[0].relu(), s(3, 4)),
            c("sigmoid", x -> Elementwise.sigmoid(x[0]), s(3, 4)),
            c("tanh", x -> Elementwise.tanh(x[0]), s(3, 4)),
            c("clamp", x -> Elementwise.clamp(x[0], -0.5, 0.5), s(3, 4)),
            c("maximum", x -> Elementwise.maximum(x[0], x[1]), s(3, 4), s(4)),
            c("minimum", x -> Elementwise.minimum(x[0], x[1]), s(3, 4), s(3, 1)),
            c("where", x -> Elementwise.where(Elementwise.step(x[0]), x[1], x[2]), s(3, 4), s(3, 4), s(4)),
            c("where same shapes", x -> Elementwise.where(Elementwise.step(x[0]), x[1], x[2]), s(3, 4), s(3, 4), s(3, 4)),
            c("where scalar", x -> Elementwise.where(Elementwise.step(x[0]), x[1], x[2]), s(3, 4), s(3, 4), s(1)),
            c("sum axes", x -> Reductions.sum(x[0], new int[] {0, 2}, false), s(2, 3, 4)),
            c("sum keepdim", x -> Reductions.sum(x[0], new int[] {1}, true), s(2, 3, 4)),
            c("mean", x -> Reductions.mean(x[0], new int[] {1}, false), s(2, 3, 4)),
            c("amax", x -> Reductions.amax(x[0], new int[] {1}, false), s(3, 5)),
            c("amin", x -> Reductions.amin(x[0], new int[] {0}, true), s(3, 5)),
            c("norm", x -> Reductions.norm(x[0]), s(2, 3)),
            c("matmul 2d", x -> x[0].matmul(x[1]), s(3, 4), s(4, 2)),
            c("matmul batched", x -> x[0].matmul(x[1]), s(2, 3, 4), s(2, 4, 2)),
            c("matmul broadcast", x -> x[0].matmul(x[1]), s(2, 3, 4), s(4, 2)),
            c("linear", x -> Linalg.linear(x[0], x[1], x[2]), s(3, 4), s(2, 4), s(2)),
            c("conv2d", x -> Conv.conv2d(x[0], x[1], x[2], 1, 0), s(2, 2, 5, 5), s(3, 2, 3, 3), s(3)),
            c("conv2d stride 2 pad 1", x -> Conv.conv2d(x[0], x[1], null, 2, 1), s(1, 2, 5, 4), s(2, 2, 3, 3)),
            c("conv2d 1x1 stride 2", x -> Conv.conv2d(x[0], x[1], null, 2, 0), s(2, 3, 4, 4), s(2, 3, 1, 1)),
            c("max_pool2d", x -> Pooling.maxPool2d(x[0], 2, 2, 0), s(2, 2, 4, 4)),
            c("max_pool2d k3 s2 p1", x -> Pooling.maxPool2d(x[0], 3, 2, 1), s(1, 2, 5, 5)),
            c("avg_pool2d", x -> Pooling.avgPool2d(x[0], 2, 2, 0, true), s(2, 2, 4, 4)),
            c("avg_pool2d k3 p1", x -> Pooling.avgPool2d(x[0], 3, 1, 1, true), s(1, 2, 4, 4)),
            c("adaptive_avg_pool2d", x -> Pooling.adaptiveAvgPool2d(x[0], 2, 2), s(1, 2, 5, 5)),
            c("adaptive_avg_pool2d global", x -> Pooling.adaptiveAvgPool2d(x[0], 1, 1), s(2, 3, 4, 3)),
            c("batch_norm train", x -> Normalization.batchNorm(x[0], x[1], x[2], null, null, true, 0.1, 1e-5),
                    s(3, 2, 2, 2), s(2), s(2)),
            c("batch_norm composite", x -> Normalization.composite(x[0], x[1], x[2], 1e-5), s(3, 2, 2, 2), s(2), s(2)),
            c("batch_norm eval", x -> Normalization.batchNorm(x[0], x[1], x[2], Tensor.of(new double[] {0.1, -0.2}, 2).to(x[0].dtype()),
                    Tensor.of(new double[] {0.5, 1.5}, 2).to(x[0].dtype()), false, 0.1, 1e-5), s(3, 2, 2, 2), s(2), s(2)),
            c("batch_norm gradient", OpCases::batchNormGradient, s(3, 2, 2, 2), s(2), s(2), s(3, 2, 2, 2)),
            c("batch_norm 2d", x -> Normalization.batchNorm(x[0], x[1], x[2], null, null, true, 0.1, 1e-5),
                    s(4, 3), s(3), s(3)),
            c("batch_norm_relu train", x -> Normalization.batchNormRelu(x[0], x[1], x[2], null, null, true, 0.1, 1e-5),
                    s(3, 2, 2, 2), s(2), s(2)),
            c("batch_norm_relu 2d", x -> Normalization.batchNormRelu(x[0], x[1], x[2], null, null, true, 0.1, 1e-5),
                    s(4, 3), s(3), s(3)),
            c("batch_norm_relu gradient", OpCases::batchNormReluGradient, s(3, 2, 2, 2), s(2), s(2), s(3, 2, 2, 2)),
            c("add_relu", x -> Elementwise.addRelu(x[0], x[1]), s(2, 3, 2, 2), s(2, 3, 2, 2)),
            c("add_relu broadcast", x -> Elementwise.addRelu(x[0], x[1]), s(3, 4), s(4)),
            c("linear_relu", x -> Linalg.linearRelu(x[0], x[1], x[2]), s(3, 4), s(5, 4), s(5)),
            c("log_softmax", x -> Losses.logSoftmax(x[0], 1), s(3, 4)),
            c("softmax", x -> Losses.softmax(x[0], -1), s(3, 4)),
            c("cross_entropy mean", x -> Losses.crossEntropy(x[0], Tensor.of(new long[] {0, 2, 1}, 3), Losses.Reduction.MEAN), s(3, 4)),
            c("cross_entropy sum", x -> Losses.crossEntropy(x[0], Tensor.of(new long[] {3, 3, 1}, 3), Losses.Reduction.SUM), s(3, 4)),
            c("cat", x -> Shapes.cat(1, x[0], x[1]), s(2, 3), s(2, 2)),
            c("pad", x -> Shapes.padLastDims(x[0], 1, 2, 0, 1), s(2, 3, 3)),
            c("permute", x -> x[0].permute(2, 0, 1).mul(x[1]), s(2, 3, 4), s(4, 2, 3)),
            c("transpose+reshape", x -> x[0].transpose(0, 1).reshape(-1), s(2, 3)),
            c("slice", x -> Shapes.slice(x[0], 1, 1, 3), s(2, 4)),
            c("expand", x -> Shapes.expand(x[0], 3, 2, 4), s(2, 1)),
            c("small convnet", OpCases::convNet, s(2, 2, 6, 6), s(3, 2, 3, 3), s(3), s(3), s(4, 3)));
    }

    /** Batch norm's recorded gradient (x, γ, β against g = x[3]): its second derivatives are batch norm's third. */
    private static Tensor batchNormGradient(Tensor[] x) {
        Tensor y = Normalization.batchNorm(x[0], x[1], x[2], null, null, true, 0.1, 1e-5);
        Tensor[] d = Autograd.grad(new Tensor[] {y}, new Tensor[] {x[0], x[1], x[2]}, new Tensor[] {x[3]}, true);
        return Shapes.cat(0, d[0].reshape(-1), d[1], d[2]);
    }

    /** {@link #batchNormGradient} of the fused batch norm + ReLU. */
    private static Tensor batchNormReluGradient(Tensor[] x) {
        Tensor y = Normalization.batchNormRelu(x[0], x[1], x[2], null, null, true, 0.1, 1e-5);
        Tensor[] d = Autograd.grad(new Tensor[] {y}, new Tensor[] {x[0], x[1], x[2]}, new Tensor[] {x[3]}, true);
        return Shapes.cat(0, d[0].reshape(-1), d[1], d[2]);
    }

    /** conv → BN → ReLU → max-pool → global average → linear → cross-entropy: the shape of GraSP's objective. */
    private static Tensor convNet(Tensor[] x) {
        Tensor h = Conv.conv2d(x[0], x[1], null, 1, 1);
        h = Normalization.batchNorm(h, x[2], x[3], null, null, true, 0.1, 1e-5).relu();
        h = Pooling.maxPool2d(h, 2, 2, 0);
        h = Shapes.flatten(Pooling.adaptiveAvgPool2d(h, 1, 1), 1);
        Tensor logits = Linalg.linear(h, x[4], null);
        return Losses.crossEntropy(logits, Tensor.of(new long[] {1, 3}, 2), Losses.Reduction.MEAN);
    }

}
