package org.nnpan.ops;

import org.nnpan.tensor.DType;
import org.nnpan.tensor.Shape;
import org.nnpan.tensor.Tensor;

/** Softmax family and classification losses. */
public final class Losses {
    private Losses() {
    }

    /** How per-example losses are combined. */
    public enum Reduction { MEAN, SUM }

    /** log(softmax(x)) along {@code axis}, computed stably by subtracting the (constant) maximum. */
    public static Tensor logSoftmax(Tensor x, int axis) {
        int a = Shape.axis("log_softmax", axis, x.dim());
        Tensor shift = Reductions.amax(x.detach(), new int[] {a}, true);
        Tensor s = Elementwise.sub(x, shift);
        Tensor lse = Elementwise.log(Reductions.sum(Elementwise.exp(s), new int[] {a}, true));
        return Elementwise.sub(s, lse);
    }

    /** softmax(x) along {@code axis}. */
    public static Tensor softmax(Tensor x, int axis) {
        return Elementwise.exp(logSoftmax(x, axis));
    }

    /** A float one-hot matrix [N, classes] for int64 labels [N]; checks the label range. */
    public static Tensor oneHot(Tensor labels, int classes, DType dtype) {
        if (labels.dim() != 1) {
            throw new IllegalArgumentException("one_hot: labels must be 1-d, got " + Shape.str(labels.shape()));
        }
        long[] ys = labels.toLongArray();
        Tensor out = Tensor.empty(org.nnpan.tensor.MemoryScope.current(), labels.backend(), dtype, ys.length, classes);
        for (int i = 0; i < ys.length; i++) {
            if (ys[i] < 0 || ys[i] >= classes) {
                throw new IllegalArgumentException("label " + ys[i] + " at position " + i + " is outside [0, " + classes + ")");
            }
            out.storage().setDouble((long) i * classes + ys[i], 1);
        }
        return out;
    }

    /** Cross-entropy of logits [N, C] against int64 labels [N]. */
    public static Tensor crossEntropy(Tensor logits, Tensor labels, Reduction reduction) {
        if (logits.dim() != 2 || labels.dim() != 1 || labels.size(0) != logits.size(0)) {
            throw new IllegalArgumentException("cross_entropy: logits " + Shape.str(logits.shape()) + " and labels "
                    + Shape.str(labels.shape()) + " do not match (expected [N, C] and [N])");
        }
        Tensor picked = Reductions.sum(Elementwise.mul(logSoftmax(logits, 1), oneHot(labels, logits.size(1), logits.dtype())));
        Tensor total = Elementwise.neg(picked);
        return reduction == Reduction.SUM ? total : Elementwise.div(total, logits.scalarLike(logits.size(0)));
    }
}
