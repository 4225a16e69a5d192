package org.nnpan.pruning;

import java.util.Set;
import org.nnpan.nn.Module;
import org.nnpan.tensor.MemoryScope;

/**
 * Runs a {@link PruningMethod}: at each of T steps, score the network, rank the scores, and select the schedule's
 * density for that step; the last step's mask, at the target density, is the result. One step is one-shot pruning.
 * The model is left untouched: apply the mask yourself ({@link Mask#apply}).
 */
public final class Pruner {

    /**
     * What to prune and how.
     *
     * @param method     the baseline
     * @param target     the final density
     * @param scope      global or per-layer selection
     * @param schedule   how the density shrinks over the steps
     * @param iterations number of pruning steps T (1 = one shot)
     * @param seed       seed of random scores
     * @param keepDense  prunable weights kept whole, outside the selection; {@code target} applies to the others
     *                   ({@link MaskSelection#selectInto(Scores, Density, MaskSelection.Scope, Set, Mask)})
     */
    public record Config(PruningMethod method, Density target, MaskSelection.Scope scope, Schedule schedule,
                         int iterations, long seed, Set<String> keepDense) {
        public Config {
            if (iterations < 1) {
                throw new IllegalArgumentException("iterations must be at least 1, got " + iterations);
            }
            keepDense = Set.copyOf(keepDense);
        }

        /** Every prunable weight in the selection. */
        public Config(PruningMethod method, Density target, MaskSelection.Scope scope, Schedule schedule,
                      int iterations, long seed) {
            this(method, target, scope, schedule, iterations, seed, Set.of());
        }

        /** The method's defaults: global selection, exponential schedule, its default number of steps. */
        public static Config defaults(PruningMethod method, Density target, long seed) {
            return new Config(method, target, MaskSelection.Scope.GLOBAL, Schedule.EXPONENTIAL,
                    method.defaultIterations(), seed);
        }
    }

    /**
     * One finished step, valid only during the {@link StepListener} call (its tensors are freed afterwards).
     *
     * @param index     0-based step
     * @param count     number of steps
     * @param density   the density selected at this step
     * @param saliency  the index that scored it
     * @param rawScores the saliency's raw scores at this step
     * @param mask      the mask after this step
     */
    public record Step(int index, int count, Density density, Saliency saliency, Scores rawScores, Mask mask) {
        /** Whether this is the last step, whose mask is the result. */
        public boolean isLast() {
            return index == count - 1;
        }
    }

    /** Sees every step, e.g. to report progress or save the final scores. */
    @FunctionalInterface
    public interface StepListener {
        void afterStep(Step step);
    }

    private Pruner() {
    }

    /** {@link #prune(Module, ScoringBatch, Config, StepListener)} without a listener. */
    public static Mask prune(Module model, ScoringBatch batch, Config config) {
        return prune(model, batch, config, step -> { });
    }

    /**
     * Prunes {@code model} (dense θ₀, unchanged by this call) and returns the final mask in the current scope.
     *
     * @throws IllegalArgumentException if the model carries masks
     */
    public static Mask prune(Module model, ScoringBatch batch, Config config, StepListener listener) {
        Scoring.requireDense(model);
        MaskSelection.requireLayers(WeightLayout.of(model), config.keepDense());
        PruningMethod method = config.method();
        Saliency saliency = method.saliency(config.seed());
        Mask mask = Mask.dense(model);
        for (int t = 0; t < config.iterations(); t++) {
            Density density = config.schedule().densityAfter(t, config.iterations(), config.target());
            try (MemoryScope _ = MemoryScope.open("prune-step")) {
                Scores raw = saliency.score(model, mask, batch);
                Scores ranked = method.rule().apply(raw);
                if (method.prunedStayPruned()) {
                    ranked = ranked.keptOnly(mask);
                }
                MaskSelection.selectInto(ranked, density, config.scope(), config.keepDense(), mask);
                listener.afterStep(new Step(t, config.iterations(), density, saliency, raw, mask));
            }
        }
        return mask;
    }
}
