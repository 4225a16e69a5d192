package org.nnpan.ops;

import java.util.Arrays;
import org.nnpan.autograd.Autograd;
import org.nnpan.backend.BinaryOp;
import org.nnpan.backend.ReduceOp;
import org.nnpan.tensor.Shape;
import org.nnpan.tensor.Tensor;

/** Reductions over axes: sum, mean, max, min, argmax, norm, and the broadcast-undoing {@link #sumToShape}. */
public final class Reductions {
    private Reductions() {
    }

    /** Sum of all elements (a scalar). */
    public static Tensor sum(Tensor x) {
        return sum(x, new int[0], false);
    }

    /** Sum over {@code axes} (all when empty). */
    public static Tensor sum(Tensor x, int[] axes, boolean keepDim) {
        Elementwise.checkFloat("sum", x);
        int[] ax = Shape.axes("sum", axes, x.dim());
        Tensor out = x.backend().reduce(ReduceOp.SUM, x, ax, keepDim);
        int[] inShape = x.shape();
        return Autograd.record(out, "sum", new Tensor[] {x}, Autograd.NOTHING_SAVED, g -> new Tensor[] {
            Shapes.expand(Shapes.reshape(g, Shape.reduced(inShape, ax, true)), inShape)});
    }

    /** Mean of all elements. */
    public static Tensor mean(Tensor x) {
        return mean(x, new int[0], false);
    }

    /** Mean over {@code axes} (all when empty). */
    public static Tensor mean(Tensor x, int[] axes, boolean keepDim) {
        int[] ax = Shape.axes("mean", axes, x.dim());
        long count = 1;
        for (int a : ax) {
            count *= x.size(a);
        }
        return Elementwise.div(sum(x, ax, keepDim), x.scalarLike(count));
    }

    /** Maximum over {@code axes}; the gradient is shared equally among tied maxima. */
    public static Tensor amax(Tensor x, int[] axes, boolean keepDim) {
        return extremum(ReduceOp.MAX, x, axes, keepDim);
    }

    /** Minimum over {@code axes}; the gradient is shared equally among tied minima. */
    public static Tensor amin(Tensor x, int[] axes, boolean keepDim) {
        return extremum(ReduceOp.MIN, x, axes, keepDim);
    }

    private static Tensor extremum(ReduceOp op, Tensor x, int[] axes, boolean keepDim) {
        String name = op.name().toLowerCase();
        Elementwise.checkFloat(name, x);
        int[] ax = Shape.axes(name, axes, x.dim());
        if (x.numel() == 0) {
            throw new IllegalArgumentException(name + ": empty tensor of shape " + Shape.str(x.shape()));
        }
        Tensor out = x.backend().reduce(op, x, ax, keepDim);
        int[] inShape = x.shape();
        int[] kept = Shape.reduced(inShape, ax, true);
        return Autograd.record(out, name, new Tensor[] {x}, new Tensor[] {x, out}, g -> {
            Tensor winners = Elementwise.compare(BinaryOp.EQ, x.detach(), Shapes.reshape(out.detach(), kept));
            Tensor count = sum(winners, ax, true);
            Tensor share = Elementwise.div(winners, count);
            return new Tensor[] {Elementwise.mul(Shapes.reshape(g, kept), share)};
        });
    }

    /** Index of the maximum along {@code axis} (first on ties), int64. */
    public static Tensor argmax(Tensor x, int axis, boolean keepDim) {
        return x.backend().argmax(x, Shape.axis("argmax", axis, x.dim()), keepDim);
    }

    /** Euclidean norm of all elements. */
    public static Tensor norm(Tensor x) {
        return Elementwise.sqrt(sum(Elementwise.mul(x, x)));
    }

    /**
     * Sums {@code g} down to {@code shape}, undoing NumPy broadcasting: the gradient of a broadcast input.
     * Returns {@code g} itself when the shapes already agree.
     */
    public static Tensor sumToShape(Tensor g, int[] shape) {
        int[] gs = g.shape();
        if (Arrays.equals(gs, shape)) {
            return g;
        }
        int lead = gs.length - shape.length;
        if (lead < 0) {
            throw new IllegalArgumentException("sumToShape: cannot reduce " + Shape.str(gs) + " to " + Shape.str(shape));
        }
        int[] axes = new int[gs.length];
        int n = 0;
        for (int i = 0; i < gs.length; i++) {
            if (i < lead || (shape[i - lead] == 1 && gs[i] != 1)) {
                axes[n++] = i;
            } else if (shape[i - lead] != gs[i]) {
                throw new IllegalArgumentException("sumToShape: cannot reduce " + Shape.str(gs) + " to " + Shape.str(shape));
            }
        }
        Tensor s = n == 0 ? g : sum(g, Arrays.copyOf(axes, n), true);
        return Shapes.reshape(s, shape);
    }
}
