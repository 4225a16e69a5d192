package org.nnpan.ops;

import org.nnpan.autograd.Autograd;
import org.nnpan.backend.Conv2dGeometry;
import org.nnpan.tensor.Tensor;

/** Max, average and adaptive average pooling over NCHW tensors; each paired with its adjoint, so twice differentiable. */
public final class Pooling {
    private Pooling() {
    }

    /** Max pooling with a square window; padding never wins. */
    public static Tensor maxPool2d(Tensor x, int kernel, int stride, int padding) {
        Conv2dGeometry g = Conv2dGeometry.of(kernel, stride, padding);
        Elementwise.checkFloat("max_pool2d", x);
        g.check("max_pool2d", x.shape());
        if (padding * 2 > kernel) {
            throw new IllegalArgumentException("max_pool2d: padding " + padding + " must be at most half the kernel " + kernel);
        }
        Tensor idx = x.backend().maxPool2dIndices(x, g);
        return gather(x, idx);
    }

    /** Picks {@code x[n, c, idx[n, c, i]]} per plane; the gradient scatters back. */
    private static Tensor gather(Tensor x, Tensor idx) {
        Tensor out = x.backend().planeGather(x, idx);
        int[] inShape = x.shape();
        return Autograd.record(out, "max_pool2d", new Tensor[] {x}, new Tensor[] {idx}, g -> new Tensor[] {scatterAdd(g, idx, inShape)});
    }

    private static Tensor scatterAdd(Tensor g, Tensor idx, int[] inShape) {
        Tensor out = g.backend().planeScatterAdd(g, idx, inShape);
        return Autograd.record(out, "max_pool2d_backward", new Tensor[] {g}, new Tensor[] {idx}, v -> new Tensor[] {gather(v, idx)});
    }

    /** Average pooling with a square window; {@code countIncludePad} as in PyTorch (default true). */
    public static Tensor avgPool2d(Tensor x, int kernel, int stride, int padding, boolean countIncludePad) {
        Conv2dGeometry g = Conv2dGeometry.of(kernel, stride, padding);
        Elementwise.checkFloat("avg_pool2d", x);
        g.check("avg_pool2d", x.shape());
        return avgPool(x, g, countIncludePad);
    }

    private static Tensor avgPool(Tensor x, Conv2dGeometry g, boolean cip) {
        Tensor out = x.backend().avgPool2d(x, g, cip);
        int[] inShape = x.shape();
        return Autograd.record(out, "avg_pool2d", new Tensor[] {x}, Autograd.NOTHING_SAVED, gy -> new Tensor[] {avgPoolAdjoint(gy, inShape, g, cip)});
    }

    private static Tensor avgPoolAdjoint(Tensor gy, int[] inShape, Conv2dGeometry g, boolean cip) {
        Tensor out = gy.backend().avgPool2dAdjoint(gy, inShape, g, cip);
        return Autograd.record(out, "avg_pool2d_backward", new Tensor[] {gy}, Autograd.NOTHING_SAVED, v -> new Tensor[] {avgPool(v, g, cip)});
    }

    /** Adaptive average pooling to {@code outH}×{@code outW} (PyTorch's bins, which may overlap). */
    public static Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) {
        Elementwise.checkFloat("adaptive_avg_pool2d", x);
        if (x.dim() != 4 || outH < 1 || outW < 1) {
            throw new IllegalArgumentException("adaptive_avg_pool2d: need NCHW input and positive output size, got "
                    + org.nnpan.tensor.Shape.str(x.shape()) + " -> " + outH + "x" + outW);
        }
        Tensor out = x.backend().adaptiveAvgPool2d(x, outH, outW);
        int[] inShape = x.shape();
        return Autograd.record(out, "adaptive_avg_pool2d", new Tensor[] {x}, Autograd.NOTHING_SAVED, g -> new Tensor[] {adaptiveAdjoint(g, inShape)});
    }

    private static Tensor adaptiveAdjoint(Tensor g, int[] inShape) {
        Tensor out = g.backend().adaptiveAvgPool2dAdjoint(g, inShape);
        return Autograd.record(out, "adaptive_avg_pool2d_backward", new Tensor[] {g}, Autograd.NOTHING_SAVED,
                v -> new Tensor[] {adaptiveAvgPool2d(v, g.size(2), g.size(3))});
    }
}
