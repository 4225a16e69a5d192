package org.nnpan.nn;

import java.util.List;
import org.nnpan.tensor.Tensor;

/** Modules applied one after another; children are named {@code "0"}, {@code "1"}, ... as in PyTorch. */
public final class Sequential extends Module {
    private final List<Module> layers;

    /** A chain of {@code layers}; with none it is the identity (PyTorch's empty {@code nn.Sequential()}). */
    public Sequential(Module... layers) {
        this(List.of(layers));
    }

    public Sequential(List<Module> layers) {
        this.layers = List.copyOf(layers);
        for (int i = 0; i < this.layers.size(); i++) {
            addModule(Integer.toString(i), this.layers.get(i));
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = x;
        for (Module layer : layers) {
            y = layer.forward(y);
        }
        return y;
    }

    /** The layer at {@code index}. */
    public Module get(int index) {
        return layers.get(index);
    }

    /** Number of layers. */
    public int size() {
        return layers.size();
    }

    @Override
    protected Module freshInstance() {
        return new Sequential(layers.stream().map(Module::freshInstance).toList());
    }
}
