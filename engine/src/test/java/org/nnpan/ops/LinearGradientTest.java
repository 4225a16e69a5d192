package org.nnpan.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.nnpan.autograd.Autograd;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * A linear layer's own backward ({@code g^T x} for the weight) against {@link Linalg#matmul}'s rule on {@code x @ w^T}
 * (a transposed view of {@code x^T g}): the same floats for the input and weight gradients and for GraSP's
 * second-order product through them, on random shapes, and the weight gradient comes out contiguous.
 */
class LinearGradientTest {

    @Test
    void gradientsMatchTheMatmulRuleBitForBit() {
        Random random = new Random(31);
        for (int trial = 0; trial < 12; trial++) {
            int batch = 1 + random.nextInt(40);
            int in = 1 + random.nextInt(70);
            int out = 1 + random.nextInt(40);
            try (MemoryScope _ = MemoryScope.open("linear-gradient")) {
                Tensor x = Tensor.randn(random, 1.0, DType.F32, batch, in).requiresGrad(true);
                Tensor w = Tensor.randn(random, 0.3, DType.F32, out, in).requiresGrad(true);
                Tensor[] viaLinear = gradients(x, w, (a, b) -> Linalg.linear(a, b, null));
                Tensor[] viaMatmul = gradients(x, w, (a, b) -> Linalg.matmul(a, Shapes.transpose(b, 0, 1)));
                assertTrue(viaLinear[1].isContiguous(), "weight gradient contiguous");
                for (int i = 0; i < viaLinear.length; i++) {
                    assertArrayEquals(viaMatmul[i].toFloatArray(), viaLinear[i].toFloatArray(),
                            "trial " + trial + " (" + batch + "x" + in + " -> " + out + "), gradient " + i);
                }
            }
        }
    }

    /**
     * dL/dx, dL/dw and the Hessian-gradient product d‖dL/dw‖²/dw of L = Σ y⁴ with {@code y = layer(x, w)} (a
     * loss with a non-zero second derivative), each through the recorded graph.
     */
    private static Tensor[] gradients(Tensor x, Tensor w, BiFunction<Tensor, Tensor, Tensor> layer) {
        Tensor y = layer.apply(x, w);
        Tensor loss = Reductions.sum(Elementwise.mul(Elementwise.mul(y, y), Elementwise.mul(y, y)));
        Tensor[] g = Autograd.grad(new Tensor[] {loss}, new Tensor[] {x, w}, null, true);
        Tensor half = Reductions.sum(Elementwise.mul(g[1], g[1]));
        Tensor hg = Autograd.grad(new Tensor[] {half}, new Tensor[] {w}, null, false)[0];
        return new Tensor[] {g[0], g[1], hg};
    }
}
