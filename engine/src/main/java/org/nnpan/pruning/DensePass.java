package org.nnpan.pruning;

import org.nnpan.nn.Module;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * What a panning step needs from the dense network θ₀ on its scoring batch, from one forward pass: SNIP's θ₀⊙g,
 * GraSP's θ₀⊙Hg and, when asked, the {@link LossProbe} measurement ℓ, G of the observation.
 *
 * <p>SNIP ({@link SnipSaliency#dense()}) and GraSP ({@link GraspSaliency#reference()}) take the same gradient g of
 * the same loss (dense network, training-mode BatchNorm, T = 200, prunable weights), so SNIP's scores are read off
 * GraSP's first-order gradient; the probe's loss at its own temperature reuses the logits. One forward and three
 * backward passes replace three forwards and four backwards, with the same numbers, with one exception: through
 * BatchNorm, the recorded first-order pass GraSP needs differentiates BatchNorm's composite formula where SNIP alone
 * runs the fused backward kernel, so SNIP's scores of BatchNorm networks differ from {@link SnipSaliency#dense()}'s
 * by float32 rounding.
 */
final class DensePass {
    private static final GraspSaliency GRASP = GraspSaliency.reference();

    /**
     * @param snip   SNIP's raw scores, as {@link SnipSaliency#dense()} computes them
     * @param grasp  GraSP's raw scores, as {@link GraspSaliency#reference()} computes them
     * @param dense  ℓ and G of the dense network by the probe, or null when no probe was given
     */
    record Result(Scores snip, Scores grasp, LossProbe.Measurement dense) {
    }

    private DensePass() {
    }

    /**
     * Scores the dense {@code model} on {@code batch}, and measures it with {@code probe} unless that is null. The
     * scores go to the current scope; the model is left as it was.
     *
     * @throws IllegalArgumentException if the model carries masks
     */
    static Result run(Module model, ScoringBatch batch, LossProbe probe) {
        WeightLayout layout = WeightLayout.of(model);
        Scores snip = Scores.allocate(layout);
        Scores grasp = Scores.allocate(layout);
        return new Result(snip, grasp, runInto(model, batch, probe, snip, grasp));
    }

    /**
     * {@link #run} into scores the caller owns (of {@code model}'s layout), e.g. made once for many batches.
     *
     * @return ℓ and G of the dense network by {@code probe}, or null when that is null
     * @throws IllegalArgumentException if the model carries masks
     */
    static LossProbe.Measurement runInto(Module model, ScoringBatch batch, LossProbe probe, Scores snip, Scores grasp) {
        Scoring.requireDense(model);
        LossProbe.Measurement dense = null;
        try (MemoryScope _ = MemoryScope.open("dense-pass"); ScoringScope _ = ScoringScope.of(model)) {
            int forward = MemoryScope.current().allocationCount();
            Tensor logits = Scoring.logits(model, batch);
            if (probe != null) {
                dense = probe.measure(model, logits, batch, null); // first: GraSP's second pass frees the forward pass
            }
            Tensor[] hg = GRASP.hessianGradient(model, Scoring.loss(logits, batch, GRASP.temperature()), forward,
                    g -> Scoring.timesThetaInto(model, g, 1, snip));
            Scoring.timesThetaInto(model, hg, 1, grasp);
        }
        return dense;
    }
}
