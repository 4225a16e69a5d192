/**
 * Pruning before training: score every prunable weight of a freshly initialised network, select a mask, report
 * what it does.
 *
 * <p>Scoring is separate from masking, as in Synaptic-Flow: a {@link org.nnpan.pruning.Saliency} (random,
 * magnitude, SNIP, GraSP, SynFlow; SNIP on the masked network for FORCE and iterative SNIP) returns raw
 * {@link org.nnpan.pruning.Scores}; a {@link org.nnpan.pruning.ScoreRule} turns them into a ranking; a
 * {@link org.nnpan.pruning.MaskSelection} keeps exactly ⌊N·density⌋ weights, globally or per layer, as a
 * {@link org.nnpan.pruning.Mask}. {@link org.nnpan.pruning.Pruner} runs the baselines of the method document (§5),
 * one shot or over a {@link org.nnpan.pruning.Schedule}; {@link org.nnpan.pruning.PruningReport} gives per-layer
 * and total density, effective density (weights still on an input-output path), FLOPs and layer collapse.
 *
 * <p>Density (the kept fraction) is the one internal measure of sparsity ({@link org.nnpan.pruning.Density});
 * reports print it with the fraction pruned and the compression ratio.
 */
package org.nnpan.pruning;
