package org.nnpan.nn;

import org.nnpan.ops.Conv;
import org.nnpan.tensor.Tensor;

/**
 * 2-d convolution over NCHW input with a square kernel, stride and zero padding; weight [out, in, k, k]
 * (prunable) and optional bias [out].
 */
public final class Conv2d extends Module {
    private final int inChannels;
    private final int outChannels;
    private final int kernel;
    private final int stride;
    private final int padding;
    private final Parameter weight;
    private final Parameter bias;

    /** A convolution whose parameters start at zero until an {@link org.nnpan.nn.init.InitScheme} fills them. */
    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, boolean withBias) {
        if (inChannels < 1 || outChannels < 1 || kernel < 1 || stride < 1 || padding < 0) {
            throw new IllegalArgumentException("Conv2d: invalid configuration " + inChannels + " -> " + outChannels
                    + ", kernel " + kernel + ", stride " + stride + ", padding " + padding);
        }
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.weight = addParameter("weight", Parameter.zeros(true, outChannels, inChannels, kernel, kernel));
        this.bias = withBias ? addParameter("bias", Parameter.zeros(false, outChannels)) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Conv.conv2d(x, weight.effective(), bias == null ? null : bias.value(), stride, padding);
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null for a convolution without one. */
    public Parameter bias() {
        return bias;
    }

    public int inChannels() {
        return inChannels;
    }

    public int outChannels() {
        return outChannels;
    }

    public int kernel() {
        return kernel;
    }

    public int stride() {
        return stride;
    }

    public int padding() {
        return padding;
    }

    @Override
    protected Module freshInstance() {
        return new Conv2d(inChannels, outChannels, kernel, stride, padding, bias != null);
    }

    @Override
    protected String extraRepr() {
        return inChannels + ", " + outChannels + ", kernel=" + kernel + ", stride=" + stride + ", padding=" + padding
                + ", bias=" + (bias != null);
    }
}
