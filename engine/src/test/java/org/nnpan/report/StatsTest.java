package org.nnpan.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class StatsTest {

    /** {@code n} values with sample mean exactly 0 and sample standard deviation exactly 1 (up to rounding). */
    private static double[] standardised(SplittableRandom rng, int n) {
        double[] z = rng.doubles(n, -1, 1).toArray();
        double mean = 0;
        for (double v : z) {
            mean += v / n;
        }
        double squares = 0;
        for (int i = 0; i < n; i++) {
            z[i] -= mean;
            squares += z[i] * z[i];
        }
        double std = Math.sqrt(squares / (n - 1));
        for (int i = 0; i < n; i++) {
            z[i] /= std;
        }
        return z;
    }

    @Test
    void meanAndSampleStdOfConstructedSamplesAreTheConstructionsLocationAndScale() {
        SplittableRandom rng = new SplittableRandom(6);
        for (int trial = 0; trial < 200; trial++) {
            int n = 2 + rng.nextInt(10);
            double location = rng.nextDouble(-100, 100);
            double scale = rng.nextDouble(1e-3, 10);
            double[] z = standardised(rng, n);
            double[] x = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = location + scale * z[i];
            }
            Stats s = Stats.of(x);
            assertEquals(n, s.n());
            assertEquals(location, s.mean(), 1e-9 * Math.max(1, Math.abs(location)), "trial " + trial);
            assertEquals(scale, s.std(), 1e-9 * Math.max(1, Math.abs(location)), "trial " + trial);
        }
    }

    @Test
    void knownSmallSamples() {
        Stats s = Stats.of(1, 2, 3, 4);
        assertEquals(2.5, s.mean(), 1e-15);
        assertEquals(Math.sqrt(5.0 / 3), s.std(), 1e-15); // squares 2.25 + 0.25 + 0.25 + 2.25 = 5 over n - 1 = 3
        assertEquals(0, Stats.of(7, 7, 7).std());
    }

    @Test
    void aSingleRunHasNoStandardDeviation() {
        Stats s = Stats.of(91.5);
        assertEquals(91.5, s.mean());
        assertTrue(Double.isNaN(s.std()));
        assertEquals(0, s.stdOrZero());
        assertThrows(IllegalArgumentException.class, Stats::of);
    }
}
