package org.nnpan.ops;

import org.nnpan.kernels.select.TopK;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * Exact top-k selection over all elements of a tensor in O(n) (global pruning thresholds over tens of millions of
 * scores). Ties are broken by flat row-major index, lower first, so the same scores always give the same selection.
 * Not differentiable.
 */
public final class Selection {
    private Selection() {
    }

    /** A float32 view of {@code t}'s values, contiguous (copied only if needed). */
    private static Tensor flatF32(Tensor t) {
        Tensor f = t.dtype() == DType.F32 ? t : t.to(DType.F32);
        return f.backend().dense(f.detach());
    }

    /** A float32 0/1 tensor shaped like {@code scores} with exactly {@code k} ones on the largest scores. */
    public static Tensor topKMask(Tensor scores, long k) {
        return mask(scores, k, TopK.Order.LARGEST);
    }

    /** A float32 0/1 tensor shaped like {@code scores} with exactly {@code k} ones on the smallest scores. */
    public static Tensor bottomKMask(Tensor scores, long k) {
        return mask(scores, k, TopK.Order.SMALLEST);
    }

    private static Tensor mask(Tensor scores, long k, TopK.Order order) {
        Tensor s = flatF32(scores);
        Tensor out = Tensor.uninitialized(MemoryScope.current(), s.backend(), DType.F32, scores.shape());
        TopK.topKMask(s.storage().segment(), s.offset(), s.numel(), k, order, out.storage().segment(), 0);
        return out;
    }

    /** The k-th largest value (1-based) of all elements. */
    public static double kthLargest(Tensor scores, long k) {
        Tensor s = flatF32(scores);
        return TopK.kthValue(s.storage().segment(), s.offset(), s.numel(), k, TopK.Order.LARGEST);
    }

    /** Flat row-major indices of the {@code k} largest values, largest first (ties: lower index first). */
    public static long[] topKIndices(Tensor scores, int k) {
        Tensor s = flatF32(scores);
        return TopK.topKIndices(s.storage().segment(), s.offset(), s.numel(), k, TopK.Order.LARGEST);
    }
}
