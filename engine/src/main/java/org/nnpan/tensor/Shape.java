package org.nnpan.tensor;

import java.util.Arrays;

/** Static helpers for shapes and strides (row-major, in elements). */
public final class Shape {
    private Shape() {
    }

    /** Number of elements of a shape; the empty shape (a scalar) has one. */
    public static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + str(shape));
            }
            n *= d;
        }
        return n;
    }

    /** Row-major strides of a contiguous tensor of this shape. */
    public static int[] contiguousStrides(int[] shape) {
        int[] strides = new int[shape.length];
        long s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = (int) s;
            s *= Math.max(1, shape[i]);
        }
        return strides;
    }

    /**
     * The NumPy broadcast of two shapes.
     *
     * @throws IllegalArgumentException naming {@code op} and both shapes when they do not broadcast
     */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int da = i < n - a.length ? 1 : a[i - (n - a.length)];
            int db = i < n - b.length ? 1 : b[i - (n - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b) + " do not broadcast");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /**
     * Strides that read a tensor of shape {@code shape} with {@code strides} as if it had shape {@code target}
     * (broadcast dimensions get stride 0).
     */
    public static int[] broadcastStrides(int[] shape, int[] strides, int[] target) {
        int[] out = new int[target.length];
        int lead = target.length - shape.length;
        if (lead < 0) {
            throw new IllegalArgumentException("cannot broadcast " + str(shape) + " to " + str(target));
        }
        // The leading dimensions keep stride 0. One loop over shape's own dimensions, indexed from 0: a loop over the
        // target's with a branch at the lead let C2 hoist a profiled range check that failed for the first lead > 0
        // (a deoptimisation in the tenth call of a scoring run).
        for (int j = 0; j < shape.length; j++) {
            int d = shape[j];
            int t = target[lead + j];
            if (d != t && d != 1) {
                throw new IllegalArgumentException("cannot broadcast " + str(shape) + " to " + str(target));
            }
            out[lead + j] = d == 1 && t != 1 ? 0 : strides[j];
        }
        return out;
    }

    /** Resolves a possibly negative axis against {@code rank}. */
    public static int axis(String op, int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException(op + ": axis " + axis + " out of range for a tensor of rank " + rank);
        }
        return a;
    }

    /** Sorted, de-duplicated, non-negative axes; all axes when {@code axes} is empty. */
    public static int[] axes(String op, int[] axes, int rank) {
        if (axes.length == 0) {
            int[] all = new int[rank];
            for (int i = 0; i < rank; i++) {
                all[i] = i;
            }
            return all;
        }
        int[] out = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            out[i] = axis(op, axes[i], rank);
        }
        Arrays.sort(out);
        for (int i = 1; i < out.length; i++) {
            if (out[i] == out[i - 1]) {
                throw new IllegalArgumentException(op + ": axis " + out[i] + " repeated in " + Arrays.toString(axes));
            }
        }
        return out;
    }

    /** Shape after reducing {@code axes} (sorted), keeping them as size-1 dimensions or dropping them. */
    public static int[] reduced(int[] shape, int[] axes, boolean keepDim) {
        boolean[] reduce = new boolean[shape.length];
        for (int a : axes) {
            reduce[a] = true;
        }
        int[] out = new int[keepDim ? shape.length : shape.length - axes.length];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (!reduce[i]) {
                out[j++] = shape[i];
            } else if (keepDim) {
                out[j++] = 1;
            }
        }
        return out;
    }

    /** "[2, 3, 4]". */
    public static String str(int[] shape) {
        return Arrays.toString(shape);
    }
}
