package org.nnpan.nn;

import org.nnpan.tensor.Tensor;

/** {@code max(x, 0)} elementwise. */
public final class ReLU extends Module {
    @Override
    public Tensor forward(Tensor x) {
        return x.relu();
    }

    @Override
    protected Module freshInstance() {
        return new ReLU();
    }
}
