package org.nnpan.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MeasurementTest {

    private static final Workload IDLE = workload(2e6, () -> {
    });

    /** A workload of {@code flops} per call that runs {@code body}. */
    private static Workload workload(double flops, Runnable body) {
        return new Workload() {
            @Override
            public String name() {
                return "test";
            }

            @Override
            public String description() {
                return "a test body";
            }

            @Override
            public double flops() {
                return flops;
            }

            @Override
            public void run() {
                body.run();
            }
        };
    }

    @Test
    void quantilesAreOrderStatisticsOfTheSamples() {
        SplittableRandom rng = new SplittableRandom(3);
        for (int trial = 0; trial < 50; trial++) {
            double[] t = rng.doubles(1 + rng.nextInt(20), 0, 100).toArray();
            Measurement m = new Measurement(IDLE, t);
            double[] sorted = t.clone();
            Arrays.sort(sorted);
            int n = sorted.length;
            double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
            assertEquals(median, m.median(), 1e-12);
            assertEquals(sorted[0], m.min());
            assertEquals(sorted[n - 1], m.max());
            assertTrue(m.quantile(0.25) <= m.median() && m.median() <= m.quantile(0.9));
        }
    }

    @Test
    void rateUsesTheMedian() {
        Measurement m = new Measurement(IDLE, new double[] {1, 2, 100});
        assertEquals(2e6 / (2 * 1e6), m.gflopsPerSecond(), 1e-12);
    }

    @Test
    void timesEveryCallAfterTheWarmUp() {
        int[] runs = {0};
        Workload counting = workload(0, () -> runs[0]++);
        Measurement m = Measurement.of(counting, 2, 5);
        assertEquals(7, runs[0]);
        assertEquals(5, m.millis().length);
        assertTrue(Double.isNaN(m.gflopsPerSecond()));
        assertThrows(IllegalArgumentException.class, () -> Measurement.of(counting, 0, 0));
        Measurement.warmUp(counting, 3);
        assertEquals(10, runs[0]);
        assertThrows(IllegalArgumentException.class, () -> Measurement.warmUp(counting, -1));
    }

    @Test
    void pacerWrapsEveryCallOutsideItsTime() {
        StringBuilder log = new StringBuilder();
        List<Double> told = new ArrayList<>();
        Workload logged = workload(0, () -> log.append('r'));
        Pacer slow = new Pacer() {
            @Override
            public void beforeCall() {
                log.append('b');
                try {
                    Thread.sleep(30);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void afterCall(double millis) {
                log.append('a');
                told.add(millis);
            }
        };
        Measurement m = Measurement.of(logged, 2, 3, slow);
        assertEquals("bra".repeat(5), log.toString());
        assertEquals(5, told.size());
        double[] timed = told.subList(2, 5).stream().mapToDouble(Double::doubleValue).toArray();
        assertTrue(Arrays.equals(timed, m.millis()), "the measurement keeps the times the pacer was told");
        // The pacer's 30 ms waits are outside the timed interval: an empty call takes far less.
        assertTrue(m.max() < 25, "max " + m.max() + " ms");
        Measurement.warmUp(logged, 1, slow);
        assertEquals("bra".repeat(6), log.toString());
    }
}
