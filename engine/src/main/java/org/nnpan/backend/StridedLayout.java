package org.nnpan.backend;

import java.util.Arrays;

/**
 * A loop nest over an output shape with one stride vector per operand, with adjacent dimensions merged wherever
 * every operand walks them contiguously. Kernels then run a tight innermost loop of length {@link #inner()} and
 * step the outer dimensions with {@link #outerOffset}.
 */
final class StridedLayout {
    /** Merged dimensions, outermost first; the last one is the inner loop. */
    final int[] dims;
    /** strides[operand][dim] after merging. */
    final int[][] strides;

    private StridedLayout(int[] dims, int[][] strides) {
        this.dims = dims;
        this.strides = strides;
    }

    /** Merges dimensions of {@code shape} for operands with the given (already broadcast) strides. */
    static StridedLayout of(int[] shape, int[]... operandStrides) {
        int ops = operandStrides.length;
        int[] dims = new int[Math.max(1, shape.length)];
        int[][] st = new int[ops][dims.length];
        int n = 0;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1) {
                continue; // size-1 dimensions never move the offset
            }
            boolean merge = n > 0;
            for (int k = 0; k < ops && merge; k++) {
                merge = st[k][n - 1] == (long) operandStrides[k][d] * shape[d];
            }
            if (merge) {
                dims[n - 1] *= shape[d];
                for (int k = 0; k < ops; k++) {
                    st[k][n - 1] = operandStrides[k][d];
                }
            } else {
                dims[n] = shape[d];
                for (int k = 0; k < ops; k++) {
                    st[k][n] = operandStrides[k][d];
                }
                n++;
            }
        }
        if (n == 0) {
            dims[0] = 1;
            n = 1;
        }
        int[][] trimmed = new int[ops][];
        for (int k = 0; k < ops; k++) {
            trimmed[k] = Arrays.copyOf(st[k], n);
        }
        return new StridedLayout(Arrays.copyOf(dims, n), trimmed);
    }

    /** Length of the innermost loop. */
    int inner() {
        return dims[dims.length - 1];
    }

    /** Number of inner-loop runs. */
    long outer() {
        long o = 1;
        for (int i = 0; i < dims.length - 1; i++) {
            o *= dims[i];
        }
        return o;
    }

    /** Inner-loop stride of {@code operand}. */
    int innerStride(int operand) {
        return strides[operand][dims.length - 1];
    }

    /** Offset (relative to the operand's base) of the start of inner run {@code run}. */
    long outerOffset(int operand, long run) {
        long p = 0;
        int[] s = strides[operand];
        for (int d = dims.length - 2; d >= 0; d--) {
            p += (run % dims[d]) * s[d];
            run /= dims[d];
        }
        return p;
    }
}
