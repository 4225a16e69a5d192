package org.nnpan.ops;

import java.util.Arrays;
import org.nnpan.autograd.Autograd;
import org.nnpan.tensor.Shape;
import org.nnpan.tensor.Tensor;

/** Matrix products. */
public final class Linalg {
    private Linalg() {
    }

    /**
     * Matrix product with PyTorch's rules for rank ≥ 2: {@code a [..., M, K] @ b [..., K, N]}, batch dimensions
     * broadcast.
     */
    public static Tensor matmul(Tensor a, Tensor b) {
        Elementwise.checkFloatPair("matmul", a, b);
        if (a.dim() < 2 || b.dim() < 2) {
            throw new IllegalArgumentException("matmul: needs rank >= 2, got " + Shape.str(a.shape()) + " @ " + Shape.str(b.shape()));
        }
        int m = a.size(-2);
        int k = a.size(-1);
        int n = b.size(-1);
        if (b.size(-2) != k) {
            throw new IllegalArgumentException("matmul: inner dimensions differ: " + Shape.str(a.shape()) + " @ " + Shape.str(b.shape()));
        }
        int[] batch = Shape.broadcast("matmul", Arrays.copyOf(a.shape(), a.dim() - 2), Arrays.copyOf(b.shape(), b.dim() - 2));
        int nb = (int) Shape.numel(batch);
        Tensor a3 = batched(a, batch, nb, m, k);
        Tensor b3 = batched(b, batch, nb, k, n);
        Tensor out3 = a.backend().matmul(a3, b3);
        int[] outShape = Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        Tensor out = new Tensor(out3.storage(), outShape, Shape.contiguousStrides(outShape), 0);
        return Autograd.record(out, "matmul", new Tensor[] {a, b},
                new Tensor[] {b.requiresGrad() ? a : null, a.requiresGrad() ? b : null}, g -> new Tensor[] {
            a.requiresGrad() ? Reductions.sumToShape(matmul(g, Shapes.transpose(b, -1, -2)), a.shape()) : null,
            b.requiresGrad() ? Reductions.sumToShape(matmul(Shapes.transpose(a, -1, -2), g), b.shape()) : null});
    }

    /** A raw [nb, rows, cols] view (or copy) of {@code t} broadcast over {@code batch}. */
    private static Tensor batched(Tensor t, int[] batch, int nb, int rows, int cols) {
        int[] full = Arrays.copyOf(batch, batch.length + 2);
        full[batch.length] = rows;
        full[batch.length + 1] = cols;
        int[] strides = Shape.broadcastStrides(t.shape(), t.strides(), full);
        Tensor view = new Tensor(t.storage(), full, strides, t.offset());
        if (batch.length == 1) {
            return view;
        }
        if (batch.length == 0) {
            return new Tensor(t.storage(), new int[] {1, rows, cols}, new int[] {0, strides[0], strides[1]}, t.offset());
        }
        Tensor dense = t.backend().dense(view);
        return new Tensor(dense.storage(), new int[] {nb, rows, cols}, Shape.contiguousStrides(new int[] {nb, rows, cols}), dense.offset());
    }

    /** {@code x @ w^T + b}: a fully connected layer with weight [out, in] and optional bias [out]. */
    public static Tensor linear(Tensor x, Tensor w, Tensor bias) {
        Tensor y = product(x, w);
        return bias == null ? y : Elementwise.add(y, bias);
    }

    /**
     * {@code relu(x @ w^T + b)}, a hidden layer of a perceptron, with the bias add and the ReLU as one pass
     * ({@link Elementwise#addRelu}); the same numbers as {@code relu(linear(x, w, b))}.
     */
    public static Tensor linearRelu(Tensor x, Tensor w, Tensor bias) {
        Tensor y = product(x, w);
        return bias == null ? Elementwise.relu(y) : Elementwise.addRelu(y, bias);
    }

    /**
     * {@code x @ w^T} for a linear layer's weight [out, in]. For a batch of rows ({@code x} [B, in]) the weight's
     * gradient is computed as {@code g^T @ x}, a contiguous [out, in] tensor, where {@link #matmul}'s rule gives
     * {@code x^T @ g} and the transpose's backward hands the weight a transposed view of it: every later op on that
     * gradient (GraSP's double backward, the optimizers, the loss probe's norm) then ran strided loops, and copying it
     * contiguous column by column. The same products summed in the same order (the GEMM sums each element over the
     * batch in index order either way), so the same floats.
     */
    private static Tensor product(Tensor x, Tensor w) {
        if (w.dim() != 2 || x.size(-1) != w.size(1)) {
            throw new IllegalArgumentException("linear: input " + Shape.str(x.shape()) + " does not match weight " + Shape.str(w.shape()));
        }
        if (x.dim() != 2) {
            return matmul(x, Shapes.transpose(w, 0, 1));
        }
        Tensor y;
        try (var _ = Autograd.noGrad()) {
            y = matmul(x, Shapes.transpose(w, 0, 1));
        }
        return Autograd.record(y, "linear", new Tensor[] {x, w},
                new Tensor[] {w.requiresGrad() ? x : null, x.requiresGrad() ? w : null}, g -> new Tensor[] {
            x.requiresGrad() ? matmul(g, w) : null,
            w.requiresGrad() ? matmul(Shapes.transpose(g, 0, 1), x) : null});
    }
}
