package org.nnpan.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.nnpan.autograd.Autograd;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * {@link BatchNormGradient}: batch norm's recorded gradient has, bit for bit, the values of the composite's recorded
 * gradient, the formula it replaced, and (through d_x, in a pass that records nothing: the closed-form rule) its second
 * derivatives to rounding; and a create-graph pass over it keeps no input-sized intermediate.
 */
class BatchNormGradientTest {
    private static final double EPS = 1e-5;

    @Test
    void valuesAreTheCompositesBitForBitAndSecondDerivativesToRounding() {
        for (long seed = 1; seed <= 6; seed++) {
            DType dtype = seed % 2 == 0 ? DType.F64 : DType.F32;
            SplittableRandom rng = new SplittableRandom(seed);
            int n = 2 + rng.nextInt(4);
            int c = 1 + rng.nextInt(4);
            int hw = 1 + rng.nextInt(5);
            Tensor[] in = {
                Tensor.randn(rng, 1, dtype, n, c, hw, hw), Tensor.randn(rng, 1, dtype, c), Tensor.randn(rng, 1, dtype, c),
                Tensor.randn(rng, 1, dtype, n, c, hw, hw)}; // x, γ, β, g
            Tensor v = Tensor.randn(rng, 1, dtype, n, c, hw, hw);
            for (boolean scoped : new boolean[] {false, true}) {
                double[][] recorded = derivatives(in, v, scoped,
                        t -> Normalization.batchNorm(t[0], t[1], t[2], null, null, true, 0.1, EPS));
                double[][] composite = derivatives(in, v, scoped, t -> Normalization.composite(t[0], t[1], t[2], EPS));
                for (int i = 0; i < recorded.length; i++) {
                    String what = "seed " + seed + ", " + dtype + ", scoped " + scoped + ", result " + i;
                    if (i < 3) {
                        assertArrayEquals(composite[i], recorded[i], what);
                    } else {
                        assertClose(composite[i], recorded[i], dtype == DType.F64 ? 1e-10 : 1e-4, what);
                    }
                }
            }
        }
    }

    /**
     * Every |expected − actual| at most {@code tolerance} times the larger of 1 and the largest |expected| (the closed
     * form's cancellations are relative to terms of order 1 here, not to the result).
     */
    private static void assertClose(double[] expected, double[] actual, double tolerance, String what) {
        double scale = 1;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int k = 0; k < expected.length; k++) {
            double error = Math.abs(expected[k] - actual[k]);
            assertTrue(error <= tolerance * scale,
                    what + " [" + k + "]: expected " + expected[k] + ", got " + actual[k]);
        }
    }

    @Test
    void aCreateGraphPassKeepsNoInputSizedIntermediate() {
        SplittableRandom rng = new SplittableRandom(7);
        try (MemoryScope s = MemoryScope.open("bn")) {
            Tensor x = Tensor.randn(rng, 1, DType.F32, 8, 4, 8, 8).requiresGrad(true);
            Tensor gamma = Tensor.randn(rng, 1, DType.F32, 4).requiresGrad(true);
            Tensor beta = Tensor.randn(rng, 1, DType.F32, 4).requiresGrad(true);
            Tensor g = Tensor.randn(rng, 1, DType.F32, 8, 4, 8, 8).requiresGrad(true);
            Tensor y = Normalization.batchNorm(x, gamma, beta, null, null, true, 0.1, EPS);
            long before = s.liveBytes();
            Tensor[] d = Autograd.grad(new Tensor[] {y}, new Tensor[] {x, gamma, beta}, new Tensor[] {g}, true);
            long kept = s.liveBytes() - before;
            long xBytes = x.numel() * Float.BYTES;
            // d_x itself and the small d_γ, d_β; the composite's recorded formula kept x − mean, x̂ and g·γ besides.
            assertTrue(kept < 3 * xBytes / 2, "kept " + kept + " bytes for an input of " + xBytes);
            assertTrue(d[0].requiresGrad());
        }
    }

    /**
     * d = ∂⟨f(x, γ, β), g⟩/∂(x, γ, β) with the graph recorded, then ∂⟨d_x, v⟩/∂(x, γ, β, g): the shape of GraSP's
     * two passes (‖g‖² over convolution weights reaches batch norm through d_x only); every value of d and of the
     * second gradients, in order. When d_γ and d_β enter the objective too, their ops' contributions are summed per op
     * rather than interleaved, so the second gradients agree to rounding only (the finite-difference checks in
     * {@link OpsGradCheckTest} cover that case).
     */
    private static double[][] derivatives(Tensor[] values, Tensor v, boolean scoped, Function<Tensor[], Tensor> f) {
        Tensor[] in = new Tensor[values.length];
        for (int i = 0; i < in.length; i++) {
            in[i] = values[i].detach().requiresGrad(true);
        }
        try (MemoryScope s = scoped ? MemoryScope.open("bn") : null) {
            Tensor h = f.apply(in).mul(1.0); // not the leaf: the gradient reaches g through a recorded op
            Tensor[] d = Autograd.grad(new Tensor[] {h}, new Tensor[] {in[0], in[1], in[2]}, new Tensor[] {in[3]}, true);
            double[][] first = {d[0].toDoubleArray(), d[1].toDoubleArray(), d[2].toDoubleArray()};
            Tensor objective = d[0].mul(v).sum();
            Tensor[] second = Autograd.grad(new Tensor[] {objective}, in, null, false);
            return new double[][] {first[0], first[1], first[2], second[0].toDoubleArray(), second[1].toDoubleArray(),
                second[2].toDoubleArray(), second[3].toDoubleArray()};
        }
    }
}
