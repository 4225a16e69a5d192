package org.nnpan.pruning;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.nnpan.kernels.parallel.Parallel;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/**
 * Block access to a contiguous float32 or float64 tensor, for the fused per-weight loops of the saliencies: one
 * parallel pass over millions of weights instead of a chain of elementwise ops, each allocating a full copy.
 *
 * <p>A loop reads its operands a {@link Blocks block} at a time into float64 arrays, computes on the arrays and
 * writes the block back. The tensor access stays out of the loops' work: an element getter that tests the dtype
 * inside a loop made C2 hoist the float64 branch's bounds check as a profiled loop predicate, which fails on every
 * float32 tensor, so the method was deoptimised and recompiled at every panning step (≈ 0.5 s of compilation each).
 */
record FlatView(MemorySegment segment, long offset, boolean f32) {
    /** Elements per task below which splitting a loop across threads costs more than it saves. */
    static final long GRAIN = 1 << 15;

    /**
     * The view of {@code t}.
     *
     * @throws IllegalStateException if {@code t} is not contiguous or not floating point; {@code what} names it
     */
    static FlatView of(Tensor t, String what) {
        if (!t.isContiguous() || !t.dtype().isFloating()) {
            throw new IllegalStateException(what + " must be a contiguous floating-point tensor, got " + t.dtype()
                    + (t.isContiguous() ? "" : " (strided)"));
        }
        return new FlatView(t.storage().segment(), t.offset(), t.dtype() == DType.F32);
    }

    /** The view of this tensor's elements from {@code start} on. */
    FlatView startingAt(long start) {
        return new FlatView(segment, offset + start, f32);
    }

    /** Reads the elements of the current block of {@code b}, widened to double (exact), into {@code dst}. */
    void read(Blocks b, double[] dst) {
        int n = b.length();
        if (f32) {
            MemorySegment.copy(segment, ValueLayout.JAVA_FLOAT, (offset + b.from()) * Float.BYTES, b.floats, 0, n);
            for (int k = 0; k < n; k++) {
                dst[k] = b.floats[k];
            }
        } else {
            MemorySegment.copy(segment, ValueLayout.JAVA_DOUBLE, (offset + b.from()) * Double.BYTES, dst, 0, n);
        }
    }

    /** Writes {@code src} to the elements of the current block of {@code b}, rounded to float32 in a float32 tensor. */
    void write(Blocks b, double[] src) {
        int n = b.length();
        if (f32) {
            for (int k = 0; k < n; k++) {
                b.floats[k] = (float) src[k];
            }
            MemorySegment.copy(b.floats, 0, segment, ValueLayout.JAVA_FLOAT, (offset + b.from()) * Float.BYTES, n);
        } else {
            MemorySegment.copy(src, 0, segment, ValueLayout.JAVA_DOUBLE, (offset + b.from()) * Double.BYTES, n);
        }
    }

    /** Runs {@code body} over {@code [0, n)} on the intra-op threads, in contiguous ranges. */
    static void parallelFor(long n, Parallel.RangeBody body) {
        Parallel.get().parallelFor(n, GRAIN, body);
    }

    /**
     * One thread's walk over a range of elements in consecutive blocks of at most {@value #SIZE}, in index order,
     * with rows to read operands into and write results from ({@link #read}, {@link #write}):
     * {@code for (Blocks b = new Blocks(lo, hi); b.next(); ) { ... }}.
     */
    static final class Blocks {
        /** Elements per block: the rows stay in the L1 cache. */
        static final int SIZE = 1024;

        /** Operand and result rows of the current block; elements {@code [0, length())} are the block's. */
        final double[] x = new double[SIZE];
        final double[] y = new double[SIZE];
        final double[] z = new double[SIZE];
        /** Staging for float32 tensors. */
        private final float[] floats = new float[SIZE];
        private final long end;
        private long from;
        private int length;

        /** The walk over {@code [lo, hi)}; call {@link #next} before the first block. */
        Blocks(long lo, long hi) {
            this.from = lo;
            this.end = hi;
        }

        /** Moves to the next block; false when the range is done. */
        boolean next() {
            from += length;
            length = (int) Math.min(SIZE, end - from);
            return length > 0;
        }

        /** Index of the block's first element. */
        long from() {
            return from;
        }

        /** Number of elements in the block. */
        int length() {
            return length;
        }
    }
}
