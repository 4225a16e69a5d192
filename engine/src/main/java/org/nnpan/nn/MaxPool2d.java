package org.nnpan.nn;

import org.nnpan.ops.Pooling;
import org.nnpan.tensor.Tensor;

/** Max pooling over NCHW input with a square window. */
public final class MaxPool2d extends Module {
    private final int kernel;
    private final int stride;
    private final int padding;

    /** Non-overlapping windows: stride = kernel, no padding (PyTorch's default). */
    public MaxPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    public MaxPool2d(int kernel, int stride, int padding) {
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Pooling.maxPool2d(x, kernel, stride, padding);
    }

    @Override
    protected Module freshInstance() {
        return new MaxPool2d(kernel, stride, padding);
    }

    @Override
    protected String extraRepr() {
        return "kernel=" + kernel + ", stride=" + stride + ", padding=" + padding;
    }
}
