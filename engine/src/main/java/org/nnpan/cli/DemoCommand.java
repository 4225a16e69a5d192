package org.nnpan.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.nnpan.data.Datasets;
import org.nnpan.experiment.PruneSettings;
import org.nnpan.experiment.RunConfig;
import org.nnpan.experiment.Sweep;
import org.nnpan.train.TrainConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nnpan-engine demo}: a small preset of {@code compare}: LeNet-5 on Fashion-MNIST pruned to 98 % with SNIP,
 * SynFlow and Panning, each trained briefly.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"A few minutes end to end: prune LeNet-5 on Fashion-MNIST to 98 %% with SNIP, SynFlow and"
                + " Panning, train each briefly, print the results table and plot accuracy against density.",
            "The same sweep as 'compare --model lenet5 --dataset fashion-mnist --methods snip,synflow,panning"
                    + " --sparsities 0.98 --seeds 1 --epochs 2 --limit-train 20000'; run it again to skip what is"
                    + " finished.", ""},
        footer = {"", "Examples:", "  nnpan-engine demo",
            "  nnpan-engine demo --out runs/demo --epochs 5 --limit-train 0"})
public final class DemoCommand implements Callable<Integer> {
    /** The demo's methods, sparsity and seed. */
    static final List<String> METHODS = List.of("snip", "synflow", PruneSettings.PANNING);
    static final double SPARSITY = 0.98;
    static final long SEED = 1;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--out", defaultValue = "runs/demo", paramLabel = "DIR",
            description = "Sweep directory (default: ${DEFAULT-VALUE}).")
    private Path out;

    @Option(names = "--epochs", defaultValue = "2", paramLabel = "N",
            description = "Epochs to train each network (default: ${DEFAULT-VALUE}).")
    private int epochs;

    @Option(names = "--limit-train", defaultValue = "20000", paramLabel = "N",
            description = "Train on the first N training images, 0 for all 60,000 (default: ${DEFAULT-VALUE}).")
    private int limitTrain;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Folder of Fashion-MNIST's files (default: " + Datasets.FASHION_MNIST_DIR + ").")
    private Path dataDir;

    @Override
    public Integer call() throws IOException {
        PruneSettings prune = new PruneSettings("lenet5", "fashion-mnist", dataDir == null ? null : dataDir.toString(),
                "reference", SEED, METHODS.getFirst(), SPARSITY, 0, "exp", "global", false, 10, false, 0, null, null);
        TrainConfig train = RunConfig.withDefaultTraining(prune).train().withBudget(epochs, limitTrain);
        Sweep.Grid grid = new Sweep.Grid(new RunConfig(prune, train), METHODS, List.of(SPARSITY), List.of(SEED));
        return CompareCommand.runSweep(spec, grid, out);
    }
}
