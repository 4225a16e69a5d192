package org.nnpan.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import org.nnpan.data.DatasetInfo;
import org.nnpan.data.Datasets;
import org.nnpan.io.Json;
import org.nnpan.kernels.parallel.Parallel;
import org.nnpan.models.ModelSpec;
import org.nnpan.models.ModelZoo;
import org.nnpan.nn.Module;
import org.nnpan.nn.init.InitScheme;
import org.nnpan.optim.LrSchedule;
import org.nnpan.optim.Optimizer;
import org.nnpan.optim.Optimizers;

/**
 * Everything that decides a training run, fully resolved: written to {@code config.json} in the run directory and
 * into every checkpoint, and the recipe for the run's model, optimizer and schedule. Start from
 * {@link #defaults(String, String)} (the reference protocol) and change what differs.
 *
 * @param model           model zoo name
 * @param dataset         data set registry name
 * @param dataDir         where the data set's files are, or null for its default location
 * @param inputSize       height = width of the model's input; larger than the images means they are padded
 * @param widthMultiplier factor on the model's hidden widths
 * @param init            initialisation scheme, {@code reference} or {@code pytorch}
 * @param seed            seed of the model's initialisation and of the training loader
 * @param threads         intra-op threads (results are bit-for-bit reproducible for a fixed count)
 * @param epochs          epochs to train
 * @param batchSize       training and evaluation batch size
 * @param optimizer       {@code sgd}, {@code adam} or {@code adamw}
 * @param lr              base learning rate
 * @param momentum        SGD momentum; 0 for the Adam family, whose β₁ plays that part
 * @param weightDecay     L2 penalty (decoupled for AdamW)
 * @param nesterov        Nesterov momentum (SGD only)
 * @param schedule        {@code cosine}, {@code multistep} or {@code constant}
 * @param milestones      epochs where {@code multistep} multiplies the rate by {@code gamma}; empty for the default
 * @param gamma           {@code multistep}'s factor
 * @param warmupEpochs    epochs of linear warm-up, 0 for none
 * @param augment         random crop (padding 4) and horizontal flip of training images
 * @param limitTrain      train on the first this many training images; 0 for all
 * @param limitTest       evaluate on the first this many test images; 0 for all
 * @param rescaleKept     how a pruned network's kept weights are rescaled before training
 *                        ({@link KeptWeightRescale}); {@code none} (also for a config written before this field)
 *                        trains them as pruned
 */
public record TrainConfig(String model, String dataset, String dataDir, int inputSize, int widthMultiplier,
                          String init, long seed, int threads, int epochs, int batchSize, String optimizer, double lr,
                          double momentum, double weightDecay, boolean nesterov, String schedule,
                          List<Integer> milestones, double gamma, int warmupEpochs, boolean augment, int limitTrain,
                          int limitTest, String rescaleKept) {

    /** The initialisation scheme names. */
    public static final List<String> INIT_NAMES = List.of("reference", "pytorch");

    /** Side of the input that VGG and the ResNets are built for; smaller images are padded to it. */
    private static final int CIFAR_SIZE = 32;

    /**
     * @throws IllegalArgumentException naming the first invalid value (unknown names list the valid ones)
     */
    public TrainConfig {
        requireName("model", model, ModelZoo.names());
        Datasets.info(dataset);
        requireName("init", init, INIT_NAMES);
        milestones = List.copyOf(milestones);
        rescaleKept = rescaleKept == null ? KeptWeightRescale.NONE.cliName() : rescaleKept;
        KeptWeightRescale.parse(rescaleKept);
        requireAtLeast("input size", inputSize, 1);
        requireAtLeast("width multiplier", widthMultiplier, 1);
        requireAtLeast("threads", threads, 1);
        requireAtLeast("epochs", epochs, 1);
        requireAtLeast("batch size", batchSize, 1);
        requireAtLeast("warm-up epochs", warmupEpochs, 0);
        requireAtLeast("train limit", limitTrain, 0);
        requireAtLeast("test limit", limitTest, 0);
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be finite and > 0, got " + lr);
        }
        // Fail on the optimizer's and the schedule's own rules now, not after the data has been loaded.
        Optimizers.create(optimizer, new LinkedHashMap<>(), lr, momentum, weightDecay, nesterov);
        LrSchedule.create(schedule, lr, epochs, milestones, gamma, warmupEpochs);
        if (!optimizer.equals("sgd") && (momentum != 0 || nesterov)) {
            throw new IllegalArgumentException("momentum and Nesterov apply to sgd only; " + optimizer
                    + " uses beta1 = 0.9 instead");
        }
    }

    private static void requireName(String what, String value, List<String> valid) {
        if (!valid.contains(value)) {
            throw new IllegalArgumentException("unknown " + what + " '" + value + "'; valid names: "
                    + String.join(", ", valid));
        }
    }

    private static void requireAtLeast(String what, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(what + " must be >= " + min + ", got " + value);
        }
    }

    /**
     * The reference protocol (method document §6) for {@code model} on {@code dataset}: SGD with momentum 0.9,
     * learning rate 0.1 annealed to 0 by a cosine, reference initialisation, seed 0, all processors. MNIST-like
     * data (28×28 grey images): 80 epochs, batch 256, weight decay 1e-4, no augmentation. Otherwise 180 epochs,
     * batch 128, weight decay 5e-4, with crop-and-flip augmentation on CIFAR. VGG and the ResNets get their images
     * padded to 32×32. The thread count is the intra-op pool's current size.
     *
     * @throws IllegalArgumentException for an unknown model or data set
     */
    public static TrainConfig defaults(String model, String dataset) {
        DatasetInfo info = Datasets.info(dataset);
        boolean mnistLike = info.channels() == 1 && info.height() == 28 && info.width() == 28;
        boolean cifar = info.name().startsWith("cifar");
        String family = model.toLowerCase(Locale.ROOT);
        boolean needsCifarSize = family.startsWith("vgg") || family.startsWith("resnet");
        int inputSize = needsCifarSize ? Math.max(CIFAR_SIZE, info.height()) : info.height();
        return new TrainConfig(model, info.name(), null, inputSize, 1, "reference", 0,
                Parallel.get().threads(), mnistLike ? 80 : 180, mnistLike ? 256 : 128, "sgd", 0.1,
                0.9, mnistLike ? 1e-4 : 5e-4, false, "cosine", List.of(), 0.1, 0, cifar, 0, 0,
                KeptWeightRescale.NONE.cliName());
    }

    /**
     * Reads a config written by the {@link Trainer} ({@value Trainer#CONFIG_FILE}).
     *
     * @throws IllegalArgumentException if it holds an invalid value
     */
    public static TrainConfig read(Path file) throws IOException {
        try {
            return Json.MAPPER.readValue(file.toFile(), TrainConfig.class);
        } catch (ValueInstantiationException e) {
            throw new IllegalArgumentException(file + ": " + e.getCause().getMessage(), e);
        }
    }

    /**
     * The fields (by their JSON names) whose values differ from {@code other}'s, as {@code "name: this (other)"},
     * leaving out {@code ignored}.
     */
    public List<String> differencesFrom(TrainConfig other, Set<String> ignored) {
        JsonNode mine = Json.MAPPER.valueToTree(this);
        JsonNode theirs = Json.MAPPER.valueToTree(other);
        List<String> out = new ArrayList<>();
        mine.properties().forEach(e -> {
            if (!ignored.contains(e.getKey()) && !e.getValue().equals(theirs.get(e.getKey()))) {
                out.add(e.getKey() + ": " + e.getValue() + " (" + theirs.get(e.getKey()) + ")");
            }
        });
        return out;
    }

    /** This configuration with another {@link #seed}. */
    public TrainConfig withSeed(long newSeed) {
        return new TrainConfig(model, dataset, dataDir, inputSize, widthMultiplier, init, newSeed, threads, epochs,
                batchSize, optimizer, lr, momentum, weightDecay, nesterov, schedule, milestones, gamma, warmupEpochs,
                augment, limitTrain, limitTest, rescaleKept);
    }

    /** This configuration with another training budget: {@link #epochs} and {@link #limitTrain} (0 for all). */
    public TrainConfig withBudget(int newEpochs, int newLimitTrain) {
        return new TrainConfig(model, dataset, dataDir, inputSize, widthMultiplier, init, seed, threads, newEpochs,
                batchSize, optimizer, lr, momentum, weightDecay, nesterov, schedule, milestones, gamma, warmupEpochs,
                augment, newLimitTrain, limitTest, rescaleKept);
    }

    /** The seed of the training loader, from its own stream split off {@link #seed}. */
    public long loaderSeed() {
        return stream(1).nextLong();
    }

    /** Independent generator number {@code index} derived from {@link #seed}: 0 initialises the model, 1 the loader. */
    private SplittableRandom stream(int index) {
        SplittableRandom root = new SplittableRandom(seed);
        for (int i = 0; i < index; i++) {
            root.split();
        }
        return root.split();
    }

    /** The model, initialised from its own stream split off {@link #seed}. */
    public Module createModel() {
        DatasetInfo info = Datasets.info(dataset);
        ModelSpec spec = new ModelSpec(info.numClasses(), info.channels(), inputSize, widthMultiplier);
        return ModelZoo.create(model, spec, InitScheme.valueOf(init.toUpperCase(Locale.ROOT)),
                stream(0));
    }

    /** The optimizer over {@code model}'s parameters. */
    public Optimizer createOptimizer(Module model) {
        return Optimizers.create(optimizer, model.namedParameters(), lr, momentum, weightDecay, nesterov);
    }

    /** The rescale of the kept weights before training. */
    public KeptWeightRescale keptWeightRescale() {
        return KeptWeightRescale.parse(rescaleKept);
    }

    /** The learning-rate schedule. */
    public LrSchedule createSchedule() {
        return LrSchedule.create(schedule, lr, epochs, milestones, gamma, warmupEpochs);
    }
}
