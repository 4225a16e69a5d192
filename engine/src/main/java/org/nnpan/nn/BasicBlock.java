package org.nnpan.nn;

import org.nnpan.ops.Elementwise;
import org.nnpan.tensor.Tensor;

/**
 * The residual block of CIFAR ResNets: {@code relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))} with bias-free
 * 3×3 convolutions, the first one strided. The shortcut is the identity (an empty {@link Sequential}, as in the
 * PyTorch definition) unless the stride or channel count changes; then it is a bias-free 1×1 strided convolution and
 * a batch norm, named {@code shortcut.0} and {@code shortcut.1} ("option B").
 */
public final class BasicBlock extends Module {
    private final int inChannels;
    private final int outChannels;
    private final int stride;
    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final Conv2d conv2;
    private final BatchNorm2d bn2;
    private final Sequential shortcut;

    public BasicBlock(int inChannels, int outChannels, int stride) {
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.stride = stride;
        this.conv1 = addModule("conv1", new Conv2d(inChannels, outChannels, 3, stride, 1, false));
        this.bn1 = addModule("bn1", new BatchNorm2d(outChannels));
        this.conv2 = addModule("conv2", new Conv2d(outChannels, outChannels, 3, 1, 1, false));
        this.bn2 = addModule("bn2", new BatchNorm2d(outChannels));
        this.shortcut = addModule("shortcut", stride != 1 || inChannels != outChannels
                ? new Sequential(new Conv2d(inChannels, outChannels, 1, stride, 0, false), new BatchNorm2d(outChannels))
                : new Sequential());
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor out = bn1.forwardRelu(conv1.forward(x));
        out = bn2.forward(conv2.forward(out));
        return Elementwise.addRelu(out, shortcut.forward(x));
    }

    @Override
    protected Module freshInstance() {
        return new BasicBlock(inChannels, outChannels, stride);
    }

    @Override
    protected String extraRepr() {
        return inChannels + ", " + outChannels + ", stride=" + stride;
    }
}
