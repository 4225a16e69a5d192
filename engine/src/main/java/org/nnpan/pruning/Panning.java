package org.nnpan.pruning;

import java.util.Set;
import org.nnpan.data.ImageDataset;
import org.nnpan.data.Normalization;
import org.nnpan.nn.Module;
import org.nnpan.tensor.MemoryScope;

/**
 * Multi-index, multi-process panning, the hand-designed scheme of the method document §3. Over T_p steps of the
 * exponential schedule (density d^((t+1)/T_p) after step t), each step draws a fresh scoring batch, scores SNIP and
 * GraSP on the dense network θ₀ and SynFlow on the current mask, fuses the three ({@link IndexFusion}) with the
 * weights of the current {@link StageTable} stage, and selects the step's density from scratch by global top-k, so
 * a weight pruned at one step can come back at a later one. The last step's mask is the result.
 *
 * <p>With a pool of more than one thread the next steps' dense passes run ahead on background threads
 * ({@link DenseLookahead}); the masks are those of a one-thread run with up to 5 threads.
 *
 * <p>It does not run through {@link Pruner}: that loop scores one saliency on one fixed batch, while Panning scores
 * three on a new batch every step. The model is left untouched; apply the mask yourself ({@link Mask#apply}).
 */
public final class Panning {
    /** T_p of the paper. */
    public static final int DEFAULT_STEPS = 100;

    /**
     * What to prune and how.
     *
     * @param target the final density
     * @param steps  number of pruning steps T_p, at least 1
     * @param fusion how the normalised indices are combined
     * @param stages the index weights by stage, coefficients or exponents as {@code fusion} reads them
     * @param keepDense prunable weights kept whole, outside the selection; {@code target} applies to the others
     *                  ({@link MaskSelection#selectInto(Scores, Density, MaskSelection.Scope, Set, Mask)})
     */
    public record Config(Density target, int steps, IndexFusion fusion, StageTable stages, Set<String> keepDense) {
        public Config {
            if (steps < 1) {
                throw new IllegalArgumentException("steps must be at least 1, got " + steps);
            }
            keepDense = Set.copyOf(keepDense);
        }

        /** Every prunable weight in the selection. */
        public Config(Density target, int steps, IndexFusion fusion, StageTable stages) {
            this(target, steps, fusion, stages, Set.of());
        }

        /** The paper's scheme: additive fusion, its stage table, {@value #DEFAULT_STEPS} steps. */
        public static Config defaults(Density target) {
            return new Config(target, DEFAULT_STEPS, IndexFusion.ADDITIVE, StageTable.additiveDefaults());
        }
    }

    /** The scoring batch of each step. */
    @FunctionalInterface
    public interface BatchSource {
        /** The batch of 0-based step {@code step}, allocated in the current (per-step) scope. */
        ScoringBatch draw(int step);

        /**
         * A fresh class-balanced batch per step ({@link ScoringBatch#sample}), each from its own shuffle derived
         * from {@code seed} and the step, so a run is reproducible and no two steps share a batch by construction.
         */
        static BatchSource classBalanced(ImageDataset dataset, Normalization normalization, int size,
                                         int samplesPerClass, long seed) {
            return step -> ScoringBatch.sample(dataset, normalization, size, samplesPerClass,
                    Seeds.derive(seed, "panning-batch-" + step));
        }
    }

    /** Sees every step, e.g. to log it. */
    @FunctionalInterface
    public interface StepListener {
        /** Called after step {@code step.step()}; {@code mask} is the mask after it, valid during the call only. */
        void afterStep(PanningStep step, Mask mask);
    }

    private Panning() {
    }

    /**
     * {@link #prune(Module, BatchSource, Config, StepListener)} without a listener, which also skips the per-step
     * observation (the path analysis, the dense probe's backward pass and the sub-network's forward and backward).
     */
    public static Mask prune(Module model, BatchSource batches, Config config) {
        return run(model, batches, config, null);
    }

    /**
     * Prunes {@code model} (dense θ₀, unchanged by this call) and returns the final mask in the current scope.
     * Every step is observed ({@link PanningObservation}, ℓ at temperature 1) and passed to {@code listener}.
     *
     * @throws IllegalArgumentException if the model carries masks
     */
    public static Mask prune(Module model, BatchSource batches, Config config, StepListener listener) {
        return run(model, batches, config, listener);
    }

    private static Mask run(Module model, BatchSource batches, Config config, StepListener listener) {
        Scoring.requireDense(model);
        MaskSelection.requireLayers(WeightLayout.of(model), config.keepDense());
        // One instance of each per run: both keep working copies of the model between steps.
        SynFlowCarryOver carryOver = new SynFlowCarryOver();
        PanningScorer scorer = new PanningScorer(config.fusion(), carryOver, config.keepDense());
        PanningObserver observer = new PanningObserver(carryOver);
        StageTable.Cursor stage = config.stages().cursor();
        Mask mask = Mask.dense(model);
        LossProbe probe = listener == null ? null : observer.probe();
        try (DenseLookahead dense = DenseLookahead.forPool(model, batches, probe, config.steps())) {
            for (int t = 0; t < config.steps(); t++) {
                int step = t;
                Density density = Schedule.EXPONENTIAL.densityAfter(t, config.steps(), config.target());
                IndexWeights weights = stage.advance(density.sparsity());
                try (MemoryScope _ = MemoryScope.open("panning-step")) {
                    ScoringBatch batch = batches.draw(t);
                    PanningObservation o = dense.callerSide(() -> {
                        DensePass.Result pass = dense.take(step, batch);
                        scorer.selectInto(model, batch, weights, density, mask, pass);
                        return listener == null ? null : observer.observe(model, mask, batch, pass.dense());
                    });
                    if (listener != null) {
                        listener.afterStep(new PanningStep(t, config.steps(), density.sparsity(), stage.stage(),
                                weights, o), mask);
                    }
                }
            }
        }
        return mask;
    }
}
