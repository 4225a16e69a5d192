package org.nnpan.pruning;

import java.util.Arrays;
import java.util.List;
import java.util.function.LongFunction;

/**
 * The pruning-before-training baselines (method document §5): which saliency each one scores with, how it ranks
 * the scores, how many pruning steps it takes by default, and whether a weight it pruned may come back.
 */
public enum PruningMethod {
    /** I.i.d. random scores, one shot. */
    RANDOM("random", 1, ScoreRule.RAW, false, RandomSaliency::new),
    /** |θ₀|, one shot. */
    MAGNITUDE("magnitude", 1, ScoreRule.RAW, false, seed -> new MagnitudeSaliency()),
    /** |θ₀ ⊙ ∂L/∂θ| on the dense network, one shot (Lee et al., 2019). */
    SNIP("snip", 1, ScoreRule.ABSOLUTE, false, seed -> SnipSaliency.dense()),
    /** −θ₀ ⊙ Hg on the dense network, one shot: the highest θ⊙Hg are pruned (Wang et al., 2020). */
    GRASP("grasp", 1, ScoreRule.NEGATED, false, seed -> GraspSaliency.reference()),
    /** |θ₀ ⊙ Hg| on the dense network, one shot: GraSP ranked as Panning ranks it (method document §3). */
    GRASP_ABS("grasp-abs", 1, ScoreRule.ABSOLUTE, false, seed -> GraspSaliency.reference()),
    /**
     * |θ₀ ⊙ ∂R/∂w| recomputed on the current mask every step, 100 steps by default (Tanaka et al., 2020). As in the
     * SynFlow reference code, where a pruned weight's score is zero, pruned weights stay pruned.
     */
    SYNFLOW("synflow", 100, ScoreRule.ABSOLUTE, true, seed -> new SynFlowSaliency()),
    /** |θ₀ ⊙ ∂L/∂w| at the masked network every step; pruned weights stay pruned (de Jorge et al., 2021). */
    ITERATIVE_SNIP("iter-snip", 100, ScoreRule.ABSOLUTE, true, seed -> SnipSaliency.masked()),
    /** FORCE: like iterative SNIP, but a pruned weight whose score rises again comes back (de Jorge et al., 2021). */
    FORCE("force", 100, ScoreRule.ABSOLUTE, false, seed -> SnipSaliency.masked());

    private final String cliName;
    private final int defaultIterations;
    private final ScoreRule rule;
    private final boolean prunedStayPruned;
    private final LongFunction<Saliency> saliency;

    PruningMethod(String cliName, int defaultIterations, ScoreRule rule, boolean prunedStayPruned,
                  LongFunction<Saliency> saliency) {
        this.cliName = cliName;
        this.defaultIterations = defaultIterations;
        this.rule = rule;
        this.prunedStayPruned = prunedStayPruned;
        this.saliency = saliency;
    }

    /** The name on the command line, e.g. {@code iter-snip}. */
    public String cliName() {
        return cliName;
    }

    /** Pruning steps when none are asked for: 1 (one shot) or 100. */
    public int defaultIterations() {
        return defaultIterations;
    }

    /** How raw scores are ranked. */
    public ScoreRule rule() {
        return rule;
    }

    /** Whether a weight pruned at one step is excluded from every later selection. */
    public boolean prunedStayPruned() {
        return prunedStayPruned;
    }

    /** A fresh saliency for one pruning run ({@code seed} matters for {@link #RANDOM} only). */
    public Saliency saliency(long seed) {
        return saliency.apply(seed);
    }

    /** The command-line names, in declaration order. */
    public static List<String> cliNames() {
        return Arrays.stream(values()).map(PruningMethod::cliName).toList();
    }

    /**
     * The method named {@code name} on the command line.
     *
     * @throws IllegalArgumentException listing the valid names
     */
    public static PruningMethod parse(String name) {
        for (PruningMethod m : values()) {
            if (m.cliName.equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown method '" + name + "'; valid: " + String.join(", ", cliNames()));
    }
}
