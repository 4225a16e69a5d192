package org.nnpan.nn.init;

import static org.nnpan.nn.init.Initializers.FanMode.FAN_IN;
import static org.nnpan.nn.init.Initializers.FanMode.FAN_OUT;

import java.util.random.RandomGenerator;
import org.nnpan.nn.BatchNorm;
import org.nnpan.nn.Conv2d;
import org.nnpan.nn.Linear;
import org.nnpan.nn.Module;
import org.nnpan.nn.Parameter;
import org.nnpan.tensor.Tensor;

/**
 * Whole-model initialisations. {@link #apply} visits the modules in {@code state_dict} order and draws every
 * layer's values from one generator, so a seed reproduces the whole model. BatchNorm layers get γ = 1, β = 0 and
 * fresh running statistics under both schemes.
 */
public enum InitScheme {
    /**
     * The reference training protocol (method document §6): convolution weights Kaiming-normal (fan-out, ReLU
     * gain), linear weights N(0, 0.01²), biases 0.
     */
    REFERENCE,
    /**
     * PyTorch's own layer defaults: convolution and linear weights {@code kaiming_uniform(a = √5)}, i.e.
     * U(−1/√fanIn, 1/√fanIn), and biases U(−1/√fanIn, 1/√fanIn).
     */
    PYTORCH;

    /** Re-initialises every convolution, linear and batch-norm layer of {@code model} in place. */
    public void apply(Module model, RandomGenerator rng) {
        for (Module m : model.namedModules().values()) {
            switch (m) {
                case Conv2d c -> initLayer(c.weight(), c.bias(), true, rng);
                case Linear l -> initLayer(l.weight(), l.bias(), false, rng);
                case BatchNorm b -> {
                    b.resetParameters();
                    b.resetRunningStats();
                }
                default -> {
                }
            }
        }
    }

    private void initLayer(Parameter weight, Parameter bias, boolean convolution, RandomGenerator rng) {
        Tensor w = weight.value();
        switch (this) {
            case REFERENCE -> {
                if (convolution) {
                    Initializers.kaimingNormal(w, FAN_OUT, Initializers.RELU_GAIN, rng);
                } else {
                    Initializers.normal(w, 0, 0.01, rng);
                }
                if (bias != null) {
                    Initializers.constant(bias.value(), 0);
                }
            }
            case PYTORCH -> {
                Initializers.kaimingUniform(w, FAN_IN, Initializers.leakyReluGain(Math.sqrt(5)), rng);
                if (bias != null) {
                    double bound = 1 / Math.sqrt(Initializers.fanIn(w));
                    Initializers.uniform(bias.value(), -bound, bound, rng);
                }
            }
        }
    }
}
