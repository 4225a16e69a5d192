package org.nnpan.agent;

import java.util.List;
import java.util.stream.IntStream;

/**
 * Hyperparameters of the panning agent and its training loop. {@link #defaults()} holds the values of the method
 * document (§4); {@link #toBuilder()} changes some of them.
 *
 * @param algorithm        TD3, or DDPG (one critic, no target policy smoothing, a policy update after every critic
 *                         update: {@code policyNoise}, {@code noiseClip} and {@code policyDelay} are then unused)
 * @param hiddenSizes      widths of the hidden ReLU layers of the actor and of each critic
 * @param actorLr          Adam learning rate of the actor
 * @param criticLr         Adam learning rate of the critics
 * @param gamma            discount factor
 * @param tau              soft target update rate: θ' ← τ·θ + (1 − τ)·θ'
 * @param policyNoise      standard deviation of the noise added to target actions (target policy smoothing)
 * @param noiseClip        that noise is clipped to [−noiseClip, noiseClip]
 * @param policyDelay      critic updates per actor (and target) update
 * @param explorationNoise standard deviation of the Gaussian noise added to actions while training
 * @param replayCapacity   transitions the replay buffer keeps (the oldest are overwritten)
 * @param batchSize        transitions per update
 * @param warmupSteps      environment steps with uniformly random actions and no updates
 * @param totalSteps       environment steps of the whole training run (evaluation episodes not counted)
 * @param evalInterval     environment steps between deterministic evaluation episodes
 */
public record Td3Config(Algorithm algorithm, List<Integer> hiddenSizes, double actorLr, double criticLr, double gamma,
                        double tau, double policyNoise, double noiseClip, int policyDelay, double explorationNoise,
                        int replayCapacity, int batchSize, int warmupSteps, long totalSteps, long evalInterval) {

    /** The learning algorithm. */
    public enum Algorithm {
        /** Twin critics with clipped double-Q, target policy smoothing and delayed policy updates. */
        TD3,
        /** One critic, no smoothing, a policy update per critic update. */
        DDPG
    }

    /** @throws IllegalArgumentException naming the first invalid value */
    public Td3Config {
        if (algorithm == null) {
            throw new IllegalArgumentException("algorithm must be TD3 or DDPG");
        }
        hiddenSizes = List.copyOf(hiddenSizes);
        if (hiddenSizes.stream().anyMatch(h -> h < 1)) {
            throw new IllegalArgumentException("hidden sizes must be positive, got " + hiddenSizes);
        }
        requirePositive("actor learning rate", actorLr);
        requirePositive("critic learning rate", criticLr);
        requireUnit("gamma", gamma);
        requireUnit("tau", tau);
        requireNonNegative("policy noise", policyNoise);
        requireNonNegative("noise clip", noiseClip);
        requireNonNegative("exploration noise", explorationNoise);
        requireAtLeastOne("policy delay", policyDelay);
        requireAtLeastOne("replay capacity", replayCapacity);
        requireAtLeastOne("batch size", batchSize);
        requireAtLeastOne("total steps", totalSteps);
        requireAtLeastOne("evaluation interval", evalInterval);
        if (warmupSteps < 1 || warmupSteps > totalSteps) {
            // At least one stored transition before the first update, which samples from the buffer.
            throw new IllegalArgumentException("warm-up steps must be in [1, total steps = " + totalSteps + "], got "
                    + warmupSteps);
        }
    }

    /** The method document's values: TD3, 256-256, Adam 2e-4, γ 0.99, τ 0.01, 50,000 steps, ... */
    public static Td3Config defaults() {
        return new Td3Config(Algorithm.TD3, List.of(256, 256), 2e-4, 2e-4, 0.99, 0.01, 0.2, 0.5, 2, 0.1,
                1_000_000, 256, 2000, 50_000, 2000);
    }

    /** A builder starting from these values. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Number of critics (and critic targets): two for TD3, one for DDPG. */
    public int criticCount() {
        return algorithm == Algorithm.TD3 ? 2 : 1;
    }

    /** Critic updates per actor update: {@link #policyDelay} for TD3, 1 for DDPG. */
    public int effectivePolicyDelay() {
        return algorithm == Algorithm.TD3 ? policyDelay : 1;
    }

    private static void requirePositive(String what, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(what + " must be finite and > 0, got " + v);
        }
    }

    private static void requireNonNegative(String what, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(what + " must be finite and >= 0, got " + v);
        }
    }

    private static void requireUnit(String what, double v) {
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException(what + " must be in [0, 1], got " + v);
        }
    }

    private static void requireAtLeastOne(String what, long v) {
        if (v < 1) {
            throw new IllegalArgumentException(what + " must be >= 1, got " + v);
        }
    }

    /** Changes some values of a configuration; {@link #build()} validates the result. */
    public static final class Builder {
        private Algorithm algorithm;
        private List<Integer> hiddenSizes;
        private double actorLr;
        private double criticLr;
        private double gamma;
        private double tau;
        private double policyNoise;
        private double noiseClip;
        private int policyDelay;
        private double explorationNoise;
        private int replayCapacity;
        private int batchSize;
        private int warmupSteps;
        private long totalSteps;
        private long evalInterval;

        private Builder(Td3Config c) {
            algorithm = c.algorithm;
            hiddenSizes = c.hiddenSizes;
            actorLr = c.actorLr;
            criticLr = c.criticLr;
            gamma = c.gamma;
            tau = c.tau;
            policyNoise = c.policyNoise;
            noiseClip = c.noiseClip;
            policyDelay = c.policyDelay;
            explorationNoise = c.explorationNoise;
            replayCapacity = c.replayCapacity;
            batchSize = c.batchSize;
            warmupSteps = c.warmupSteps;
            totalSteps = c.totalSteps;
            evalInterval = c.evalInterval;
        }

        public Builder algorithm(Algorithm v) {
            algorithm = v;
            return this;
        }

        public Builder hiddenSizes(int... v) {
            hiddenSizes = IntStream.of(v).boxed().toList();
            return this;
        }

        /** Sets the learning rate of the actor and of the critics. */
        public Builder learningRate(double v) {
            actorLr = v;
            criticLr = v;
            return this;
        }

        public Builder actorLr(double v) {
            actorLr = v;
            return this;
        }

        public Builder criticLr(double v) {
            criticLr = v;
            return this;
        }

        public Builder gamma(double v) {
            gamma = v;
            return this;
        }

        public Builder tau(double v) {
            tau = v;
            return this;
        }

        public Builder policyNoise(double v) {
            policyNoise = v;
            return this;
        }

        public Builder noiseClip(double v) {
            noiseClip = v;
            return this;
        }

        public Builder policyDelay(int v) {
            policyDelay = v;
            return this;
        }

        public Builder explorationNoise(double v) {
            explorationNoise = v;
            return this;
        }

        public Builder replayCapacity(int v) {
            replayCapacity = v;
            return this;
        }

        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        public Builder warmupSteps(int v) {
            warmupSteps = v;
            return this;
        }

        public Builder totalSteps(long v) {
            totalSteps = v;
            return this;
        }

        public Builder evalInterval(long v) {
            evalInterval = v;
            return this;
        }

        /** @throws IllegalArgumentException naming the first invalid value */
        public Td3Config build() {
            return new Td3Config(algorithm, hiddenSizes, actorLr, criticLr, gamma, tau, policyNoise, noiseClip,
                    policyDelay, explorationNoise, replayCapacity, batchSize, warmupSteps, totalSteps, evalInterval);
        }
    }
}
