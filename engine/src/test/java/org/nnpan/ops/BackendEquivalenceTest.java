package org.nnpan.ops;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nnpan.autograd.Autograd;
import org.nnpan.autograd.GradCheck;
import org.nnpan.backend.Backend;
import org.nnpan.backend.Backends;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/**
 * The optimised CPU backend against the reference backend in float32 and float64 (SynFlow's precision): every op's
 * output and input gradients, for contiguous inputs and for the same values laid out as transposed (strided) views.
 */
class BackendEquivalenceTest {

    static Stream<Arguments> cases() {
        return OpCases.cases().stream().flatMap(c -> Stream.of(DType.F32, DType.F64).flatMap(dt -> Stream.of(
                Arguments.of(c.name() + " " + dt, c, dt, false),
                Arguments.of(c.name() + " " + dt + " (strided inputs)", c, dt, true))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void cpuMatchesReference(String name, OpCases.Case c, DType dtype, boolean strided) {
        double[][] ref = run(Backends.reference(), c, dtype, strided);
        double[][] cpu = run(Backends.cpu(), c, dtype, strided);
        for (int i = 0; i < ref.length; i++) {
            compare(name + (i == 0 ? ": output" : ": gradient of input " + (i - 1)), ref[i], cpu[i]);
        }
    }

    private static void compare(String what, double[] expected, double[] actual) {
        StringBuilder sb = new StringBuilder();
        int bad = 0;
        for (int k = 0; k < expected.length; k++) {
            double diff = Math.abs(expected[k] - actual[k]);
            if (diff > 1e-5 && diff / Math.max(Math.abs(expected[k]), Math.abs(actual[k])) > 1e-5) {
                if (bad++ < 5) {
                    sb.append(String.format("%n  [%d] reference %.9g cpu %.9g", k, expected[k], actual[k]));
                }
            }
        }
        if (bad > 0) {
            GradCheck.compare(what, expected, actual); // reports with the shared format
            throw new AssertionError(what + ": " + bad + " mismatches" + sb);
        }
    }

    /** Output and input gradients (upstream gradient seeded) of case {@code c} on {@code backend}. */
    private static double[][] run(Backend backend, OpCases.Case c, DType dtype, boolean strided) {
        try (Backends.Use u = Backends.use(backend)) {
            SplittableRandom rng = new SplittableRandom(c.name().hashCode());
            Tensor[] xs = new Tensor[c.shapes().length];
            for (int i = 0; i < xs.length; i++) {
                Tensor v = Tensor.uniform(rng, -1, 1, dtype, c.shapes()[i]);
                if (c.positive()) {
                    v = v.abs().add(0.5);
                }
                xs[i] = strided ? transposedCopy(v) : v;
                xs[i].requiresGrad(true);
            }
            Tensor out = c.f().apply(xs);
            Tensor gout = Tensor.uniform(rng, -1, 1, dtype, out.shape());
            Tensor[] grads = Autograd.grad(new Tensor[] {out}, xs, new Tensor[] {gout}, false);
            double[][] result = new double[xs.length + 1][];
            result[0] = out.toDoubleArray();
            for (int i = 0; i < xs.length; i++) {
                result[i + 1] = grads[i].toDoubleArray();
            }
            return result;
        }
    }

    /** The same values as {@code v}, stored transposed so the returned view is non-contiguous (rank ≥ 2). */
    private static Tensor transposedCopy(Tensor v) {
        if (v.dim() < 2) {
            return v;
        }
        Tensor t = v.transpose(0, v.dim() - 1).contiguous();
        return t.transpose(0, v.dim() - 1).detach();
    }
}
