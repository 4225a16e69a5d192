package org.nnpan.report;

/**
 * Mean and sample standard deviation of a few repeated measurements (e.g. one per seed).
 *
 * @param n    number of measurements; 0 only for {@link #NONE}
 * @param mean arithmetic mean
 * @param std  sample standard deviation (divisor n − 1); NaN when n = 1, where it is undefined (the tables print
 *             "–", JSON writes null and CSV leaves the field empty)
 */
public record Stats(int n, double mean, double std) {

    /** No measurements (e.g. every run of a group failed): mean and standard deviation undefined (NaN). */
    public static final Stats NONE = new Stats(0, Double.NaN, Double.NaN);

    /**
     * Summarises {@code values} (two-pass, so that large means do not cancel the deviations).
     *
     * @throws IllegalArgumentException if there are none
     */
    public static Stats of(double... values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("statistics of no values");
        }
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        double mean = sum / values.length;
        if (values.length == 1) {
            return new Stats(1, mean, Double.NaN);
        }
        double squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        return new Stats(values.length, mean, Math.sqrt(squares / (values.length - 1)));
    }

    /** The standard deviation, or 0 for a single measurement (for error bars). */
    public double stdOrZero() {
        return n == 1 ? 0 : std;
    }
}
