package org.nnpan.cli;

import java.nio.file.Path;
import java.util.Iterator;
import org.nnpan.experiment.PruneSettings;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options of {@code prune} that {@code run} shares: what to prune and how, as {@link PruneSettings} (the
 * options every method takes are in {@link CommonPruneOptions}).
 */
final class PruneOptions {
    @Mixin
    private CommonPruneOptions common;

    @Option(names = "--method", required = true, paramLabel = "NAME", completionCandidates = MethodNames.class,
            description = "Method: ${COMPLETION-CANDIDATES} (dense: no pruning, for 'run').")
    private String method;

    @Option(names = "--sparsity", paramLabel = "P",
            description = "Fraction of prunable weights to remove, in [0, 1): 0.98 keeps 2 %%. Required except"
                    + " with --method dense.")
    private Double sparsity;

    @Option(names = "--iterations", paramLabel = "N",
            description = "Pruning steps (default: 100 for synflow, iter-snip, force and panning, 1 otherwise).")
    private Integer iterations;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
            description = "The one seed: initialisation, scoring batches, random scores, shuffle, agent and (run)"
                    + " training data order (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--save-scores", description = "Also write scores.safetensors and scoring-batch.safetensors.")
    private boolean saveScores;

    @Option(names = "--agent-steps", paramLabel = "N",
            description = "rl-panning: environment steps to train the agent for, without --policy (default: 50000).")
    private Long agentSteps;

    @Option(names = "--policy", paramLabel = "FILE",
            description = "rl-panning: roll out this trained policy (.safetensors with its .json) instead of training.")
    private Path policy;

    /**
     * The validated settings.
     *
     * @throws IllegalArgumentException naming the first bad option
     */
    PruneSettings settings() {
        if (sparsity == null && !PruneSettings.DENSE.equals(method)) {
            throw new IllegalArgumentException("--sparsity is required with --method " + method);
        }
        if (agentSteps != null && agentSteps < 1) {
            throw new IllegalArgumentException("--agent-steps must be at least 1, got " + agentSteps);
        }
        if (iterations != null && iterations < 1) {
            throw new IllegalArgumentException("--iterations must be at least 1, got " + iterations);
        }
        return common.settings(method, sparsity == null ? 0 : sparsity, iterations == null ? 0 : iterations, seed,
                saveScores, agentSteps == null ? 0 : agentSteps, policy);
    }

    /** Completion candidates and help text for --method. */
    static final class MethodNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return PruneSettings.methods().iterator();
        }
    }
}
