package org.nnpan.pruning;

/**
 * One finished Panning step: what it was asked to do and how the network looks after it. One line of
 * {@code panning-steps.jsonl}.
 *
 * @param step              0-based step t
 * @param steps             number of steps T_p
 * @param scheduledSparsity s_t, the fraction of prunable weights removed after this step
 * @param stage             0-based stage of the {@link StageTable} in effect; −1 where the panning agent chose the
 *                          weights
 * @param weights           the index weights used at this step
 * @param observation       ε, ℓ, G, ℓ_sub and G_sub with the mask after this step, on this step's batch
 */
public record PanningStep(int step, int steps, double scheduledSparsity, int stage, IndexWeights weights,
                          PanningObservation observation) {
}
