package org.nnpan.experiment;

/**
 * The method-specific pruning settings of a {@link Sweep}: each applies to the cells of the methods it concerns and
 * leaves the others at their defaults ({@link PruneSettings#forCell}). 0 or null keeps a method's default.
 *
 * @param iterations pruning steps of the methods that prune in steps by default (synflow, iter-snip, force and the
 *                   panning variants); the one-shot methods stay one-shot
 * @param agentSteps {@value PruneSettings#RL_PANNING}: environment steps to train the agent for
 * @param policy     {@value PruneSettings#RL_PANNING}: a trained policy file to roll out instead of training
 * @param fusion     {@value PruneSettings#PANNING}: how the indices are combined, {@code additive} or
 *                   {@code multiplicative}
 */
public record MethodOptions(int iterations, long agentSteps, String policy, String fusion) {
    /** Every method at its defaults. */
    public static final MethodOptions DEFAULTS = new MethodOptions(0, 0, null, null);

    /**
     * @throws IllegalArgumentException if a count is negative
     */
    public MethodOptions {
        if (iterations < 0) {
            throw new IllegalArgumentException("iterations must be at least 1, got " + iterations);
        }
        if (agentSteps < 0) {
            throw new IllegalArgumentException("agent-steps must be at least 1, got " + agentSteps);
        }
    }
}
