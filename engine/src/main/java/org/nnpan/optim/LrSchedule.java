package org.nnpan.optim;

import java.util.List;
import java.util.Locale;

/**
 * A learning rate as a pure function of the position in training, so a resumed run needs no scheduler state.
 *
 * <p>The main schedules change once per epoch, like PyTorch's {@code CosineAnnealingLR} and {@code MultiStepLR}
 * stepped after every epoch (the reference implementation's arrangement): epoch {@code e} (from 0) of {@code E}
 * trains with {@code lr(e)}, and the cosine reaches 0 at {@code e = E}, after the last epoch. The optional
 * {@link LinearWarmup} ramps per step, because a per-epoch ramp would be too coarse for short warm-ups.
 */
public sealed interface LrSchedule {

    /** The valid schedule names, in the order help texts list them. */
    List<String> NAMES = List.of("cosine", "multistep", "constant");

    /**
     * The learning rate of step {@code step} (from 0) of epoch {@code epoch} (from 0), for epochs of
     * {@code stepsPerEpoch} steps.
     */
    double lr(int epoch, int step, int stepsPerEpoch);

    /** The same rate throughout. */
    record Constant(double base) implements LrSchedule {
        @Override
        public double lr(int epoch, int step, int stepsPerEpoch) {
            return base;
        }
    }

    /** {@code base·(1 + cos(π·epoch/epochs))/2}: PyTorch's {@code CosineAnnealingLR(T_max = epochs, eta_min = 0)}. */
    record Cosine(double base, int epochs) implements LrSchedule {
        public Cosine {
            if (epochs < 1) {
                throw new IllegalArgumentException("cosine schedule needs epochs >= 1, got " + epochs);
            }
        }

        @Override
        public double lr(int epoch, int step, int stepsPerEpoch) {
            return base * (1 + Math.cos(Math.PI * epoch / epochs)) / 2;
        }
    }

    /** {@code base·gamma^k} where k counts the milestones ≤ epoch: PyTorch's {@code MultiStepLR}. */
    record MultiStep(double base, List<Integer> milestones, double gamma) implements LrSchedule {
        public MultiStep {
            milestones = List.copyOf(milestones);
            for (int i = 0; i < milestones.size(); i++) {
                if (milestones.get(i) < 1 || (i > 0 && milestones.get(i) <= milestones.get(i - 1))) {
                    throw new IllegalArgumentException("milestones must be increasing epochs >= 1, got " + milestones);
                }
            }
            if (!(gamma > 0) || Double.isInfinite(gamma)) {
                throw new IllegalArgumentException("gamma must be finite and > 0, got " + gamma);
            }
        }

        @Override
        public double lr(int epoch, int step, int stepsPerEpoch) {
            long passed = milestones.stream().filter(m -> m <= epoch).count();
            return base * Math.pow(gamma, passed);
        }
    }

    /**
     * {@code then}'s rate scaled by {@code min(1, (s + 1)/(warmupEpochs·stepsPerEpoch))}, where s counts the steps
     * from the start of training: a linear ramp over the first {@code warmupEpochs} epochs.
     */
    record LinearWarmup(LrSchedule then, int warmupEpochs) implements LrSchedule {
        public LinearWarmup {
            if (warmupEpochs < 1) {
                throw new IllegalArgumentException("warm-up needs epochs >= 1, got " + warmupEpochs);
            }
        }

        @Override
        public double lr(int epoch, int step, int stepsPerEpoch) {
            double progress = ((double) epoch * stepsPerEpoch + step + 1) / ((double) warmupEpochs * stepsPerEpoch);
            return then.lr(epoch, step, stepsPerEpoch) * Math.min(1, progress);
        }
    }

    /**
     * The schedule {@code name} (case-insensitive) from {@code base} over {@code epochs} epochs, with a linear
     * warm-up when {@code warmupEpochs > 0}.
     *
     * @param milestones epochs where {@code multistep} multiplies by {@code gamma}; empty means the usual
     *                   {@code [epochs/2, 3·epochs/4]}
     * @throws IllegalArgumentException for an unknown name (listing the valid ones) or invalid values
     */
    static LrSchedule create(String name, double base, int epochs, List<Integer> milestones, double gamma,
                             int warmupEpochs) {
        LrSchedule main = switch (name.toLowerCase(Locale.ROOT)) {
            case "cosine" -> new Cosine(base, epochs);
            case "multistep" -> new MultiStep(base, milestones.isEmpty() ? defaultMilestones(epochs) : milestones,
                    gamma);
            case "constant" -> new Constant(base);
            default -> throw new IllegalArgumentException("unknown schedule '" + name + "'; valid names: "
                    + String.join(", ", NAMES));
        };
        if (warmupEpochs < 0) {
            throw new IllegalArgumentException("warm-up epochs must be >= 0, got " + warmupEpochs);
        }
        return warmupEpochs > 0 ? new LinearWarmup(main, warmupEpochs) : main;
    }

    /** Half-way and three quarters through training, as in the GraSP experiments. */
    private static List<Integer> defaultMilestones(int epochs) {
        int half = Math.max(1, epochs / 2);
        return List.of(half, Math.max(half + 1, 3 * epochs / 4));
    }
}
