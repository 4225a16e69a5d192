package org.nnpan.ops;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nnpan.autograd.Autograd;
import org.nnpan.backend.Backend;
import org.nnpan.backend.Backends;
import org.nnpan.kernels.norm.BatchNormSecondOrder;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/**
 * Property: on random shapes (including channels of one to three elements), ε, γ (negative, or absent) and data, both
 * backends' closed-form second-order rule ({@link Backend#batchNormSecondOrder}) equals the derivatives of the
 * composite's recorded first-order gradient, the definition it replaces in a non-recording pass.
 */
class BatchNormSecondOrderTest {
    private static final double[] EPS = {1e-5, 1e-3, 0.1, 1};

    @Test
    void float64MatchesTheCompositesDerivativesOnBothBackends() {
        for (Backend backend : new Backend[] {Backends.reference(), Backends.cpu()}) {
            double worst = 0;
            for (long seed = 1; seed <= 150; seed++) {
                worst = Math.max(worst, check(backend, seed, DType.F64, 1e-10));
            }
            System.out.printf("batch-norm second order, %s float64: worst relative error %.2e%n", backend.name(),
                    worst);
        }
    }

    @Test
    void float32MatchesTheCompositesDerivativesToFloatRounding() {
        for (long seed = 1; seed <= 60; seed++) {
            check(Backends.cpu(), seed, DType.F32, 1e-5);
        }
    }

    /**
     * Runs one random case for each of the three rules on {@code backend} in {@code dtype} against the composite's
     * derivatives in float64 at the same values; fails when a gradient's largest error exceeds {@code tolerance} times
     * its largest magnitude. Returns the largest such ratio.
     */
    private static double check(Backend backend, long seed, DType dtype, double tolerance) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] shape = rng.nextBoolean()
                ? new int[] {1 + rng.nextInt(4), 1 + rng.nextInt(3), 1 + rng.nextInt(4), 1 + rng.nextInt(4)}
                : new int[] {1 + rng.nextInt(6), 1 + rng.nextInt(3)};
        int c = shape[1];
        double eps = EPS[rng.nextInt(EPS.length)];
        double worst = 0;
        try (Backends.Use use = Backends.use(backend)) {
            Tensor x = Tensor.randn(rng, 0.1 + 3 * rng.nextDouble(), dtype, shape).add(4 * rng.nextDouble() - 2);
            Tensor g = Tensor.randn(rng, 1, dtype, shape).add(rng.nextDouble() - 0.5);
            Tensor gamma = seed % 5 == 0 ? null : Tensor.randn(rng, 1, dtype, c);
            Tensor beta = Tensor.randn(rng, 1, dtype, c);
            for (BatchNormSecondOrder.Of of : BatchNormSecondOrder.Of.values()) {
                if (of == BatchNormSecondOrder.Of.GAMMA && gamma == null) {
                    continue;
                }
                Tensor u = Tensor.randn(rng, 1, dtype, of == BatchNormSecondOrder.Of.X ? shape : new int[] {c});
                Tensor[] fused = backend.batchNormSecondOrder(of, u, g, x, gamma, eps,
                        new boolean[] {true, true, gamma != null});
                Tensor[] expected = composite(of, u, g, x, gamma, beta, eps);
                double terms = termScale(x, eps, gamma, g, u);
                String[] names = {"dg", "dx", "dgamma"};
                for (int i = 0; i < expected.length; i++) {
                    String what = backend.name() + " " + dtype + " seed " + seed + " " + Arrays.toString(shape)
                            + " eps " + eps + " rule d_" + of + " " + names[i];
                    worst = Math.max(worst, compare(what, expected[i], fused[i], terms, tolerance));
                }
            }
        }
        return worst;
    }

    /**
     * ∂⟨d, u⟩/∂(g, x, γ) through the composite in float64 (γ's entry null without γ), where d is its recorded gradient
     * w.r.t. x, γ or β against g: what {@link BatchNormGradient}'s recording branch computes.
     */
    private static Tensor[] composite(BatchNormSecondOrder.Of of, Tensor u, Tensor g, Tensor x, Tensor gamma,
            Tensor beta, double eps) {
        Tensor xl = leaf(x);
        Tensor gl = leaf(g);
        Tensor gammaL = gamma == null ? null : leaf(gamma);
        Tensor betaL = leaf(beta);
        Tensor y = Normalization.composite(xl, gammaL, betaL, eps);
        Tensor wrt = switch (of) {
            case X -> xl;
            case GAMMA -> gammaL;
            case BETA -> betaL;
        };
        Tensor first = Autograd.grad(new Tensor[] {y}, new Tensor[] {wrt}, new Tensor[] {gl}, true)[0];
        Tensor[] inputs = gammaL == null ? new Tensor[] {gl, xl} : new Tensor[] {gl, xl, gammaL};
        Tensor[] second = Autograd.grad(new Tensor[] {first}, inputs, new Tensor[] {u.to(DType.F64)}, false);
        return gammaL == null ? new Tensor[] {second[0], second[1], null} : second;
    }

    private static Tensor leaf(Tensor t) {
        return t.to(DType.F64).detach().requiresGrad(true);
    }

    /**
     * The size of the terms the rules add up: max over channels of (|γ| + 1)(a + a²), times (max |u| + 1)(max |g| + 1),
     * with a = 1/√(var + ε). A result can be far smaller (two elements per channel: x̂ = ±1, and batch norm's output
     * hardly depends on x), and then its rounding error is relative to the terms, not to the result.
     */
    private static double termScale(Tensor x, double eps, Tensor gamma, Tensor g, Tensor u) {
        int n = x.size(0);
        int c = x.size(1);
        int inner = (int) (x.numel() / ((long) n * c));
        double[] xv = x.toDoubleArray();
        double[] gammaV = gamma == null ? new double[c] : gamma.toDoubleArray();
        double scale = 0;
        for (int ch = 0; ch < c; ch++) {
            double mean = 0;
            for (int b = 0; b < n; b++) {
                for (int i = 0; i < inner; i++) {
                    mean += xv[(b * c + ch) * inner + i] / ((double) n * inner);
                }
            }
            double var = 0;
            for (int b = 0; b < n; b++) {
                for (int i = 0; i < inner; i++) {
                    double d = xv[(b * c + ch) * inner + i] - mean;
                    var += d * d / ((double) n * inner);
                }
            }
            double a = 1 / Math.sqrt(var + eps);
            scale = Math.max(scale, (Math.abs(gammaV[ch]) + 1) * (a + a * a));
        }
        return scale * (maxAbs(u.toDoubleArray()) + 1) * (maxAbs(g.toDoubleArray()) + 1);
    }

    private static double maxAbs(double[] v) {
        double m = 0;
        for (double e : v) {
            m = Math.max(m, Math.abs(e));
        }
        return m;
    }

    /**
     * The largest |expected − actual| (null counts as zeros) over the larger of the largest |expected| and the
     * {@code terms}' size; asserts it is at most {@code tolerance} and returns it.
     */
    private static double compare(String what, Tensor expected, Tensor actual, double terms, double tolerance) {
        if (expected == null) {
            assertTrue(actual == null, what + ": expected no gradient");
            return 0;
        }
        double[] e = expected.toDoubleArray();
        double[] a = actual == null ? new double[e.length] : actual.toDoubleArray();
        double error = 0;
        for (int k = 0; k < e.length; k++) {
            error = Math.max(error, Math.abs(e[k] - a[k]));
        }
        double ratio = error / Math.max(maxAbs(e), terms);
        assertTrue(ratio <= tolerance, what + ": largest error " + error + " for largest magnitude " + maxAbs(e)
                + " and terms of size " + terms);
        return ratio;
    }
}
