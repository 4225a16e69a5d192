package org.nnpan.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nnpan.data.DatasetNotFoundException;
import org.nnpan.experiment.Pruning;
import org.nnpan.io.Json;
import org.nnpan.io.TensorFiles;
import org.nnpan.nn.Module;
import org.nnpan.nn.Parameter;
import org.nnpan.pruning.Mask;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.train.Evaluation;
import org.nnpan.train.TrainConfig;
import org.nnpan.train.Trainer;
import org.nnpan.train.TrainingData;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nnpan-engine eval}: the test-set accuracy, loss and density of a trained network, from a run directory
 * ({@code run} or {@code train}) or from a weights file.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate trained weights on the test set: accuracy, mean cross-entropy, density.",
            "With --run, the run directory's model.safetensors, its masks.safetensors if any, and its config.json;",
            "with --weights, a state dict under PyTorch names for --model on --dataset.", ""},
        footer = {"", "Examples:",
            "  nnpan-engine eval --run runs/snip",
            "  nnpan-engine eval --weights model.safetensors --model lenet5 --dataset fashion-mnist"})
public final class EvalCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    private Source source;

    /** Where the weights come from: a run directory, or a file with the model and data set named. */
    static final class Source {
        @Option(names = "--run", paramLabel = "DIR", description = "A 'run' or 'train' run directory.")
        private Path run;

        @ArgGroup(exclusive = false)
        private WeightsFile file;
    }

    /** {@code --weights} with what it belongs to. */
    static final class WeightsFile {
        @Option(names = "--weights", required = true, paramLabel = "FILE", description = "A .safetensors state dict.")
        private Path weights;

        @Option(names = "--model", required = true, paramLabel = "NAME",
                completionCandidates = ModelNames.class, description = "Model: ${COMPLETION-CANDIDATES}.")
        private String model;

        @Option(names = "--dataset", required = true, paramLabel = "NAME", description = "Data set of the test images.")
        private String dataset;

        @Option(names = "--masks", paramLabel = "FILE", description = "Its masks.safetensors, if it was pruned.")
        private Path masks;
    }

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where the data set's files are (default: the run's,"
            + " else their usual place).")
    private Path dataDir;

    @Option(names = "--limit-test", paramLabel = "N", description = "Evaluate on the first N test images only.")
    private Integer limitTest;

    @Override
    public Integer call() throws IOException {
        Path weights = source.run == null ? source.file.weights : source.run.resolve(Trainer.FINAL_MODEL_FILE);
        Path masks = source.run == null ? source.file.masks : source.run.resolve(Pruning.MASKS_FILE);
        requireFile(weights, source.run == null ? "--weights" : "--run " + source.run);
        TrainConfig config = config();
        if (source.file != null && masks != null) {
            requireFile(masks, "--masks");
        }
        PrintWriter out = spec.commandLine().getOut();
        try (MemoryScope _ = MemoryScope.open("eval"); TrainingData data = open(config)) {
            Module net = config.createModel();
            net.loadStateDict(TensorFiles.load(weights), true);
            String density;
            if (masks != null && Files.isRegularFile(masks)) {
                Mask mask = Mask.load(masks, net);
                mask.install(net);
                density = String.format(Locale.ROOT, "density %.4f (mask)", mask.density());
            } else {
                density = String.format(Locale.ROOT, "density %.4f (non-zero prunable weights)", nonZeroFraction(net));
            }
            Evaluation e = Evaluation.of(net, data.test());
            out.printf(Locale.ROOT, "%s: test accuracy %.2f%%, loss %.4f, %s, %,d test images%n", weights,
                    e.accuracy(), e.loss(), density, e.samples());
        }
        return 0;
    }

    /** The run's training config, or the protocol's for the named model and data set; with this command's data. */
    private TrainConfig config() throws IOException {
        TrainConfig c;
        if (source.run != null) {
            Path file = source.run.resolve(Trainer.CONFIG_FILE);
            requireFile(file, "--run " + source.run);
            JsonNode json = Json.MAPPER.readTree(file.toFile());
            // A 'run' directory nests the training config under config.train; a 'train' directory holds it alone.
            JsonNode train = json.has("config") ? json.get("config").get("train") : json;
            c = Json.MAPPER.treeToValue(train, TrainConfig.class);
        } else {
            c = TrainConfig.defaults(source.file.model, source.file.dataset);
        }
        return new TrainConfig(c.model(), c.dataset(), dataDir == null ? c.dataDir() : dataDir.toString(),
                c.inputSize(), c.widthMultiplier(), c.init(), c.seed(), c.threads(), c.epochs(), c.batchSize(),
                c.optimizer(), c.lr(), c.momentum(), c.weightDecay(), c.nesterov(), c.schedule(), c.milestones(),
                c.gamma(), c.warmupEpochs(), c.augment(), 1, limitTest == null ? c.limitTest() : limitTest,
                c.rescaleKept());
    }

    private static void requireFile(Path file, String option) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(option + ": no " + file + (option.startsWith("--run")
                    ? "; pass the --out directory of a finished 'run' or 'train'" : ""));
        }
    }

    private static TrainingData open(TrainConfig config) throws IOException {
        try {
            return TrainingData.open(config);
        } catch (DatasetNotFoundException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Fraction of the prunable weights that are not zero. */
    private static double nonZeroFraction(Module net) {
        long n = 0;
        long nonZero = 0;
        for (Parameter p : net.prunableParameters().values()) {
            for (float w : p.value().toFloatArray()) {
                n++;
                nonZero += w != 0 ? 1 : 0;
            }
        }
        return (double) nonZero / n;
    }
}
