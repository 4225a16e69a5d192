package org.nnpan.nn;

import org.nnpan.ops.Pooling;
import org.nnpan.tensor.Tensor;

/** Average pooling of NCHW input to a fixed output size, whatever the input size (PyTorch's bins). */
public final class AdaptiveAvgPool2d extends Module {
    private final int outH;
    private final int outW;

    /** Pools to {@code size}×{@code size}; 1 gives global average pooling. */
    public AdaptiveAvgPool2d(int size) {
        this(size, size);
    }

    public AdaptiveAvgPool2d(int outH, int outW) {
        this.outH = outH;
        this.outW = outW;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Pooling.adaptiveAvgPool2d(x, outH, outW);
    }

    @Override
    protected Module freshInstance() {
        return new AdaptiveAvgPool2d(outH, outW);
    }

    @Override
    protected String extraRepr() {
        return outH + "x" + outW;
    }
}
