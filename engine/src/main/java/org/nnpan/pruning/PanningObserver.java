package org.nnpan.pruning;

import org.nnpan.nn.Module;
import org.nnpan.tensor.DType;

/**
 * Takes the {@link PanningObservation} of every step of one panning run (or many) of one model. It keeps the float64
 * connectivity network of the {@link PathAnalysis} and the probe's float32 sub-network as working copies, refreshed
 * in place each step, instead of copying (and so re-initialising) the model per step. The path analysis leaves
 * SynFlow's scores of the observed mask to the next step's {@link PanningScorer} through a {@link SynFlowCarryOver}.
 */
final class PanningObserver {
    private final LossProbe probe = new LossProbe(1);
    private final WorkingCopy connectivity = new WorkingCopy(DType.F64);
    private final SynFlowCarryOver carryOver;

    /** @param carryOver where the path analysis leaves SynFlow's scores for the run's {@link PanningScorer} */
    PanningObserver(SynFlowCarryOver carryOver) {
        this.carryOver = carryOver;
    }

    /** The probe of ℓ and G at temperature 1, for measurements outside an observation. */
    LossProbe probe() {
        return probe;
    }

    /**
     * Observes the dense {@code model} under {@code mask} on {@code batch}, whose dense ℓ and G were already measured
     * by {@link #probe()} (a panning step gets them from its {@link DensePass}). The model is not changed.
     */
    PanningObservation observe(Module model, Mask mask, ScoringBatch batch, LossProbe.Measurement dense) {
        return PanningObservation.of(PathAnalysis.run(model, mask, batch.inputShape(), connectivity, carryOver), mask, dense,
                probe.masked(model, mask, batch));
    }
}
