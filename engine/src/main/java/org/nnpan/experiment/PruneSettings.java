package org.nnpan.experiment;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import org.nnpan.data.Datasets;
import org.nnpan.models.ModelZoo;
import org.nnpan.pruning.Density;
import org.nnpan.pruning.IndexFusion;
import org.nnpan.pruning.MaskSelection;
import org.nnpan.pruning.Panning;
import org.nnpan.pruning.Pruner;
import org.nnpan.pruning.PruningMethod;
import org.nnpan.pruning.Schedule;
import org.nnpan.train.TrainConfig;

/**
 * Everything that decides a pruning run, validated and resolved (defaults filled in), as written to a run's
 * {@code config.json}. The names are the {@code prune} command's long options.
 *
 * @param model           model zoo name
 * @param dataset         data set of the scoring batches and of the model's input shape
 * @param dataDir         where the data set's files are, or null for their usual place
 * @param init            initialisation scheme, {@code reference} or {@code pytorch}
 * @param seed            seed of the initialisation, scoring batches, random scores, shuffle and agent
 * @param method          a baseline ({@link PruningMethod}), {@value #PANNING}, {@value #RL_PANNING}, or
 *                        {@value #DENSE} (prune nothing: the dense baseline of a run); without the
 *                        {@value MethodSpec#SHUFFLE} suffix, which is {@link #shuffle}
 * @param sparsity        fraction of prunable weights to remove, in [0, 1); 0 for {@value #DENSE}
 * @param iterations      pruning steps; 0 picks the method's default (100 for the iterative ones, else 1)
 * @param schedule        density schedule over the steps, {@code exp} or {@code linear}
 * @param scope           mask selection, {@code global} or {@code layer}
 * @param shuffle         shuffle the final mask within each layer (the per-layer-density sanity check)
 * @param samplesPerClass examples per class in each scoring batch
 * @param saveScores      also write the last step's raw scores and the scoring batch
 * @param agentSteps      {@value #RL_PANNING}: environment steps to train the agent for; 0 picks
 *                        {@value #DEFAULT_AGENT_STEPS}; must be 0 for other methods
 * @param policy          {@value #RL_PANNING}: a trained policy file to roll out instead of training, or null
 * @param fusion          {@value #PANNING}: how the indices are combined, {@code additive} (the default) or
 *                        {@code multiplicative} ({@link IndexFusion}); null for other methods
 * @param keepDense       prunable weights (parameter names, e.g. {@code classifier.weight}) kept whole and left out of
 *                        the selection: {@code sparsity} applies to the other prunable weights; empty for none
 *                        (a {@value #DENSE} or {@value #RL_PANNING} run takes none)
 */
public record PruneSettings(String model, String dataset, String dataDir, String init, long seed, String method,
                            double sparsity, int iterations, String schedule, String scope, boolean shuffle,
                            int samplesPerClass, boolean saveScores, long agentSteps, String policy,
                            String fusion, List<String> keepDense) {

    /** Multi-index, multi-process panning with the hand-designed stage weights ({@link Panning}). */
    public static final String PANNING = "panning";
    /** Panning whose index weights a trained TD3 agent chooses. */
    public static final String RL_PANNING = "rl-panning";
    /** No pruning: train the dense network. */
    public static final String DENSE = "dense";
    /** The paper's agent training length. */
    public static final long DEFAULT_AGENT_STEPS = 50_000;

    /**
     * @throws IllegalArgumentException naming the first invalid field (unknown names list the valid ones)
     */
    public PruneSettings {
        requireName("model", model, ModelZoo.names());
        dataset = Datasets.info(dataset).name();
        requireName("init", init, TrainConfig.INIT_NAMES);
        if (!methods().contains(method)) {
            throw new IllegalArgumentException("unknown method '" + method + "'; valid: " + String.join(", ", methods())
                    + " (each may end in " + MethodSpec.SHUFFLE + " for the layer-wise shuffle of its mask)");
        }
        Density.ofSparsity(sparsity);
        if (DENSE.equals(method) && (sparsity != 0 || shuffle || saveScores)) {
            throw new IllegalArgumentException("method dense prunes nothing: sparsity must be 0, shuffle and"
                    + " save-scores off");
        }
        if (iterations < 0) {
            throw new IllegalArgumentException("iterations must be at least 1, got " + iterations);
        }
        iterations = iterations == 0 ? defaultIterations(method) : iterations;
        schedule = Schedule.parse(schedule).cliName();
        scope = MaskSelection.Scope.parse(scope).cliName();
        if (samplesPerClass < 1) {
            throw new IllegalArgumentException("samples-per-class must be at least 1, got " + samplesPerClass);
        }
        if (agentSteps < 0) {
            throw new IllegalArgumentException("agent-steps must be at least 1, got " + agentSteps);
        }
        if (RL_PANNING.equals(method)) {
            agentSteps = agentSteps == 0 ? DEFAULT_AGENT_STEPS : agentSteps;
        } else if (agentSteps != 0 || policy != null) {
            throw new IllegalArgumentException("agent-steps and policy apply to --method " + RL_PANNING + " only");
        }
        if (PANNING.equals(method)) {
            fusion = fusion == null ? IndexFusion.ADDITIVE.name().toLowerCase(Locale.ROOT) : fusion;
            requireName("fusion", fusion, fusionNames());
        } else if (fusion != null) {
            throw new IllegalArgumentException("fusion applies to --method " + PANNING + " only");
        }
        keepDense = keepDense == null ? List.of() : List.copyOf(new LinkedHashSet<>(keepDense));
        if (!keepDense.isEmpty() && (DENSE.equals(method) || RL_PANNING.equals(method))) {
            throw new IllegalArgumentException("keep-dense does not apply to --method " + method + (DENSE.equals(method)
                    ? ", which prunes nothing" : ": the agent's state and reward count every prunable weight"));
        }
    }

    /** Settings with every prunable weight in the selection (no {@link #keepDense}). */
    public PruneSettings(String model, String dataset, String dataDir, String init, long seed, String method,
                         double sparsity, int iterations, String schedule, String scope, boolean shuffle,
                         int samplesPerClass, boolean saveScores, long agentSteps, String policy, String fusion) {
        this(model, dataset, dataDir, init, seed, method, sparsity, iterations, schedule, scope, shuffle,
                samplesPerClass, saveScores, agentSteps, policy, fusion, List.of());
    }

    /** The {@link #fusion} names: {@code additive}, {@code multiplicative}. */
    public static List<String> fusionNames() {
        return Arrays.stream(IndexFusion.values()).map(f -> f.name().toLowerCase(Locale.ROOT)).toList();
    }

    /** The valid {@link #method} names: the baselines, then the panning variants, then {@value #DENSE}. */
    public static List<String> methods() {
        return Stream.concat(PruningMethod.cliNames().stream(), Stream.of(PANNING, RL_PANNING, DENSE)).toList();
    }

    private static int defaultIterations(String method) {
        return switch (method) {
            case DENSE -> 1;
            case PANNING, RL_PANNING -> Panning.DEFAULT_STEPS;
            default -> PruningMethod.parse(method).defaultIterations();
        };
    }

    private static void requireName(String field, String value, List<String> valid) {
        if (!valid.contains(value)) {
            throw new IllegalArgumentException("unknown " + field + " '" + value + "'; valid: "
                    + String.join(", ", valid));
        }
    }

    /**
     * These settings for another method, sparsity and seed, as one cell of a sweep: {@code token} names the method
     * and whether its mask is shuffled ({@link MethodSpec}); of {@code options}, each setting that applies to the
     * method is taken and the others are left at their defaults; a {@value #DENSE} cell prunes nothing, so its
     * sparsity is 0 and save-scores is off.
     *
     * @throws IllegalArgumentException for an unknown method, a sparsity outside [0, 1), a shuffled dense cell or a
     *                                  bad option value
     */
    public PruneSettings forCell(String token, double newSparsity, long newSeed, MethodOptions options) {
        MethodSpec spec = MethodSpec.parse(token);
        String m = spec.method();
        boolean dense = DENSE.equals(m);
        boolean stepwise = methods().contains(m) && defaultIterations(m) > 1;
        boolean agent = RL_PANNING.equals(m);
        return new PruneSettings(model, dataset, dataDir, init, newSeed, m, dense ? 0 : newSparsity,
                stepwise ? options.iterations() : 0, schedule, scope, spec.shuffle(), samplesPerClass,
                saveScores && !dense, agent ? options.agentSteps() : 0, agent ? options.policy() : null,
                PANNING.equals(m) ? options.fusion() : null, dense || agent ? List.of() : keepDense);
    }

    /** These settings without the layer-wise shuffle: the run whose final mask a shuffled run shuffles. */
    public PruneSettings unshuffled() {
        return new PruneSettings(model, dataset, dataDir, init, seed, method, sparsity, iterations, schedule, scope,
                false, samplesPerClass, saveScores, agentSteps, policy, fusion, keepDense);
    }

    /** Whether this run prunes nothing. */
    @JsonIgnore
    public boolean isDense() {
        return DENSE.equals(method);
    }

    /**
     * The method as a sweep names its cells and table rows: {@code panning}, or {@code panning+shuffle} for its
     * shuffled mask ({@link MethodSpec#label()}).
     */
    public String label() {
        return new MethodSpec(method, shuffle).label();
    }

    /** The {@link #fusion} of a {@value #PANNING} run. */
    public IndexFusion indexFusion() {
        return IndexFusion.valueOf(fusion.toUpperCase(Locale.ROOT));
    }

    /** The final density. */
    public Density target() {
        return Density.ofSparsity(sparsity);
    }

    /** Height = width of the model's input: the LeNets take the images as they are, VGG and ResNets 32x32 or more. */
    public int inputSize() {
        return TrainConfig.defaults(model, dataset).inputSize();
    }

    /**
     * The {@link Pruner}'s configuration of a baseline method.
     *
     * @throws IllegalStateException for the panning methods and {@value #DENSE}, which the {@link Pruner} does not run
     */
    public Pruner.Config prunerConfig() {
        if (!PruningMethod.cliNames().contains(method)) {
            throw new IllegalStateException(method + " is not a Pruner method");
        }
        return new Pruner.Config(PruningMethod.parse(method), target(), MaskSelection.Scope.parse(scope),
                Schedule.parse(schedule), iterations, seed, Set.copyOf(keepDense));
    }
}
