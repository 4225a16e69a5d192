package org.nnpan.backend;

import org.nnpan.kernels.norm.BatchNormSecondOrder;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/**
 * The primitive kernels that ops are built from. A backend computes values only; autograd, layers and pruning sit
 * above it and never see where or how the numbers are stored.
 *
 * <p>Inputs may be arbitrary strided views; outputs are new contiguous tensors allocated in the current
 * {@link org.nnpan.tensor.MemoryScope}. Shape and dtype checks are done by the ops layer before calling in.
 */
public interface Backend {

    /** Short name, e.g. "reference" or "cpu". */
    String name();

    /** Sets every element of {@code t} (any view) to {@code value}. */
    void fill(Tensor t, double value);

    /** Copies {@code src}, broadcast to {@code dst}'s shape, into the view {@code dst} (converting the type). */
    void copyInto(Tensor dst, Tensor src);

    /** {@code dst += src} elementwise, {@code src} broadcast to {@code dst}'s shape. */
    void addInPlace(Tensor dst, Tensor src);

    /** A contiguous copy of {@code t} converted to {@code target}. */
    default Tensor convert(Tensor t, DType target) {
        Tensor out = Tensor.uninitialized(org.nnpan.tensor.MemoryScope.current(), this, target, t.shape());
        copyInto(out, t);
        return out;
    }

    /** {@code t} itself if contiguous, else a contiguous copy; never recorded by autograd. */
    default Tensor dense(Tensor t) {
        if (t.isContiguous()) {
            return t;
        }
        Tensor out = Tensor.uninitialized(org.nnpan.tensor.MemoryScope.current(), this, t.dtype(), t.shape());
        copyInto(out, t);
        return out;
    }

    /** {@code op(x)} elementwise. */
    Tensor unary(UnaryOp op, Tensor x);

    /** {@code op(a, b)} elementwise with NumPy broadcasting; same dtype. */
    Tensor binary(BinaryOp op, Tensor a, Tensor b);

    /**
     * ReLU's backward {@code g * step(y)} for {@code y = relu(x)} (step(y) = 1 where y &gt; 0, else 0), same shapes.
     * Backends may fuse the two passes; the default is the textbook composition.
     */
    default Tensor reluBackward(Tensor g, Tensor y) {
        return binary(BinaryOp.MUL, g, unary(UnaryOp.STEP, y));
    }

    /** {@code relu(a + b)} with broadcasting: a residual block's output. The default is the textbook composition. */
    default Tensor addRelu(Tensor a, Tensor b) {
        return unary(UnaryOp.RELU, binary(BinaryOp.ADD, a, b));
    }

    /** {@code cond != 0 ? a : b} elementwise with broadcasting of all three. */
    Tensor where(Tensor cond, Tensor a, Tensor b);

    /** Reduces over {@code axes} (sorted, distinct, non-empty for a non-scalar). */
    Tensor reduce(ReduceOp op, Tensor x, int[] axes, boolean keepDim);

    /** Index of the maximum along {@code axis} (first one on ties), as int64. */
    Tensor argmax(Tensor x, int axis, boolean keepDim);

    /** Batched product of {@code a} [B, M, K] and {@code b} [B, K, N] (strided views welcome). */
    Tensor matmul(Tensor a, Tensor b);

    /** Cross-correlation of x [N, C, H, W] with w [O, C, KH, KW], no bias. */
    Tensor conv2d(Tensor x, Tensor w, Conv2dGeometry g);

    /** Gradient of {@code conv2d} w.r.t. its input: the transposed convolution of {@code gy} with {@code w}. */
    Tensor conv2dInputGrad(Tensor gy, Tensor w, int[] inputShape, Conv2dGeometry g);

    /** Gradient of {@code conv2d} w.r.t. its weight, from input {@code x} and output gradient {@code gy}. */
    Tensor conv2dWeightGrad(Tensor x, Tensor gy, int[] weightShape, Conv2dGeometry g);

    /**
     * For each pooling window, the flat index {@code h * W + w} (within its H×W plane) of the first maximum;
     * int64 tensor of shape [N, C, OH, OW]. Padding never wins.
     */
    Tensor maxPool2dIndices(Tensor x, Conv2dGeometry g);

    /** {@code out[n, c, i] = x[n, c, idx[n, c, i]]} over flattened planes; output has idx's shape. */
    Tensor planeGather(Tensor x, Tensor idx);

    /** Adjoint of {@link #planeGather}: scatter-adds {@code g} into a zero tensor of {@code inputShape}. */
    Tensor planeScatterAdd(Tensor g, Tensor idx, int[] inputShape);

    /** Average pooling; {@code countIncludePad} divides by the full window like PyTorch's default. */
    Tensor avgPool2d(Tensor x, Conv2dGeometry g, boolean countIncludePad);

    /** Adjoint of {@link #avgPool2d}. */
    Tensor avgPool2dAdjoint(Tensor gy, int[] inputShape, Conv2dGeometry g, boolean countIncludePad);

    /** Adaptive average pooling to {@code outH}×{@code outW} bins (PyTorch's bin boundaries). */
    Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW);

    /** Adjoint of {@link #adaptiveAvgPool2d}. */
    Tensor adaptiveAvgPool2dAdjoint(Tensor gy, int[] inputShape);

    /**
     * Training-mode batch norm over the channel axis 1 of x [N, C, ...]: returns {y, mean [C], invStd [C]} with the
     * biased batch variance, y = (x - mean) * invStd * gamma + beta (gamma, beta [C], either may be null).
     */
    Tensor[] batchNormForward(Tensor x, Tensor gamma, Tensor beta, double eps);

    /**
     * {@link #batchNormForward} followed by ReLU: returns {relu(y), mean, invStd}. Backends may fuse the ReLU into the
     * normalising pass; the default is the textbook composition.
     */
    default Tensor[] batchNormReluForward(Tensor x, Tensor gamma, Tensor beta, double eps) {
        Tensor[] r = batchNormForward(x, gamma, beta, eps);
        r[0] = unary(UnaryOp.RELU, r[0]);
        return r;
    }

    /**
     * Gradients {gx, gGamma, gBeta} of {@link #batchNormForward} from the saved statistics; first order only
     * (higher orders are taken through the composite definition).
     */
    Tensor[] batchNormBackward(Tensor gy, Tensor x, Tensor gamma, Tensor mean, Tensor invStd);

    /**
     * Gradients {gx, gGamma, gBeta} of {@link #batchNormReluForward} from its output {@code out}, its {@code gamma} and
     * {@code beta} (either may be null) and the saved statistics: {@link #batchNormBackward} of
     * {@link #reluBackward reluBackward(gy, out)}, which backends may fuse (and may take ReLU's step from {@code x},
     * {@code beta} and the statistics instead of reading {@code out}, when they recompute forward's exact values).
     */
    default Tensor[] batchNormReluBackward(Tensor gy, Tensor out, Tensor x, Tensor gamma, Tensor beta, Tensor mean,
            Tensor invStd) {
        return batchNormBackward(reluBackward(gy, out), x, gamma, mean, invStd);
    }

    /**
     * Batch norm's second-order rule for a pass that records no graph: the gradients {dg, dx, dGamma} of
     * ⟨d, upstream⟩, where d is {@link #batchNormBackward}'s gradient w.r.t. {@code of} (x, γ or β) at the output
     * gradient g and x (statistics recomputed from x with {@code eps}), and {@code upstream} has d's shape. Computes
     * only the gradients flagged in {@code wanted} (g, x, γ); those not wanted, and those that are zero (all but dg
     * for d_β, dGamma for d_γ), are null. See {@link BatchNormSecondOrder} for the formulas.
     *
     * @param gamma [C], or null without an affine weight (then γ = 1 and dGamma is not wanted)
     */
    Tensor[] batchNormSecondOrder(BatchNormSecondOrder.Of of, Tensor upstream, Tensor g, Tensor x, Tensor gamma,
            double eps, boolean[] wanted);
}
