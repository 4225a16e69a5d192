package org.nnpan.pruning;

import java.util.Set;
import org.nnpan.nn.Module;

/**
 * The selection at the heart of every panning step (method document §3), shared by the hand-designed
 * {@link Panning} and the {@link PanningEnvironment} of the agent: score SynFlow on the current mask, take SNIP and
 * GraSP on the dense network θ₀ from the step's {@link DensePass}, fuse the three with the step's index weights, and
 * rebuild the mask from scratch by global top-k.
 *
 * <p>One scorer serves a whole run (or many): SynFlow keeps a working copy of the model between calls. SynFlow's
 * scores come from the {@link SynFlowCarryOver} when the previous step's observation left them for this mask.
 */
final class PanningScorer {
    private final Saliency synflow = new SynFlowSaliency();
    private final IndexFusion fusion;
    private final SynFlowCarryOver carryOver;
    private final Set<String> keepDense;

    /**
     * @param carryOver SynFlow's scores left by the {@link PanningObserver} of the same run
     * @param keepDense prunable weights kept whole, outside the selection
     */
    PanningScorer(IndexFusion fusion, SynFlowCarryOver carryOver, Set<String> keepDense) {
        this.fusion = fusion;
        this.carryOver = carryOver;
        this.keepDense = Set.copyOf(keepDense);
    }

    /**
     * Overwrites {@code mask} (the mask before the step, which SynFlow scores) with the top-{@code density} weights
     * of the fused ranking of SynFlow's scores and the {@code dense} pass's SNIP and GraSP on {@code batch}.
     * Temporaries go to the current scope.
     */
    void selectInto(Module model, ScoringBatch batch, IndexWeights weights, Density density, Mask mask,
                    DensePass.Result dense) {
        Scores carried = carryOver.take(model, mask);
        Scores synflowScores = carried != null ? carried : synflow.score(model, mask, batch);
        Scores fused = fusion.combine(synflowScores, dense.snip(), dense.grasp(), weights);
        MaskSelection.selectInto(fused, density, MaskSelection.Scope.GLOBAL, keepDense, mask);
    }
}
