package org.nnpan.models;

import static org.nnpan.models.Vgg.POOL;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.nnpan.nn.Module;
import org.nnpan.nn.init.InitScheme;

/**
 * The model zoo: builds networks by name with the exact structure, parameter names and order of the PyTorch
 * reference definitions ({@code tests/reference/torch_models.py}); {@code org/nnpan/models/architectures.md} in the
 * {@code models} module describes each one.
 */
public final class ModelZoo {
    private static final int VGG_INPUT_SIZE = 32;

    private static final SequencedMap<String, Function<ModelSpec, Module>> BUILDERS = new LinkedHashMap<>();

    static {
        BUILDERS.put("lenet300", s -> {
            requireUnitWidth("lenet300", s);
            return new LeNet300(s.inputChannels() * s.inputSize() * s.inputSize(), s.numClasses());
        });
        BUILDERS.put("lenet5", s -> {
            requireUnitWidth("lenet5", s);
            return new LeNet5(s.inputChannels(), s.inputSize(), s.numClasses());
        });
        BUILDERS.put("vgg11", s -> vgg(s, 64, POOL, 128, POOL, 256, 256, POOL, 512, 512, POOL, 512, 512));
        BUILDERS.put("vgg13", s -> vgg(s, 64, 64, POOL, 128, 128, POOL, 256, 256, POOL, 512, 512, POOL, 512, 512));
        BUILDERS.put("vgg16", s -> vgg(s, 64, 64, POOL, 128, 128, POOL, 256, 256, 256, POOL, 512, 512, 512, POOL,
                512, 512, 512));
        BUILDERS.put("vgg19", s -> vgg(s, 64, 64, POOL, 128, 128, POOL, 256, 256, 256, 256, POOL, 512, 512, 512, 512,
                POOL, 512, 512, 512, 512));
        BUILDERS.put("resnet20", s -> cifarResNet(s, 20));
        BUILDERS.put("resnet32", s -> cifarResNet(s, 32));
        BUILDERS.put("resnet56", s -> cifarResNet(s, 56));
        BUILDERS.put("resnet18", s -> resNet(s, 2, 64, 128, 256, 512));
    }

    private ModelZoo() {
    }

    /** The model names, in a stable order. */
    public static List<String> names() {
        return List.copyOf(BUILDERS.keySet());
    }

    /**
     * Builds {@code name} for {@code spec} and initialises it with {@code init}, drawing from {@code rng}.
     *
     * @throws IllegalArgumentException for an unknown name (listing the valid ones) or a spec the model cannot take
     */
    public static Module create(String name, ModelSpec spec, InitScheme init, RandomGenerator rng) {
        Module model = createUninitialized(name, spec);
        init.apply(model, rng);
        return model;
    }

    /**
     * Builds {@code name} for {@code spec} with every weight and bias zero and batch norms at identity: the form to
     * load a state dict into. Train nothing from it without {@linkplain InitScheme#apply initialising} it first.
     *
     * @throws IllegalArgumentException for an unknown name (listing the valid ones) or a spec the model cannot take
     */
    public static Module createUninitialized(String name, ModelSpec spec) {
        Function<ModelSpec, Module> builder = BUILDERS.get(name);
        if (builder == null) {
            throw new IllegalArgumentException("unknown model '" + name + "'; valid names: " + String.join(", ", names()));
        }
        return builder.apply(spec);
    }

    private static void requireUnitWidth(String name, ModelSpec spec) {
        if (spec.widthMultiplier() != 1) {
            throw new IllegalArgumentException(name + " has a fixed width; widthMultiplier must be 1, got "
                    + spec.widthMultiplier());
        }
    }

    private static Module vgg(ModelSpec spec, int... config) {
        if (spec.inputSize() != VGG_INPUT_SIZE) {
            throw new IllegalArgumentException("VGG needs 32x32 inputs (four 2x2 max poolings and a 2x2 average pooling"
                    + " must leave 1x1 maps for its single linear classifier), got " + spec.inputSize() + "x"
                    + spec.inputSize());
        }
        int[] scaled = Arrays.stream(config).map(v -> v * spec.widthMultiplier()).toArray();
        return new Vgg(scaled, spec.inputChannels(), spec.numClasses());
    }

    private static Module cifarResNet(ModelSpec spec, int depth) {
        return resNet(spec, (depth - 2) / 6, 16, 32, 64);
    }

    private static Module resNet(ModelSpec spec, int blocksPerStage, int... baseWidths) {
        int[] widths = Arrays.stream(baseWidths).map(w -> w * spec.widthMultiplier()).toArray();
        return new ResNet(spec.inputChannels(), widths, blocksPerStage, spec.numClasses());
    }
}
