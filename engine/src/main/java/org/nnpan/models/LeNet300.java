package org.nnpan.models;

import org.nnpan.nn.Linear;
import org.nnpan.nn.Module;
import org.nnpan.ops.Shapes;
import org.nnpan.tensor.Tensor;

/** LeNet-300-100: the flattened input through fully connected layers of 300 and 100 ReLU units. */
final class LeNet300 extends Module {
    private final int inFeatures;
    private final int numClasses;
    private final Linear fc1;
    private final Linear fc2;
    private final Linear fc3;

    LeNet300(int inFeatures, int numClasses) {
        this.inFeatures = inFeatures;
        this.numClasses = numClasses;
        this.fc1 = addModule("fc1", new Linear(inFeatures, 300));
        this.fc2 = addModule("fc2", new Linear(300, 100));
        this.fc3 = addModule("fc3", new Linear(100, numClasses));
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor h = fc1.forward(Shapes.flatten(x, 1)).relu();
        h = fc2.forward(h).relu();
        return fc3.forward(h);
    }

    @Override
    protected Module freshInstance() {
        return new LeNet300(inFeatures, numClasses);
    }
}
