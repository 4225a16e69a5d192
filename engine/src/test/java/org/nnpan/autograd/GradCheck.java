package org.nnpan.autograd;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import java.util.function.Function;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/**
 * Finite-difference oracle for first and second derivatives, in float64. For f: inputs → output and a fixed random
 * upstream gradient u, the objective is L(x) = ⟨f(x), u⟩. The first-order check compares ∂L/∂x_i with central
 * differences of L; the second-order check compares the double-backward product ∂⟨∇L(x), v⟩/∂x_i with central
 * differences of ⟨∇L, v⟩ (computed by first-order autograd) for a random direction v.
 */
public final class GradCheck {
    /** Relative tolerance, DL4J-style: |a - n| / max(|a|, |n|). */
    public static final double REL_TOL = 1e-3;
    /** Absolute floor below which differences are ignored. */
    public static final double ABS_TOL = 1e-6;
    private static final double EPS = 1e-6;

    private GradCheck() {
    }

    /** Makes float64 leaves that require gradients from the given shapes with seeded values in [-1, 1]. */
    public static Tensor[] inputs(long seed, int[]... shapes) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor[] xs = new Tensor[shapes.length];
        for (int i = 0; i < shapes.length; i++) {
            xs[i] = Tensor.uniform(rng, -1, 1, DType.F64, shapes[i]).requiresGrad(true);
        }
        return xs;
    }

    /** Checks first derivatives w.r.t. every input, and second derivatives when {@code secondOrder}. */
    public static void check(String name, Function<Tensor[], Tensor> f, Tensor[] xs, boolean secondOrder) {
        SplittableRandom rng = new SplittableRandom(name.hashCode());
        Tensor out = f.apply(xs);
        Tensor u = Tensor.uniform(rng, -1, 1, DType.F64, out.shape());
        Function<Tensor[], Double> objective = in -> dot(f.apply(in), u);

        Tensor[] analytic = Autograd.grad(new Tensor[] {out}, xs, new Tensor[] {u}, false);
        for (int i = 0; i < xs.length; i++) {
            double[] numeric = numericGradient(objective, xs, i);
            compare(name + ": d/d input " + i, analytic[i].toDoubleArray(), numeric);
        }
        if (!secondOrder) {
            return;
        }
        Tensor[] vs = new Tensor[xs.length];
        for (int i = 0; i < xs.length; i++) {
            vs[i] = Tensor.uniform(rng, -1, 1, DType.F64, xs[i].shape());
        }
        // h(x) = sum_i <dL/dx_i, v_i>, differentiated by double backward ...
        Tensor[] g = Autograd.grad(new Tensor[] {f.apply(xs)}, xs, new Tensor[] {u}, true);
        Tensor h = null;
        for (int i = 0; i < xs.length; i++) {
            if (!g[i].requiresGrad()) {
                continue; // this gradient does not depend on the inputs: its derivative is zero
            }
            Tensor term = g[i].mul(vs[i]).sum();
            h = h == null ? term : h.add(term);
        }
        Tensor[] hvp = h == null ? null : Autograd.grad(new Tensor[] {h}, xs, null, false);
        // ... and by finite differences of first-order gradients.
        Function<Tensor[], Double> firstOrder = in -> {
            Tensor[] gi = Autograd.grad(new Tensor[] {f.apply(in)}, in, new Tensor[] {u}, false);
            double s = 0;
            for (int i = 0; i < gi.length; i++) {
                s += dot(gi[i], vs[i]);
            }
            return s;
        };
        for (int i = 0; i < xs.length; i++) {
            double[] numeric = numericGradient(firstOrder, xs, i);
            double[] a = hvp == null ? new double[numeric.length] : hvp[i].toDoubleArray();
            compare(name + ": second derivative w.r.t. input " + i, a, numeric);
        }
    }

    private static double dot(Tensor a, Tensor b) {
        double[] x = a.toDoubleArray();
        double[] y = b.toDoubleArray();
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }

    private static double[] numericGradient(Function<Tensor[], Double> objective, Tensor[] xs, int which) {
        Tensor x = xs[which];
        double[] out = new double[(int) x.numel()];
        for (int k = 0; k < out.length; k++) {
            double orig = x.storage().getDouble(k);
            x.storage().setDouble(k, orig + EPS);
            double plus = objective.apply(xs);
            x.storage().setDouble(k, orig - EPS);
            double minus = objective.apply(xs);
            x.storage().setDouble(k, orig);
            out[k] = (plus - minus) / (2 * EPS);
        }
        return out;
    }

    /** Fails with the first mismatches listed when analytic and numeric values differ beyond tolerance. */
    public static void compare(String what, double[] analytic, double[] numeric) {
        StringBuilder errors = new StringBuilder();
        int bad = 0;
        double worst = 0;
        for (int k = 0; k < analytic.length; k++) {
            double diff = Math.abs(analytic[k] - numeric[k]);
            double rel = diff / Math.max(Math.abs(analytic[k]), Math.abs(numeric[k]));
            if (diff > ABS_TOL && rel > REL_TOL) {
                worst = Math.max(worst, rel);
                if (bad++ < 5) {
                    errors.append(String.format("%n  [%d] analytic %.9g numeric %.9g (rel %.3g)", k, analytic[k], numeric[k], rel));
                }
            }
        }
        if (bad > 0) {
            fail(what + ": " + bad + " of " + analytic.length + " elements differ, worst relative error " + worst + errors);
        }
    }
}
