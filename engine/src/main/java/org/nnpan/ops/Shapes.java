package org.nnpan.ops;

import java.util.Arrays;
import org.nnpan.autograd.Autograd;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Shape;
import org.nnpan.tensor.Tensor;

/** Views and data movement: reshape, permute, slice, expand, pad, concatenation. */
public final class Shapes {
    private Shapes() {
    }

    /** A contiguous tensor with {@code x}'s values ({@code x} itself if already contiguous). */
    public static Tensor contiguous(Tensor x) {
        if (x.isContiguous()) {
            return x;
        }
        Tensor out = x.backend().dense(x);
        return Autograd.record(out, "contiguous", new Tensor[] {x}, Autograd.NOTHING_SAVED, g -> new Tensor[] {g});
    }

    /**
     * The same elements in a new shape (one dimension may be -1). A view when {@code x} is contiguous, a copy
     * otherwise.
     */
    public static Tensor reshape(Tensor x, int... newShape) {
        int[] shape = resolve(x, newShape);
        if (Arrays.equals(shape, x.shape())) {
            return x;
        }
        Tensor c = contiguous(x);
        Tensor out = new Tensor(c.storage(), shape, Shape.contiguousStrides(shape), c.offset());
        int[] inShape = x.shape();
        return Autograd.record(out, "reshape", new Tensor[] {c}, Autograd.NOTHING_SAVED, g -> new Tensor[] {reshape(g, inShape)});
    }

    private static int[] resolve(Tensor x, int[] newShape) {
        int[] shape = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("reshape: more than one -1 in " + Shape.str(newShape));
                }
                infer = i;
            } else {
                known *= shape[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || x.numel() % known != 0) {
                throw new IllegalArgumentException("reshape: cannot reshape " + Shape.str(x.shape()) + " to " + Shape.str(newShape));
            }
            shape[infer] = (int) (x.numel() / known);
        }
        if (Shape.numel(shape) != x.numel()) {
            throw new IllegalArgumentException("reshape: cannot reshape " + Shape.str(x.shape()) + " (" + x.numel()
                    + " elements) to " + Shape.str(newShape));
        }
        return shape;
    }

    /** Flattens dimensions {@code startDim..end} into one. */
    public static Tensor flatten(Tensor x, int startDim) {
        int s = Shape.axis("flatten", startDim, x.dim());
        int[] shape = new int[s + 1];
        System.arraycopy(x.shape(), 0, shape, 0, s);
        shape[s] = -1;
        return reshape(x, shape);
    }

    /** Reorders dimensions: output dimension i is input dimension {@code order[i]}; a view. */
    public static Tensor permute(Tensor x, int... order) {
        if (order.length != x.dim()) {
            throw new IllegalArgumentException("permute: order " + Arrays.toString(order) + " does not match rank of "
                    + Shape.str(x.shape()));
        }
        int[] shape = new int[order.length];
        int[] strides = new int[order.length];
        int[] inverse = new int[order.length];
        boolean[] seen = new boolean[order.length];
        int[] xs = x.shape();
        int[] xst = x.strides();
        for (int i = 0; i < order.length; i++) {
            int a = Shape.axis("permute", order[i], order.length);
            if (seen[a]) {
                throw new IllegalArgumentException("permute: axis " + a + " repeated in " + Arrays.toString(order));
            }
            seen[a] = true;
            shape[i] = xs[a];
            strides[i] = xst[a];
            inverse[a] = i;
        }
        Tensor out = new Tensor(x.storage(), shape, strides, x.offset());
        return Autograd.record(out, "permute", new Tensor[] {x}, Autograd.NOTHING_SAVED, g -> new Tensor[] {permute(g, inverse)});
    }

    /** Swaps two dimensions; a view. */
    public static Tensor transpose(Tensor x, int a, int b) {
        int[] order = new int[x.dim()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        int ra = Shape.axis("transpose", a, x.dim());
        int rb = Shape.axis("transpose", b, x.dim());
        order[ra] = rb;
        order[rb] = ra;
        return permute(x, order);
    }

    /** Elements {@code start..end-1} along {@code axis}; a view. */
    public static Tensor slice(Tensor x, int axis, int start, int end) {
        int a = Shape.axis("slice", axis, x.dim());
        int[] shape = x.shape();
        if (start < 0 || end > shape[a] || start > end) {
            throw new IllegalArgumentException("slice: range [" + start + ", " + end + ") out of bounds for axis " + a
                    + " of shape " + Shape.str(shape));
        }
        int[] strides = x.strides();
        shape[a] = end - start;
        Tensor out = new Tensor(x.storage(), shape, strides, x.offset() + (long) start * strides[a]);
        int[] before = new int[x.dim()];
        int[] after = new int[x.dim()];
        before[a] = start;
        after[a] = x.size(a) - end;
        return Autograd.record(out, "slice", new Tensor[] {x}, Autograd.NOTHING_SAVED, g -> new Tensor[] {pad(g, before, after)});
    }

    /** Zero padding: {@code before[i]} and {@code after[i]} elements around dimension i. */
    public static Tensor pad(Tensor x, int[] before, int[] after) {
        if (before.length != x.dim() || after.length != x.dim()) {
            throw new IllegalArgumentException("pad: padding of rank " + before.length + "/" + after.length
                    + " for shape " + Shape.str(x.shape()));
        }
        int[] shape = x.shape();
        for (int i = 0; i < shape.length; i++) {
            if (before[i] < 0 || after[i] < 0) {
                throw new IllegalArgumentException("pad: negative padding " + Arrays.toString(before) + " / " + Arrays.toString(after));
            }
            shape[i] += before[i] + after[i];
        }
        Tensor out = Tensor.empty(MemoryScope.current(), x.backend(), x.dtype(), shape);
        out.backend().copyInto(interior(out, before, x.shape()), x);
        int[] inShape = x.shape();
        return Autograd.record(out, "pad", new Tensor[] {x}, Autograd.NOTHING_SAVED, g -> new Tensor[] {narrow(g, before, inShape)});
    }

    /** PyTorch's {@code F.pad} convention: pairs (left, right) starting from the LAST dimension. */
    public static Tensor padLastDims(Tensor x, int... pairs) {
        if (pairs.length % 2 != 0 || pairs.length / 2 > x.dim()) {
            throw new IllegalArgumentException("pad: expected (before, after) pairs for at most " + x.dim()
                    + " dimensions, got " + Arrays.toString(pairs));
        }
        int[] before = new int[x.dim()];
        int[] after = new int[x.dim()];
        for (int p = 0; p < pairs.length / 2; p++) {
            before[x.dim() - 1 - p] = pairs[2 * p];
            after[x.dim() - 1 - p] = pairs[2 * p + 1];
        }
        return pad(x, before, after);
    }

    /** The sub-block of {@code x} starting at {@code start} with extent {@code shape}; a differentiable view. */
    public static Tensor narrow(Tensor x, int[] start, int[] shape) {
        Tensor out = x;
        for (int i = 0; i < shape.length; i++) {
            if (start[i] != 0 || shape[i] != x.size(i)) {
                out = slice(out, i, start[i], start[i] + shape[i]);
            }
        }
        return out;
    }

    /** A raw (unrecorded) view of the block of {@code t} at {@code start} with extent {@code shape}. */
    private static Tensor interior(Tensor t, int[] start, int[] shape) {
        int[] strides = t.strides();
        long off = t.offset();
        for (int i = 0; i < start.length; i++) {
            off += (long) start[i] * strides[i];
        }
        return new Tensor(t.storage(), shape.clone(), strides, off);
    }

    /** Concatenates along {@code axis}; all other dimensions must agree. */
    public static Tensor cat(int axis, Tensor... xs) {
        if (xs.length == 0) {
            throw new IllegalArgumentException("cat: no tensors");
        }
        int a = Shape.axis("cat", axis, xs[0].dim());
        int[] shape = xs[0].shape();
        int total = 0;
        for (Tensor t : xs) {
            int[] s = t.shape();
            if (s.length != shape.length || t.dtype() != xs[0].dtype()) {
                throw new IllegalArgumentException("cat: " + Shape.str(s) + " " + t.dtype() + " does not match "
                        + Shape.str(shape) + " " + xs[0].dtype());
            }
            for (int i = 0; i < s.length; i++) {
                if (i != a && s[i] != shape[i]) {
                    throw new IllegalArgumentException("cat: shapes " + Shape.str(shape) + " and " + Shape.str(s)
                            + " differ outside axis " + a);
                }
            }
            total += s[a];
        }
        shape[a] = total;
        Tensor out = Tensor.empty(MemoryScope.current(), xs[0].backend(), xs[0].dtype(), shape);
        int[] starts = new int[xs.length];
        int pos = 0;
        for (int k = 0; k < xs.length; k++) {
            starts[k] = pos;
            int[] start = new int[shape.length];
            start[a] = pos;
            out.backend().copyInto(interior(out, start, xs[k].shape()), xs[k]);
            pos += xs[k].size(a);
        }
        return Autograd.record(out, "cat", xs.clone(), Autograd.NOTHING_SAVED, g -> {
            Tensor[] grads = new Tensor[xs.length];
            for (int k = 0; k < xs.length; k++) {
                grads[k] = slice(g, a, starts[k], starts[k] + xs[k].size(a));
            }
            return grads;
        });
    }

    /** Broadcasts {@code x} to {@code shape} as a stride-0 view; the gradient sums back. */
    public static Tensor expand(Tensor x, int... shape) {
        if (Arrays.equals(x.shape(), shape)) {
            return x;
        }
        int[] strides = Shape.broadcastStrides(x.shape(), x.strides(), shape);
        Tensor out = new Tensor(x.storage(), shape.clone(), strides, x.offset());
        int[] inShape = x.shape();
        return Autograd.record(out, "expand", new Tensor[] {x}, Autograd.NOTHING_SAVED, g -> new Tensor[] {Reductions.sumToShape(g, inShape)});
    }
}
