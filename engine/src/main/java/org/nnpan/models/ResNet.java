package org.nnpan.models;

import java.util.ArrayList;
import java.util.List;
import org.nnpan.nn.BasicBlock;
import org.nnpan.nn.BatchNorm2d;
import org.nnpan.nn.Conv2d;
import org.nnpan.nn.Linear;
import org.nnpan.nn.Module;
import org.nnpan.nn.Sequential;
import org.nnpan.ops.Pooling;
import org.nnpan.ops.Shapes;
import org.nnpan.tensor.Tensor;

/**
 * CIFAR-style ResNet of {@link BasicBlock}s: a bias-free 3×3 stem convolution {@code conv1} with {@code bn1} and ReLU
 * (no max pooling), stages {@code layer1, layer2, ...} whose first block has stride 1 in the first stage and 2 in the
 * others, global average pooling and the classifier {@code fc}. The stem has the first stage's width. Three stages
 * of (depth − 2)/6 blocks give ResNet-20/32/56; four stages of two blocks give the CIFAR ResNet-18.
 */
final class ResNet extends Module {
    private final int inChannels;
    private final int[] stageWidths;
    private final int blocksPerStage;
    private final int numClasses;
    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final List<Sequential> stages = new ArrayList<>();
    private final Linear fc;

    ResNet(int inChannels, int[] stageWidths, int blocksPerStage, int numClasses) {
        this.inChannels = inChannels;
        this.stageWidths = stageWidths.clone();
        this.blocksPerStage = blocksPerStage;
        this.numClasses = numClasses;
        int channels = stageWidths[0];
        this.conv1 = addModule("conv1", new Conv2d(inChannels, channels, 3, 1, 1, false));
        this.bn1 = addModule("bn1", new BatchNorm2d(channels));
        for (int s = 0; s < stageWidths.length; s++) {
            List<Module> blocks = new ArrayList<>();
            for (int b = 0; b < blocksPerStage; b++) {
                int stride = b == 0 && s > 0 ? 2 : 1;
                blocks.add(new BasicBlock(channels, stageWidths[s], stride));
                channels = stageWidths[s];
            }
            stages.add(addModule("layer" + (s + 1), new Sequential(blocks)));
        }
        this.fc = addModule("fc", new Linear(channels, numClasses));
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor h = bn1.forwardRelu(conv1.forward(x));
        for (Sequential stage : stages) {
            h = stage.forward(h);
        }
        h = Pooling.adaptiveAvgPool2d(h, 1, 1);
        return fc.forward(Shapes.flatten(h, 1));
    }

    @Override
    protected Module freshInstance() {
        return new ResNet(inChannels, stageWidths, blocksPerStage, numClasses);
    }
}
