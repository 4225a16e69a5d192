package org.nnpan.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.nnpan.experiment.Experiment;
import org.nnpan.experiment.PruneSettings;
import org.nnpan.experiment.RunConfig;
import org.nnpan.experiment.RunResult;
import org.nnpan.train.ProgressBar;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nnpan-engine run}: prune, then train the sparse network from the same initial weights ({@link Experiment});
 * re-running it skips a finished run and resumes an interrupted one.
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prune a freshly initialised network, then train it (--method dense: train without pruning).",
            "Writes into --out: config.json (settings and provenance), init.safetensors, masks.safetensors,",
            "report.json/.md, prune.json, metrics.jsonl, checkpoint/, model.safetensors and result.json.",
            "Run it again with the same settings to resume an interrupted run; a finished one is skipped.",
            "Training options left out follow the reference protocol (see 'train --help').", ""},
        footer = {"", "Example:",
            "  nnpan-engine run --model lenet5 --dataset fashion-mnist --method snip --sparsity 0.98 --epochs 10"
                    + " --out runs/snip"})
public final class RunCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Mixin
    private PruneOptions prune;

    @Mixin
    private TrainOptions recipe;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run directory (created if missing).")
    private Path out;

    @Mixin
    private ConfigFileOption configFile;

    @Override
    public Integer call() throws IOException {
        PruneSettings settings = prune.settings();
        RunConfig config = new RunConfig(settings, recipe.over(RunConfig.withDefaultTraining(settings).train()));
        PrintWriter log = spec.commandLine().getOut();
        RunResult result = new Experiment(RlPanning::prune, log, ProgressBar.onStandardError()).run(config, out);
        if (!result.skipped()) {
            log.println("wrote " + out.toAbsolutePath());
        }
        return 0;
    }
}
