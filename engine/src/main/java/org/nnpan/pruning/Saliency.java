package org.nnpan.pruning;

import org.nnpan.nn.Module;

/**
 * A pruning-before-training index: one score per prunable weight, computed from the network θ₀, the current mask
 * and a scoring batch. Scoring is separate from selection ({@link MaskSelection}) and from the rule that turns raw
 * scores into a ranking ({@link ScoreRule}): a saliency returns the raw, signed scores, always as θ₀ times a
 * per-weight quantity (never θ⊙m), so a weight pruned earlier keeps a score.
 *
 * <p>Every saliency leaves the model as it found it (values, masks, BatchNorm buffers, training modes). The model
 * must be dense; the mask is an argument.
 */
public sealed interface Saliency permits RandomSaliency, MagnitudeSaliency, SnipSaliency, GraspSaliency,
        SynFlowSaliency {

    /** The index's short name, used as the prefix of its entries in score files, e.g. {@code snip}. */
    String name();

    /**
     * Scores every prunable weight of {@code model}, in the current memory scope.
     *
     * @param model the dense network θ₀ (no mask installed)
     * @param mask  the current mask (all ones before the first pruning step); only SynFlow and masked-network SNIP
     *              read it
     * @param batch the scoring batch; SynFlow reads only its input shape, random and magnitude ignore it
     * @throws IllegalArgumentException if the model carries masks or the mask does not fit it
     */
    Scores score(Module model, Mask mask, ScoringBatch batch);
}
