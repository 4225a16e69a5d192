package org.nnpan.train;

import java.util.Arrays;
import java.util.List;
import org.nnpan.nn.Module;
import org.nnpan.nn.Parameter;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * An opt-in change to a pruned network's initial weights before training, chosen by {@code --rescale-kept}.
 *
 * <p>Pruning 99 %+ of the weights at initialisation leaves each unit a small part of its inputs, so every layer
 * shrinks the signal and a connected mask can sit on a plateau at chance for epochs (docs/results/stuck-at-chance.md).
 * {@link #FAN_IN} gives each unit back the pre-activation variance its dense layer was initialised for; {@link #NONE},
 * the default, trains θ₀⊙m as pruned, as the paper's protocol does.
 */
public enum KeptWeightRescale {
    /** Leave the weights as pruned. */
    NONE("none"),
    /**
     * Multiply every unit's kept incoming weights by √(fan-in / kept fan-in), where a unit is an output row of a
     * masked weight (a neuron of a linear layer, an output channel of a convolution) and its fan-in is the row's
     * size. Pruned weights stay exactly zero; units that keep no input, and biases, are left alone.
     */
    FAN_IN("fan-in");

    /** The names, as {@code --rescale-kept} takes them. */
    public static final List<String> NAMES = Arrays.stream(values()).map(KeptWeightRescale::cliName).toList();

    private final String cliName;

    KeptWeightRescale(String cliName) {
        this.cliName = cliName;
    }

    /** The name on the command line and in config files. */
    public String cliName() {
        return cliName;
    }

    /**
     * The rescale called {@code name}.
     *
     * @throws IllegalArgumentException for an unknown name, listing the valid ones
     */
    public static KeptWeightRescale parse(String name) {
        for (KeptWeightRescale r : values()) {
            if (r.cliName.equals(name)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown rescale-kept '" + name + "'; valid: " + String.join(", ", NAMES));
    }

    /**
     * Rescales the masked parameters of {@code model} in place (masks installed, pruned weights zero); parameters
     * without a mask are not touched.
     */
    public void apply(Module model) {
        if (this == NONE) {
            return;
        }
        try (MemoryScope _ = MemoryScope.open("rescale-kept")) {
            for (Parameter p : model.parameters()) {
                if (p.isMasked()) {
                    p.assignInPlace(Tensor.of(fanInRescaled(p.value().toDoubleArray(), p.mask().toDoubleArray(),
                            p.shape()[0]), p.shape()));
                }
            }
        }
    }

    /**
     * {@code weights} (rows of {@code units} units) with every row's kept entries scaled to the full fan-in and its
     * pruned entries zero.
     */
    static double[] fanInRescaled(double[] weights, double[] mask, int units) {
        double[] out = weights.clone();
        int fanIn = weights.length / units;
        for (int u = 0; u < units; u++) {
            int kept = 0;
            for (int i = u * fanIn; i < (u + 1) * fanIn; i++) {
                kept += mask[i] != 0 ? 1 : 0;
            }
            double factor = kept == 0 ? 1 : Math.sqrt((double) fanIn / kept);
            for (int i = u * fanIn; i < (u + 1) * fanIn; i++) {
                out[i] = mask[i] != 0 ? weights[i] * factor : 0;
            }
        }
        return out;
    }
}
