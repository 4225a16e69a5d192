package org.nnpan.ops;

import org.nnpan.autograd.Autograd;
import org.nnpan.backend.Conv2dGeometry;
import org.nnpan.tensor.Shape;
import org.nnpan.tensor.Tensor;

/**
 * 2-d convolution (cross-correlation, like PyTorch). Its two gradient operators are ops themselves, and the three
 * are each other's gradients, so convolutions are differentiable to any order.
 */
public final class Conv {
    private Conv() {
    }

    /** {@code conv2d(x [N,C,H,W], w [O,C,KH,KW]) + bias [O]} with square stride and zero padding. */
    public static Tensor conv2d(Tensor x, Tensor w, Tensor bias, int stride, int padding) {
        if (w.dim() != 4) {
            throw new IllegalArgumentException("conv2d: weight must be [O, C, KH, KW], got " + Shape.str(w.shape()));
        }
        Conv2dGeometry g = new Conv2dGeometry(w.size(2), w.size(3), stride, stride, padding, padding);
        Tensor y = conv2d(x, w, g);
        if (bias == null) {
            return y;
        }
        if (bias.dim() != 1 || bias.size(0) != w.size(0)) {
            throw new IllegalArgumentException("conv2d: bias " + Shape.str(bias.shape()) + " does not match " + w.size(0) + " output channels");
        }
        return Elementwise.add(y, Shapes.reshape(bias, 1, -1, 1, 1));
    }

    /** Convolution without bias for a given geometry (kernel size must match {@code w}). */
    public static Tensor conv2d(Tensor x, Tensor w, Conv2dGeometry g) {
        Elementwise.checkFloatPair("conv2d", x, w);
        g.check("conv2d", x.shape());
        if (x.size(1) != w.size(1) || w.size(2) != g.kh() || w.size(3) != g.kw()) {
            throw new IllegalArgumentException("conv2d: input " + Shape.str(x.shape()) + " does not match weight " + Shape.str(w.shape()));
        }
        Tensor out = x.backend().conv2d(x, w, g);
        return Autograd.record(out, "conv2d", new Tensor[] {x, w},
                new Tensor[] {w.requiresGrad() ? x : null, x.requiresGrad() ? w : null}, gy -> new Tensor[] {
            x.requiresGrad() ? inputGrad(gy, w, x.shape(), g) : null,
            w.requiresGrad() ? weightGrad(x, gy, w.shape(), g) : null});
    }

    /** The gradient of {@link #conv2d} w.r.t. its input (a transposed convolution), differentiable in both arguments. */
    public static Tensor inputGrad(Tensor gy, Tensor w, int[] inputShape, Conv2dGeometry g) {
        Tensor out = gy.backend().conv2dInputGrad(gy, w, inputShape, g);
        return Autograd.record(out, "conv2d_input_grad", new Tensor[] {gy, w},
                new Tensor[] {w.requiresGrad() ? gy : null, gy.requiresGrad() ? w : null}, v -> new Tensor[] {
            gy.requiresGrad() ? conv2d(v, w, g) : null,
            w.requiresGrad() ? weightGrad(v, gy, w.shape(), g) : null});
    }

    /** The gradient of {@link #conv2d} w.r.t. its weight, differentiable in both arguments. */
    public static Tensor weightGrad(Tensor x, Tensor gy, int[] weightShape, Conv2dGeometry g) {
        Tensor out = x.backend().conv2dWeightGrad(x, gy, weightShape, g);
        return Autograd.record(out, "conv2d_weight_grad", new Tensor[] {x, gy},
                new Tensor[] {gy.requiresGrad() ? x : null, x.requiresGrad() ? gy : null}, v -> new Tensor[] {
            x.requiresGrad() ? inputGrad(gy, v, x.shape(), g) : null,
            gy.requiresGrad() ? conv2d(x, v, g) : null});
    }
}
