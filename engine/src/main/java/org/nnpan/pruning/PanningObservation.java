package org.nnpan.pruning;

import org.nnpan.nn.Module;

/**
 * How a network and its current mask look on one scoring batch: the raw quantities the panning agent's state is
 * made of (method document §4) and that Panning logs every step. Computed in one place, {@link #of}, so the
 * hand-designed scheme and the agent see exactly the same numbers.
 *
 * @param effectiveSparsity      ε = 1 − (kept weights on an input-output path) / N, by {@link PathAnalysis}
 * @param kept                   weights the mask keeps
 * @param loss                   ℓ of the dense network θ₀
 * @param squaredGradientNorm    G of the dense network θ₀
 * @param subLoss                ℓ_sub of the sub-network θ₀⊙m
 * @param subSquaredGradientNorm G_sub of the sub-network θ₀⊙m
 */
public record PanningObservation(double effectiveSparsity, long kept, double loss, double squaredGradientNorm,
                                 double subLoss, double subSquaredGradientNorm) {

    /**
     * Observes the dense {@code model} and its sub-network under {@code mask} on {@code batch} (ℓ and G as
     * {@link LossProbe} defines them). The model is not changed.
     */
    public static PanningObservation of(Module model, Mask mask, ScoringBatch batch, LossProbe probe) {
        return of(PathAnalysis.run(model, mask, batch.inputShape()), mask, probe.dense(model, batch),
                probe.masked(model, mask, batch));
    }

    /** The observation of {@code mask} from its path analysis and the dense and sub-network measurements. */
    static PanningObservation of(PathAnalysis paths, Mask mask, LossProbe.Measurement dense,
                                 LossProbe.Measurement sub) {
        long live = mask.layout().names().stream().mapToLong(paths::live).sum();
        return new PanningObservation(1 - (double) live / mask.numel(), mask.kept(), dense.loss(),
                dense.squaredGradientNorm(), sub.loss(), sub.squaredGradientNorm());
    }
}
