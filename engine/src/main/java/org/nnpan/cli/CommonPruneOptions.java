package org.nnpan.cli;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.nnpan.experiment.MethodOptions;
import org.nnpan.experiment.MethodSpec;
import org.nnpan.experiment.PruneSettings;
import picocli.CommandLine.Option;

/**
 * The pruning options shared by {@code prune}, {@code run} and {@code compare}: the network, the scoring data, how
 * masks are chosen, and the method-specific settings (which a sweep applies to the methods they concern). What one
 * run prunes, and with which seed, is in {@link PruneOptions}; a sweep's grid is in {@link CompareCommand}.
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

    @Option(names = "--keep-dense", split = ",", paramLabel = "NAME",
            description = "Prunable weights to keep whole, left out of the selection, by parameter name (e.g."
                    + " classifier.weight; the report lists them); --sparsity then applies to the other prunable"
                    + " weights. Not with rl-panning.")
    private List<String> keepDense;

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

    @Option(names = "--save-scores", description = "Also write scores.safetensors and scoring-batch.safetensors.")
    private boolean saveScores;

    @Option(names = "--iterations", paramLabel = "N",
            description = "Pruning steps (default: 100 for synflow, iter-snip, force and the panning variants, 1"
                    + " otherwise). In a sweep it applies to those iterative methods only.")
    private Integer iterations;

    @Option(names = "--fusion", paramLabel = "NAME", completionCandidates = FusionNames.class,
            description = "panning: how the normalised indices are combined: ${COMPLETION-CANDIDATES}"
                    + " (default: additive).")
    private String fusion;

    @Option(names = "--agent-steps", paramLabel = "N",
            description = "rl-panning: environment steps to train the agent for, without --policy (default: 50000).")
    private Long agentSteps;

    @Option(names = "--policy", paramLabel = "FILE",
            description = "rl-panning: roll out this trained policy (.safetensors with its .json) instead of training.")
    private Path policy;

    /**
     * The validated settings of one pruning run: these options with {@code method} (a {@link MethodSpec} token:
     * {@code +shuffle} shuffles the mask, as {@code shuffle} does) at {@code sparsity} with {@code seed}. A
     * method-specific option given for another method is an error.
     *
     * @throws IllegalArgumentException naming the first bad value
     */
    PruneSettings settings(String method, double sparsity, long seed, boolean shuffle) {
        MethodOptions o = methodOptions();
        MethodSpec spec = MethodSpec.parse(method);
        return build(spec.method(), sparsity, seed, spec.shuffle() || shuffle, o.iterations(), o.agentSteps(),
                o.policy(), o.fusion());
    }

    /** Sets the density schedule as {@code --prune-schedule} does (for {@code prune}'s {@code --schedule}). */
    void schedule(String name) {
        schedule = name;
    }

    /**
     * The settings a sweep's cells share, for {@code method} at {@code sparsity} with {@code seed} and every
     * method-specific setting at its default: {@link PruneSettings#forCell} fills in each cell's.
     *
     * @throws IllegalArgumentException naming the first bad value
     */
    PruneSettings sweepBase(String method, double sparsity, long seed) {
        return build(MethodSpec.parse(method).method(), sparsity, seed, false, 0, 0, null, null);
    }

    /**
     * The method-specific options, each to be applied to the methods it concerns.
     *
     * @throws IllegalArgumentException naming the first bad option
     */
    MethodOptions methodOptions() {
        if (agentSteps != null && agentSteps < 1) {
            throw new IllegalArgumentException("--agent-steps must be at least 1, got " + agentSteps);
        }
        if (iterations != null && iterations < 1) {
            throw new IllegalArgumentException("--iterations must be at least 1, got " + iterations);
        }
        return new MethodOptions(iterations == null ? 0 : iterations, agentSteps == null ? 0 : agentSteps,
                policy == null ? null : policy.toString(), fusion == null ? null : fusion.toLowerCase(Locale.ROOT));
    }

    private PruneSettings build(String method, double sparsity, long seed, boolean shuffle, int iterations,
                                long agentSteps, String policy, String fusion) {
        return new PruneSettings(model, dataset, dataDir == null ? null : dataDir.toString(), init, seed, method,
                sparsity, iterations, schedule, scope, shuffle, samplesPerClass, saveScores, agentSteps, policy,
                fusion, keepDense);
    }

    /** Completion candidates and help text for --fusion. */
    static final class FusionNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return PruneSettings.fusionNames().iterator();
        }
    }
}
