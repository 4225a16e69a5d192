package org.nnpan.kernels.pool;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.nnpan.kernels.memory.NativeSegments;

/**
 * {@link MaxPoolIndices} with the Vector API: a vector of {@code L} floats from each of a window row pair covers
 * {@code L / 2} windows. Each even lane is a window's left column; the odd lane beside it, moved over by one lane, its
 * right column. The scalar scan's three comparisons become three lane-wise compares and blends of values and indices,
 * in the same order with the same strict {@code >}, so the indices are the same; the even lanes' indices are then
 * compressed together and widened to int64. A row's last windows take masked loads and stores. Heap segments go to
 * {@link ScalarMaxPoolIndices}. The only class of the package that links against {@code jdk.incubator.vector};
 * {@link MaxPoolKernels} loads it reflectively.
 */
final class VectorMaxPoolIndices implements MaxPoolIndices {

    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED;
    private static final int L = FLOATS.length();
    /** Windows per vector pair: as many as int64 lanes in a vector of the same size. */
    private static final int WINDOWS = L / 2;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /** Lane {@code i} takes lane {@code i + 1}: a window's right column beside its left. */
    private static final VectorShuffle<Float> NEXT = VectorShuffle.fromOp(FLOATS, i -> (i + 1) % L);
    private static final VectorMask<Integer> EVEN = VectorMask.fromValues(INTS, evenLanes());
    private static final IntVector LANE = IntVector.zero(INTS).addIndex(1);
    private static final ScalarMaxPoolIndices SCALAR = new ScalarMaxPoolIndices();

    private static boolean[] evenLanes() {
        boolean[] even = new boolean[INTS.length()];
        for (int i = 0; i < even.length; i += 2) {
            even[i] = true;
        }
        return even;
    }

    @Override
    public void indices2x2(MemorySegment x0, long xOffset, int h, int w, MemorySegment idx0, long idxOffset) {
        if (!NativeSegments.isNative(x0) || !NativeSegments.isNative(idx0)) {
            SCALAR.indices2x2(x0, xOffset, h, w, idx0, idxOffset);
            return;
        }
        MemorySegment x = NativeSegments.typed(x0);
        MemorySegment idx = NativeSegments.typed(idx0);
        int oh = h / 2;
        int ow = w / 2;
        for (int oy = 0; oy < oh; oy++) {
            long top = (xOffset + 2L * oy * w) * Float.BYTES;
            long bottom = top + (long) w * Float.BYTES;
            long out = idxOffset + (long) oy * ow;
            for (int ox = 0; ox < ow; ox += WINDOWS) {
                int n = Math.min(WINDOWS, ow - ox);
                VectorMask<Float> lanes = FLOATS.indexInRange(0, 2 * n);
                long at = 2L * ox * Float.BYTES;
                FloatVector a = FloatVector.fromMemorySegment(FLOATS, x, top + at, ORDER, lanes);
                FloatVector c = FloatVector.fromMemorySegment(FLOATS, x, bottom + at, ORDER, lanes);
                IntVector corner = LANE.add(2 * oy * w + 2 * ox);
                // The window's elements in scan order: a (corner), a's right neighbour, c (one row down), c's neighbour.
                FloatVector best = a;
                IntVector index = corner;
                FloatVector b = a.rearrange(NEXT);
                VectorMask<Float> wins = b.compare(VectorOperators.GT, best);
                best = best.blend(b, wins);
                index = index.blend(corner.add(1), wins.cast(INTS));
                wins = c.compare(VectorOperators.GT, best);
                best = best.blend(c, wins);
                index = index.blend(corner.add(w), wins.cast(INTS));
                FloatVector d = c.rearrange(NEXT);
                wins = d.compare(VectorOperators.GT, best);
                index = index.blend(corner.add(w + 1), wins.cast(INTS));
                LongVector indices = (LongVector) index.compress(EVEN).convertShape(VectorOperators.I2L, LONGS, 0);
                indices.intoMemorySegment(idx, (out + ox) * Long.BYTES, ORDER, LONGS.indexInRange(0, n));
            }
        }
    }
}
