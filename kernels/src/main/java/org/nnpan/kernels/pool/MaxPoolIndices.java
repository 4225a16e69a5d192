package org.nnpan.kernels.pool;

import java.lang.foreign.MemorySegment;

/**
 * The window indices of 2x2, stride-2, unpadded max pooling over one float32 plane: per output position, the offset
 * within the plane ({@code iy * w + ix}) of its window's first maximum, scanning the window row by row with a strict
 * {@code >} (PyTorch's choice: the earliest of equal maxima wins; a NaN wins only as the first element). Indices are
 * written as int64, as the pooling op keeps them. The plane is {@code h x w} floats from element {@code xOffset}; the
 * {@code (h / 2) x (w / 2)} indices go from element {@code idxOffset}.
 *
 * <p>Two implementations with identical results: {@link ScalarMaxPoolIndices}, plain loops that run everywhere, and
 * {@code VectorMaxPoolIndices}, the Vector API (needs {@code --add-modules jdk.incubator.vector}, takes native
 * segments). {@link MaxPoolKernels#best()} picks one. The vector one exists because the scalar scan's three
 * data-dependent comparisons per window cost several times its memory traffic (docs/benchmarks.md, twelfth session).
 */
public interface MaxPoolIndices {

    /** Writes the {@code (h / 2) x (w / 2)} window indices of the plane at {@code xOffset} from {@code idxOffset}. */
    void indices2x2(MemorySegment x, long xOffset, int h, int w, MemorySegment idx, long idxOffset);
}
