package org.nnpan.pruning;

import org.nnpan.nn.Module;

/**
 * The selection at the heart of every panning step (method document §3), shared by the hand-designed
 * {@link Panning} and the {@link PanningEnvironment} of the agent: score SynFlow on the current mask and SNIP and
 * GraSP on the dense network θ₀, fuse the three with the step's index weights, and rebuild the mask from scratch by
 * global top-k.
 *
 * <p>One scorer serves a whole run (or many): SynFlow keeps a working copy of the model between calls.
 */
final class PanningScorer {
    private final Saliency synflow = new SynFlowSaliency();
    private final Saliency snip = SnipSaliency.dense();
    private final Saliency grasp = GraspSaliency.reference();
    private final IndexFusion fusion;

    PanningScorer(IndexFusion fusion) {
        this.fusion = fusion;
    }

    /**
     * Overwrites {@code mask} (the mask before the step, which SynFlow scores) with the top-{@code density} weights
     * of the fused ranking on {@code batch}. Temporaries go to the current scope.
     */
    void selectInto(Module model, ScoringBatch batch, IndexWeights weights, Density density, Mask mask) {
        Scores fused = fusion.combine(synflow.score(model, mask, batch), snip.score(model, mask, batch),
                grasp.score(model, mask, batch), weights);
        MaskSelection.selectInto(fused, density, MaskSelection.Scope.GLOBAL, mask);
    }
}
