package org.nnpan.backend;

/** Reductions over axes. */
public enum ReduceOp {
    SUM(0) {
        @Override
        public double combine(double acc, double x) {
            return acc + x;
        }
    },
    MAX(Double.NEGATIVE_INFINITY) {
        @Override
        public double combine(double acc, double x) {
            return Math.max(acc, x);
        }
    },
    MIN(Double.POSITIVE_INFINITY) {
        @Override
        public double combine(double acc, double x) {
            return Math.min(acc, x);
        }
    };

    private final double identity;

    ReduceOp(double identity) {
        this.identity = identity;
    }

    /** The value of an empty reduction. */
    public double identity() {
        return identity;
    }

    /** Folds one element into the accumulator. */
    public abstract double combine(double acc, double x);
}
