package org.nnpan.cli;

import java.util.Iterator;
import org.nnpan.experiment.MethodSpec;
import org.nnpan.experiment.PruneSettings;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options of {@code prune} that {@code run} shares: one method at one sparsity with one seed, as
 * {@link PruneSettings}, with the options {@code compare} shares too ({@link CommonPruneOptions}).
 */
final class PruneOptions {
    @Mixin
    private CommonPruneOptions common;

    @Option(names = "--method", required = true, paramLabel = "NAME", completionCandidates = MethodNames.class,
            description = "Method: ${COMPLETION-CANDIDATES} (dense: no pruning, for 'run'); append +shuffle to"
                    + " shuffle its mask within each layer, e.g. panning+shuffle.")
    private String method;

    @Option(names = "--sparsity", paramLabel = "P",
            description = "Fraction of prunable weights to remove, in [0, 1): 0.98 keeps 2 %%. Required except"
                    + " with --method dense.")
    private Double sparsity;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
            description = "The one seed: initialisation, scoring batches, random scores, shuffle, agent and (run)"
                    + " training data order (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--shuffle",
            description = "Shuffle the final mask within each layer (the per-layer-density sanity check); the same as"
                    + " a method name ending in +shuffle.")
    private boolean shuffle;

    /** Sets the density schedule as {@code --prune-schedule} does. */
    void schedule(String name) {
        common.schedule(name);
    }

    /**
     * The validated settings.
     *
     * @throws IllegalArgumentException naming the first bad option
     */
    PruneSettings settings() {
        if (sparsity == null && !PruneSettings.DENSE.equals(MethodSpec.parse(method).method())) {
            throw new IllegalArgumentException("--sparsity is required with --method " + method);
        }
        return common.settings(method, sparsity == null ? 0 : sparsity, seed, shuffle);
    }

    /** Completion candidates and help text for --method. */
    static final class MethodNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return PruneSettings.methods().iterator();
        }
    }
}
