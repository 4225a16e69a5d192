package org.nnpan.pruning;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.nnpan.kernels.parallel.Parallel;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/**
 * Direct element access to a contiguous float32 or float64 tensor, for the fused per-weight loops of the saliencies:
 * one parallel pass over millions of weights instead of a chain of elementwise ops, each allocating a full copy.
 * The dtype test sits outside the loops' work, so the JIT unswitches it.
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

    /** Element {@code i}, widened to double. */
    double get(long i) {
        return f32 ? segment.getAtIndex(ValueLayout.JAVA_FLOAT, offset + i)
                : segment.getAtIndex(ValueLayout.JAVA_DOUBLE, offset + i);
    }

    /** Sets element {@code i}, rounded to float32 in a float32 tensor. */
    void set(long i, double v) {
        if (f32) {
            segment.setAtIndex(ValueLayout.JAVA_FLOAT, offset + i, (float) v);
        } else {
            segment.setAtIndex(ValueLayout.JAVA_DOUBLE, offset + i, v);
        }
    }

    /** Runs {@code body} over {@code [0, n)} on the intra-op threads, in contiguous ranges. */
    static void parallelFor(long n, Parallel.RangeBody body) {
        Parallel.get().parallelFor(n, GRAIN, body);
    }
}
