package org.nnpan.kernels.pool;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** {@link MaxPoolIndices} in plain loops: the window scan unrolled, any segment. */
final class ScalarMaxPoolIndices implements MaxPoolIndices {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED;

    @Override
    public void indices2x2(MemorySegment x, long xOffset, int h, int w, MemorySegment idx, long idxOffset) {
        int oh = h / 2;
        int ow = w / 2;
        for (int oy = 0; oy < oh; oy++) {
            for (int ox = 0; ox < ow; ox++) {
                int corner = 2 * oy * w + 2 * ox;
                int best = firstMax(x, xOffset, corner, corner + 1);
                best = firstMax(x, xOffset, best, corner + w);
                best = firstMax(x, xOffset, best, corner + w + 1);
                idx.setAtIndex(I64, idxOffset + (long) oy * ow + ox, best);
            }
        }
    }

    /** {@code at} if its value exceeds that at {@code best}, else {@code best}: the earlier of equal maxima wins. */
    private static int firstMax(MemorySegment x, long xOffset, int best, int at) {
        return x.getAtIndex(F32, xOffset + at) > x.getAtIndex(F32, xOffset + best) ? at : best;
    }
}
