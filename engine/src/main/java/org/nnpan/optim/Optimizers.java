package org.nnpan.optim;

import java.util.List;
import java.util.Locale;
import java.util.SequencedMap;
import org.nnpan.nn.Parameter;

/** Creates optimizers by their CLI name. */
public final class Optimizers {
    /** The valid names, in the order help texts list them. */
    public static final List<String> NAMES = List.of("sgd", "adam", "adamw");

    private Optimizers() {
    }

    /**
     * The optimizer {@code name} (case-insensitive) over {@code parameters}. {@code momentum} and {@code nesterov}
     * configure SGD only; Adam and AdamW use PyTorch's default betas and ε.
     *
     * @throws IllegalArgumentException for an unknown name (listing the valid ones) or invalid hyperparameters
     */
    public static Optimizer create(String name, SequencedMap<String, Parameter> parameters, double lr,
                                   double momentum, double weightDecay, boolean nesterov) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "sgd" -> new Sgd(parameters, lr, momentum, weightDecay, nesterov);
            case "adam" -> Adam.adam(parameters, lr, weightDecay);
            case "adamw" -> Adam.adamW(parameters, lr, weightDecay);
            default -> throw new IllegalArgumentException("unknown optimizer '" + name + "'; valid names: "
                    + String.join(", ", NAMES));
        };
    }
}
