package org.nnpan.kernels.conv;

import java.lang.foreign.MemorySegment;

/**
 * One image staged in a Java array so that an implicit-GEMM tile reads its column-matrix elements as plain array
 * runs: row {@code r} of the column matrix at output position {@code (oh, ow)} is element
 * {@code tapOffsets()[r] + positionOffset(oh, ow)} of {@link #data}.
 */
sealed interface StagedImage permits PaddedImage, ShiftedColumns {

    /** The staged elements. */
    float[] data();

    /** For each row of the column matrix, the offset of the element it reads for output position 0. */
    int[] tapOffsets();

    /** Offset of output position {@code (oh, ow)}'s elements relative to a tap's offset. */
    int positionOffset(int oh, int ow);

    /** Stages the image at element {@code offset} of {@code x}. */
    void load(MemorySegment x, long offset);
}
