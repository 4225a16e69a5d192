package org.nnpan.cli;

import java.nio.file.Path;
import org.nnpan.experiment.PruneSettings;
import picocli.CommandLine.Option;

/**
 * The pruning options that apply to every method, shared by {@code prune}, {@code run} and {@code compare}: the
 * network, the scoring data and how masks are chosen.
 */
final class CommonPruneOptions {
    @Option(names = "--model", required = true, paramLabel = "NAME", completionCandidates = ModelNames.class,
            description = "Model: ${COMPLETION-CANDIDATES}.")
    private String model;

    @Option(names = "--dataset", defaultValue = "fashion-mnist", paramLabel = "NAME",
            description = "Data set of the scoring batches and the model's input shape (default: ${DEFAULT-VALUE}).")
    private String dataset;

    @Option(names = "--prune-schedule", defaultValue = "exp", paramLabel = "NAME",
            description = "Density schedule over the pruning steps: exp or linear (default: ${DEFAULT-VALUE}).")
    private String schedule;

    @Option(names = "--scope", defaultValue = "global", paramLabel = "NAME",
            description = "Mask selection: global (one pool over all layers) or layer (per-layer quotas)"
                    + " (default: ${DEFAULT-VALUE}).")
    private String scope;

    @Option(names = "--shuffle",
            description = "Shuffle the final mask within each layer (the per-layer-density sanity check).")
    private boolean shuffle;

    @Option(names = "--samples-per-class", defaultValue = "10", paramLabel = "N",
            description = "Examples per class in a scoring batch (default: ${DEFAULT-VALUE}).")
    private int samplesPerClass;

    @Option(names = "--init", defaultValue = "reference", paramLabel = "SCHEME",
            description = "Initialisation: reference (Kaiming-normal conv, N(0, 0.01) linear) or pytorch"
                    + " (default: ${DEFAULT-VALUE}).")
    private String init;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Folder of the data set's files (default: its usual place).")
    private Path dataDir;

    /**
     * The validated settings for these options and the method-specific values given.
     *
     * @param iterations pruning steps, 0 for the method's default
     * @param agentSteps rl-panning's agent training steps, 0 for the default (or not rl-panning)
     * @param policy     rl-panning's trained policy file, or null
     * @throws IllegalArgumentException naming the first bad value
     */
    PruneSettings settings(String method, double sparsity, int iterations, long seed, boolean saveScores,
                           long agentSteps, Path policy) {
        return new PruneSettings(model, dataset, dataDir == null ? null : dataDir.toString(), init, seed, method,
                sparsity, iterations, schedule, scope, shuffle, samplesPerClass, saveScores, agentSteps,
                policy == null ? null : policy.toString());
    }
}
