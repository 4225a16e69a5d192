package org.nnpan.nn;

import org.nnpan.ops.Shapes;
import org.nnpan.tensor.Tensor;

/** Flattens every dimension after the batch dimension: [N, ...] to [N, features]. */
public final class Flatten extends Module {
    @Override
    public Tensor forward(Tensor x) {
        return Shapes.flatten(x, 1);
    }

    @Override
    protected Module freshInstance() {
        return new Flatten();
    }
}
