package org.nnpan.pruning;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.nnpan.agent.Environment;
import org.nnpan.io.Json;
import org.nnpan.nn.Module;
import org.nnpan.tensor.MemoryScope;

/**
 * The panning agent's task (method document §4): one episode is one whole Panning run of T_p steps on the fixed
 * exponential schedule, in which the agent picks the index weights of every step instead of the {@link StageTable}.
 *
 * <ul>
 * <li><b>Action</b>: three numbers a ∈ [−1, 1]; the weights w = a + 1 ∈ [0, 2] of (SynFlow, SNIP, GraSP) in the
 * additive fusion. Each step draws a fresh scoring batch and rebuilds the mask from scratch
 * ({@link PanningScorer}).</li>
 * <li><b>State</b>, after step t (t = 1…T_p steps done), on that step's batch: ℓ̂, ĝ (dense loss and squared gradient
 * norm, min–max normalised by running extremes), r_loss = |ℓ_sub − ℓ| / (ℓ_max − ℓ_min),
 * r_G = |G_sub − G| / (G_max − G_min) / 5, ε (effective sparsity), s_t (scheduled sparsity), t/T_p. At reset it is
 * (ℓ̂, ĝ, 0, 0, 0, 0, 0) on a fresh batch.</li>
 * <li><b>Reward</b>: {@link #reward}.</li>
 * <li><b>Target</b>: drawn per training episode, p ~ U[0.8, 1] for the first {@link Config#curriculumSteps} training
 * steps, then U[0.9, 1] or U[0.98, 1] with probability ½ each, capped at {@link #maxSparsity()} so at least one weight
 * survives. Evaluation episodes ({@link #setEvaluation}) use {@link Config#evaluationTarget} and do not count.</li>
 * </ul>
 *
 * <p>The running extremes start from {@link Config#normalisationBatches} batches at construction. They, the training
 * step count and the number of batches drawn carry over between episodes and are saved by {@link #saveState}. The
 * model is never changed; the mask lives in the scope the environment was built in and is overwritten in place.
 *
 * <p>With a pool of more than one thread the dense passes of the next batches run ahead on background threads
 * ({@link DenseLookahead}) while a step, and the agent's update after it, go on; each side runs on its share of the
 * pool, so with up to 5 threads every number is that of a one-thread environment.
 */
public final class PanningEnvironment implements Environment {
    /** Length of the state vector. */
    public static final int STATE_SIZE = 7;
    /** The current episode's target; null before the first reset. */
    public Density target() {
        return target;
    }

    /** The highest target sparsity a training episode draws: U[p₀, 1] may not prune everything. */
    public static final double MAX_SPARSITY = 0.999;

    private static final String STATE_FILE = "panning-environment.json";

    /**
     * How the environment runs.
     *
     * @param evaluationTarget     the real target of evaluation episodes and of the final rollout
     * @param steps                pruning steps per episode, T_p
     * @param curriculumSteps      training steps with targets from U[0.8, 1]
     * @param normalisationBatches batches whose ℓ and G initialise the running extremes, at least 1
     */
    public record Config(Density evaluationTarget, int steps, long curriculumSteps, int normalisationBatches) {
        public Config {
            if (steps < 1 || curriculumSteps < 0 || normalisationBatches < 1) {
                throw new IllegalArgumentException("need steps >= 1, curriculum steps >= 0 and at least one"
                        + " normalisation batch, got " + steps + ", " + curriculumSteps + ", " + normalisationBatches);
            }
        }

        /** The paper's: {@value Panning#DEFAULT_STEPS} steps, a curriculum of 10,000 steps, 10 batches. */
        public static Config defaults(Density evaluationTarget) {
            return new Config(evaluationTarget, Panning.DEFAULT_STEPS, 10_000, 10);
        }

        /** This configuration with T_p = {@code steps}. */
        public Config withSteps(int steps) {
            return new Config(evaluationTarget, steps, curriculumSteps, normalisationBatches);
        }
    }

    private final Module model;
    private final Panning.BatchSource batches;
    private final Config config;
    private final SynFlowCarryOver carryOver = new SynFlowCarryOver();
    private final PanningScorer scorer = new PanningScorer(IndexFusion.ADDITIVE, carryOver, Set.of());
    private final PanningObserver observer = new PanningObserver(carryOver);
    private final Mask mask;
    private final double maxSparsity;
    private final Extremes loss = new Extremes();
    private final Extremes gradient = new Extremes();
    /** The dense passes of the batches, run ahead on other threads with a pool of more than one thread. */
    private final DenseLookahead lookahead;

    private Panning.StepListener listener;
    private boolean evaluation;
    private long trainingSteps;
    private int batchesDrawn;
    private Density target;
    private int step;

    /**
     * An environment pruning the dense {@code model}, whose batch {@code i} is the {@code i}-th the environment draws
     * ({@code batches.draw(i)}, so no two steps share one). Scores the first {@link Config#normalisationBatches}.
     *
     * @throws IllegalArgumentException if the model carries masks
     */
    public PanningEnvironment(Module model, Panning.BatchSource batches, Config config) {
        Scoring.requireDense(model);
        this.model = model;
        this.batches = batches;
        this.config = config;
        this.mask = Mask.dense(model);
        // 2/N rather than 1/N: the kept count is a floor, and 1 − (1 − 1/N) can round below 1/N.
        this.maxSparsity = Math.min(MAX_SPARSITY, 1 - 2.0 / mask.numel());
        this.lookahead = DenseLookahead.forPool(model, batches, observer.probe(), Integer.MAX_VALUE);
        for (int i = 0; i < config.normalisationBatches(); i++) {
            try (MemoryScope _ = MemoryScope.open("panning-env-init")) {
                measureDense();
            }
        }
    }

    /** Sees every step (e.g. the final rollout's, for {@code panning-steps.jsonl}); null for none. */
    public void setStepListener(Panning.StepListener listener) {
        this.listener = listener;
    }

    @Override
    public void setEvaluation(boolean evaluation) {
        this.evaluation = evaluation;
    }

    @Override
    public double[] reset(RandomGenerator rng) {
        target = evaluation ? config.evaluationTarget() : Density.ofSparsity(Math.min(drawTargetSparsity(rng),
                maxSparsity));
        step = 0;
        mask.flat().backend().fill(mask.flat(), 1);
        try (MemoryScope _ = MemoryScope.open("panning-env-reset")) {
            LossProbe.Measurement dense = measureDense();
            return new double[] {loss.normalise(dense.loss()), gradient.normalise(dense.squaredGradientNorm()),
                0, 0, 0, 0, 0};
        }
    }

    /** The curriculum of §4, by the training steps so far. */
    private double drawTargetSparsity(RandomGenerator rng) {
        double low = trainingSteps < config.curriculumSteps() ? 0.8 : rng.nextBoolean() ? 0.9 : 0.98;
        return low + (1 - low) * rng.nextDouble();
    }

    @Override
    public Step step(double[] action) {
        if (target == null || step >= config.steps()) {
            throw new IllegalStateException("no episode in progress: call reset first");
        }
        if (action.length != 3) {
            throw new IllegalArgumentException("the action has 3 index weights, got " + action.length);
        }
        IndexWeights weights = new IndexWeights(indexWeight(action[0]), indexWeight(action[1]),
                indexWeight(action[2]));
        Density density = Schedule.EXPONENTIAL.densityAfter(step, config.steps(), target);
        PanningObservation o;
        try (MemoryScope _ = MemoryScope.open("panning-env-step")) {
            int index = batchesDrawn++;
            ScoringBatch batch = batches.draw(index);
            o = lookahead.callerSide(() -> {
                DensePass.Result dense = lookahead.take(index, batch);
                scorer.selectInto(model, batch, weights, density, mask, dense);
                return observer.observe(model, mask, batch, dense.dense());
            });
            if (listener != null) {
                listener.afterStep(new PanningStep(step, config.steps(), density.sparsity(), -1, weights, o), mask);
            }
        }
        step++;
        if (!evaluation) {
            trainingSteps++;
        }
        loss.include(o.loss());
        gradient.include(o.squaredGradientNorm());
        double progress = (double) step / config.steps();
        double rLoss = loss.relative(Math.abs(o.subLoss() - o.loss()));
        double rG = gradient.relative(Math.abs(o.subSquaredGradientNorm() - o.squaredGradientNorm())) / 5;
        boolean disconnected = o.effectiveSparsity() == 1;
        double[] state = {loss.normalise(o.loss()), gradient.normalise(o.squaredGradientNorm()), rLoss, rG,
            o.effectiveSparsity(), density.sparsity(), progress};
        double reward = reward(density.sparsity(), o.effectiveSparsity(), rLoss, rG, progress, config.steps());
        return new Step(state, reward, disconnected || step == config.steps(),
                info(weights, density, o, disconnected));
    }

    /**
     * The reward of one step: −100·|s_t − ε| − r_loss − r_G, and if the network is disconnected (ε = 1) another
     * −(1 − t/T_p)·T_p, the steps the episode loses (the episode then ends).
     *
     * @param progress t/T_p with t the steps done, this one included
     */
    static double reward(double scheduledSparsity, double effectiveSparsity, double rLoss, double rG, double progress,
                         int steps) {
        double r = -100 * Math.abs(scheduledSparsity - effectiveSparsity) - rLoss - rG;
        return effectiveSparsity == 1 ? r - (1 - progress) * steps : r;
    }

    /** w = a + 1, clamped to [0, 2] in case an action strays outside [−1, 1]. */
    private static double indexWeight(double a) {
        return Math.clamp(a + 1, 0.0, 2.0);
    }

    private Map<String, Object> info(IndexWeights w, Density density, PanningObservation o, boolean disconnected) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("target_sparsity", target.sparsity());
        info.put("step", step);
        info.put("scheduled_sparsity", density.sparsity());
        info.put("effective_sparsity", o.effectiveSparsity());
        info.put("kept", o.kept());
        info.put("disconnected", disconnected);
        info.put("weights", List.of(w.synflow(), w.snip(), w.grasp()));
        info.put("loss", o.loss());
        info.put("sub_loss", o.subLoss());
        info.put("training_steps", trainingSteps);
        return info;
    }

    /** The mask after the last step (the episode's result once it is done); overwritten by the next episode. */
    public Mask lastMask() {
        return mask;
    }

    /** The highest target sparsity a training episode draws: {@value #MAX_SPARSITY}, or less for tiny models. */
    public double maxSparsity() {
        return maxSparsity;
    }

    /** Environment steps of training episodes so far (evaluation steps not counted). */
    public long trainingSteps() {
        return trainingSteps;
    }

    /** ℓ and G of the dense network on a fresh batch, folded into the running extremes. */
    private LossProbe.Measurement measureDense() {
        LossProbe.Measurement m = lookahead.measure(batchesDrawn++);
        loss.include(m.loss());
        gradient.include(m.squaredGradientNorm());
        return m;
    }

    @Override
    public int stateSize() {
        return STATE_SIZE;
    }

    @Override
    public int actionSize() {
        return 3;
    }

    @Override
    public void saveState(Path directory) throws IOException {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("loss_min", loss.min);
        s.put("loss_max", loss.max);
        s.put("gradient_min", gradient.min);
        s.put("gradient_max", gradient.max);
        s.put("training_steps", trainingSteps);
        s.put("batches_drawn", batchesDrawn);
        Json.write(directory.resolve(STATE_FILE), s);
    }

    @Override
    public void loadState(Path directory) throws IOException {
        Map<String, Object> s = Json.readMap(directory.resolve(STATE_FILE));
        loss.min = number(s, "loss_min");
        loss.max = number(s, "loss_max");
        gradient.min = number(s, "gradient_min");
        gradient.max = number(s, "gradient_max");
        trainingSteps = ((Number) s.get("training_steps")).longValue();
        batchesDrawn = ((Number) s.get("batches_drawn")).intValue();
    }

    private static double number(Map<String, Object> s, String key) {
        return ((Number) s.get(key)).doubleValue();
    }

    /** Running minimum and maximum of one quantity. */
    private static final class Extremes {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;

        void include(double x) {
            min = Math.min(min, x);
            max = Math.max(max, x);
        }

        /** (x − min) / (max − min). */
        double normalise(double x) {
            return relative(x - min);
        }

        /** d / (max − min); 0 while the range is empty (every value seen so far equal), rather than ∞ or NaN. */
        double relative(double d) {
            double range = max - min;
            return range > 0 ? d / range : 0;
        }
    }
}
