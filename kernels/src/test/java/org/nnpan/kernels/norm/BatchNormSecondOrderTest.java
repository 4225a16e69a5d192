package org.nnpan.kernels.norm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link BatchNormSecondOrder}'s element types: a float32 call gives exactly the float64 call's results on the same
 * values, rounded to float (its values are checked against the composite's derivatives in the engine's
 * {@code BatchNormSecondOrderTest}).
 */
class BatchNormSecondOrderTest {

    @Test
    void float32IsTheFloat64ResultRounded() {
        Random random = new Random(5);
        for (int trial = 0; trial < 100; trial++) {
            BatchNormKernel.Layout layout = new BatchNormKernel.Layout(1 + random.nextInt(4), 1 + random.nextInt(3),
                    1 + random.nextInt(trial % 2 == 0 ? 3 : 70));
            int n = Math.toIntExact(layout.count() * layout.channels());
            float[] x = gaussian(random, n, 2, 1);
            float[] g = gaussian(random, n, 1, 0.3);
            float[] u = gaussian(random, n, 1, 0);
            for (BatchNormSecondOrder.Of of : BatchNormSecondOrder.Of.values()) {
                boolean hasDx = of != BatchNormSecondOrder.Of.BETA;
                float[] dg32 = new float[n];
                float[] dx32 = new float[n];
                double[] dg64 = new double[n];
                double[] dx64 = new double[n];
                var f32 = new BatchNormSecondOrder.Operands(BatchNormSecondOrder.Element.F32, layout,
                        MemorySegment.ofArray(x), 0, MemorySegment.ofArray(g), 0, MemorySegment.ofArray(u), 0,
                        hasDx ? MemorySegment.ofArray(dx32) : null, MemorySegment.ofArray(dg32));
                var f64 = new BatchNormSecondOrder.Operands(BatchNormSecondOrder.Element.F64, layout,
                        MemorySegment.ofArray(widen(x)), 0, MemorySegment.ofArray(widen(g)), 0,
                        MemorySegment.ofArray(widen(u)), 0, hasDx ? MemorySegment.ofArray(dx64) : null,
                        MemorySegment.ofArray(dg64));
                for (int ch = 0; ch < layout.channels(); ch++) {
                    double gamma = random.nextGaussian();
                    double s = random.nextGaussian();
                    double eps = trial % 3 == 0 ? 1e-5 : 0.1;
                    assertEquals(BatchNormSecondOrder.channel(of, f64, ch, eps, gamma, s),
                            BatchNormSecondOrder.channel(of, f32, ch, eps, gamma, s), "dgamma, " + of + " " + layout);
                }
                for (int k = 0; k < n; k++) {
                    assertEquals((float) dg64[k], dg32[k], "dg[" + k + "], " + of + " " + layout);
                    assertEquals((float) dx64[k], dx32[k], "dx[" + k + "], " + of + " " + layout);
                }
            }
        }
    }

    @Test
    void theBetaRuleRefusesAnXGradient() {
        BatchNormKernel.Layout layout = new BatchNormKernel.Layout(2, 1, 1);
        var o = new BatchNormSecondOrder.Operands(BatchNormSecondOrder.Element.F32, layout,
                MemorySegment.ofArray(new float[2]), 0, MemorySegment.ofArray(new float[2]), 0, null, 0,
                MemorySegment.ofArray(new float[2]), MemorySegment.ofArray(new float[2]));
        assertThrows(IllegalArgumentException.class,
                () -> BatchNormSecondOrder.channel(BatchNormSecondOrder.Of.BETA, o, 0, 1e-5, 1, 1));
    }

    private static float[] gaussian(Random random, int n, double std, double mean) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (mean + std * random.nextGaussian());
        }
        return v;
    }

    private static double[] widen(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
