package org.nnpan.pruning;

/**
 * How the kept fraction shrinks over the steps of iterative pruning towards the target density d. With one step
 * both schedules are one-shot pruning; the last step always lands exactly on d.
 */
public enum Schedule {
    /** After step t of T the density is d^((t+1)/T): the same fraction of the remaining weights goes each step. */
    EXPONENTIAL("exp") {
        @Override
        double fraction(double target, double progress) {
            return Math.pow(target, progress);
        }
    },
    /** After step t of T the density is 1 − (1 − d)·(t+1)/T: the same number of weights goes each step. */
    LINEAR("linear") {
        @Override
        double fraction(double target, double progress) {
            return 1 - (1 - target) * progress;
        }
    };

    private final String cliName;

    Schedule(String cliName) {
        this.cliName = cliName;
    }

    /** The option value: {@code exp} or {@code linear}. */
    public String cliName() {
        return cliName;
    }

    /**
     * The schedule named {@code name} ({@code exp} or {@code linear}).
     *
     * @throws IllegalArgumentException listing the valid names
     */
    public static Schedule parse(String name) {
        for (Schedule s : values()) {
            if (s.cliName.equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown schedule '" + name + "'; valid: exp, linear");
    }

    /** The density in effect after 0-based step {@code step} of {@code steps}. */
    public Density densityAfter(int step, int steps, Density target) {
        if (steps < 1 || step < 0 || step >= steps) {
            throw new IllegalArgumentException("step " + step + " is outside 0.." + (steps - 1));
        }
        return step == steps - 1 ? target : new Density(fraction(target.value(), (step + 1) / (double) steps));
    }

    abstract double fraction(double target, double progress);
}
