package org.nnpan.models;

import org.nnpan.nn.Conv2d;
import org.nnpan.nn.Linear;
import org.nnpan.nn.Module;
import org.nnpan.ops.Pooling;
import org.nnpan.ops.Shapes;
import org.nnpan.tensor.Tensor;

/**
 * LeNet-5-Caffe (20-50-500): two unpadded 5×5 convolutions, each followed by ReLU and 2×2 max pooling, then fully
 * connected layers of 500 ReLU units and the classifier. On 28×28 input the second pooling leaves 50×4×4 = 800
 * features.
 */
final class LeNet5 extends Module {
    private final int inChannels;
    private final int inputSize;
    private final int numClasses;
    private final Conv2d conv1;
    private final Conv2d conv2;
    private final Linear fc3;
    private final Linear fc4;

    LeNet5(int inChannels, int inputSize, int numClasses) {
        int side = featureSide(inputSize);
        if (side < 1) {
            throw new IllegalArgumentException("lenet5 needs inputs of at least 16x16 (two 5x5 convolutions and two 2x2"
                    + " poolings), got " + inputSize + "x" + inputSize);
        }
        this.inChannels = inChannels;
        this.inputSize = inputSize;
        this.numClasses = numClasses;
        this.conv1 = addModule("conv1", new Conv2d(inChannels, 20, 5, 1, 0, true));
        this.conv2 = addModule("conv2", new Conv2d(20, 50, 5, 1, 0, true));
        this.fc3 = addModule("fc3", new Linear(50 * side * side, 500));
        this.fc4 = addModule("fc4", new Linear(500, numClasses));
    }

    /** Height = width of the maps after the second pooling. */
    private static int featureSide(int inputSize) {
        int afterFirst = (inputSize - 4) / 2;
        return afterFirst < 6 ? 0 : (afterFirst - 4) / 2;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor h = Pooling.maxPool2d(conv1.forward(x).relu(), 2, 2, 0);
        h = Pooling.maxPool2d(conv2.forward(h).relu(), 2, 2, 0);
        h = fc3.forward(Shapes.flatten(h, 1)).relu();
        return fc4.forward(h);
    }

    @Override
    protected Module freshInstance() {
        return new LeNet5(inChannels, inputSize, numClasses);
    }
}
