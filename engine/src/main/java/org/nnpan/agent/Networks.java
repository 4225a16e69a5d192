package org.nnpan.agent;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;
import java.util.random.RandomGenerator;
import org.nnpan.nn.Linear;
import org.nnpan.nn.Module;
import org.nnpan.nn.Parameter;
import org.nnpan.nn.ReLU;
import org.nnpan.nn.Sequential;
import org.nnpan.nn.init.InitScheme;
import org.nnpan.tensor.Tensor;

/** The multilayer perceptrons of the actor and the critics. */
final class Networks {
    private Networks() {
    }

    /**
     * {@code in → hidden… → out} with ReLU between the linear layers and none after the last, initialised with
     * PyTorch's default {@code nn.Linear} initialisation from {@code rng}, or left at zero when {@code rng} is null
     * (for weights about to be loaded).
     */
    static Sequential mlp(int in, List<Integer> hidden, int out, RandomGenerator rng) {
        List<Module> layers = new ArrayList<>();
        int width = in;
        for (int h : hidden) {
            layers.add(new Linear(width, h));
            layers.add(new ReLU());
            width = h;
        }
        layers.add(new Linear(width, out));
        Sequential net = new Sequential(layers);
        if (rng != null) {
            InitScheme.PYTORCH.apply(net, rng);
        }
        return net;
    }

    /**
     * {@code mlp.forward(x)} for a network of {@link #mlp}, with each hidden layer's bias add and ReLU as one op
     * ({@link Linear#forwardRelu}): the same numbers, one pass and one activation tensor fewer per hidden layer.
     */
    static Tensor forward(Sequential mlp, Tensor x) {
        Tensor y = x;
        for (int i = 0; i < mlp.size(); i++) {
            if (mlp.get(i) instanceof Linear linear && i + 1 < mlp.size() && mlp.get(i + 1) instanceof ReLU) {
                y = linear.forwardRelu(y);
                i++;
            } else {
                y = mlp.get(i).forward(y);
            }
        }
        return y;
    }

    /** The parameters of several modules under {@code prefix + "." + name}, for one optimizer over all of them. */
    static SequencedMap<String, Parameter> parameters(List<String> prefixes, List<? extends Module> modules) {
        SequencedMap<String, Parameter> out = new LinkedHashMap<>();
        for (int i = 0; i < modules.size(); i++) {
            String prefix = prefixes.get(i);
            modules.get(i).namedParameters().forEach((name, p) -> out.put(prefix + "." + name, p));
        }
        return out;
    }
}
