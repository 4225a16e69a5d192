package org.nnpan.perf;

import java.util.Arrays;

/**
 * The timings of one workload: every measured call's wall time, in milliseconds, in call order.
 *
 * @param workload what was timed
 * @param millis   the measured calls' times (warm-up calls excluded)
 */
public record Measurement(Workload workload, double[] millis) {

    public Measurement {
        if (millis.length == 0) {
            throw new IllegalArgumentException("a measurement needs at least one timed call");
        }
        millis = millis.clone();
    }

    /**
     * Times {@code calls} calls of {@code workload} after {@code warmup} untimed ones (which let the JIT compile and
     * the buffer pool fill).
     */
    public static Measurement of(Workload workload, int warmup, int calls) {
        return of(workload, warmup, calls, Pacer.NONE);
    }

    /** {@link #of(Workload, int, int)} with {@code pacer}'s hooks around every call, the warm-up ones included. */
    public static Measurement of(Workload workload, int warmup, int calls, Pacer pacer) {
        if (warmup < 0 || calls < 1) {
            throw new IllegalArgumentException("need warmup >= 0 and calls >= 1, got " + warmup + " and " + calls);
        }
        warmUp(workload, warmup, pacer);
        double[] ms = new double[calls];
        for (int i = 0; i < calls; i++) {
            ms[i] = timed(workload, pacer);
        }
        return new Measurement(workload, ms);
    }

    /** Runs {@code calls} untimed calls of {@code workload}, for the JIT and the buffer pool. */
    public static void warmUp(Workload workload, int calls) {
        warmUp(workload, calls, Pacer.NONE);
    }

    /** {@link #warmUp(Workload, int)} with {@code pacer}'s hooks around every call. */
    public static void warmUp(Workload workload, int calls, Pacer pacer) {
        if (calls < 0) {
            throw new IllegalArgumentException("need warmup >= 0, got " + calls);
        }
        for (int i = 0; i < calls; i++) {
            timed(workload, pacer);
        }
    }

    /** One call's wall time in milliseconds, the pacer's hooks outside it. */
    private static double timed(Workload workload, Pacer pacer) {
        pacer.beforeCall();
        long start = System.nanoTime();
        workload.run();
        double ms = (System.nanoTime() - start) / 1e6;
        pacer.afterCall(ms);
        return ms;
    }

    /** The median time (the mean of the two middle ones for an even count); machines are noisy, so quote this. */
    public double median() {
        return quantile(0.5);
    }

    /** The fastest call. */
    public double min() {
        return quantile(0);
    }

    /** The slowest call. */
    public double max() {
        return quantile(1);
    }

    /** Linear-interpolated quantile {@code q} in [0, 1] of the call times. */
    public double quantile(double q) {
        double[] sorted = millis.clone();
        Arrays.sort(sorted);
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /** GFLOP/s at the median time, or NaN when the workload has no meaningful FLOP count. */
    public double gflopsPerSecond() {
        return workload.flops() > 0 ? workload.flops() / (median() * 1e6) : Double.NaN;
    }

    @Override
    public double[] millis() {
        return millis.clone();
    }
}
