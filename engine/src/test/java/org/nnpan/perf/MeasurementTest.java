package org.nnpan.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MeasurementTest {

    private static final Workload IDLE = new Workload() {
        @Override
        public String name() {
            return "idle";
        }

        @Override
        public String description() {
            return "nothing";
        }

        @Override
        public double flops() {
            return 2e6;
        }

        @Override
        public void run() {
        }
    };

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
        Workload counting = new Workload() {
            @Override
            public String name() {
                return "count";
            }

            @Override
            public String description() {
                return "counts calls";
            }

            @Override
            public double flops() {
                return 0;
            }

            @Override
            public void run() {
                runs[0]++;
            }
        };
        Measurement m = Measurement.of(counting, 2, 5);
        assertEquals(7, runs[0]);
        assertEquals(5, m.millis().length);
        assertTrue(Double.isNaN(m.gflopsPerSecond()));
        assertThrows(IllegalArgumentException.class, () -> Measurement.of(counting, 0, 0));
        Measurement.warmUp(counting, 3);
        assertEquals(10, runs[0]);
        assertThrows(IllegalArgumentException.class, () -> Measurement.warmUp(counting, -1));
    }
}
