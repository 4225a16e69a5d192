package org.nnpan.pruning;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.nnpan.data.SplitMix64;

/**
 * The sanity check of Frankle et al. (2021): shuffle a mask's kept positions uniformly at random within each layer.
 * Every layer keeps exactly its number of kept weights, so a method whose shuffled mask trains as well as the
 * original has found good per-layer densities rather than good individual weights.
 */
public final class LayerShuffle {
    private LayerShuffle() {
    }

    /** A new mask (in the current scope) with each layer of {@code mask} shuffled; {@code mask} is unchanged. */
    public static Mask shuffle(Mask mask, long seed) {
        SplitMix64 rng = new SplitMix64(Seeds.derive(seed, "layer-shuffle"));
        Mask out = Mask.allocate(mask.layout());
        out.assign(mask);
        MemorySegment s = out.flat().storage().segment();
        long base = out.flat().offset();
        for (WeightLayout.Layer layer : out.layout().layers()) {
            long start = base + layer.offset();
            // Fisher-Yates over the layer's run of the flat vector.
            for (int i = (int) layer.numel() - 1; i > 0; i--) {
                long j = start + rng.nextInt(i + 1);
                long k = start + i;
                float a = s.getAtIndex(ValueLayout.JAVA_FLOAT, k);
                s.setAtIndex(ValueLayout.JAVA_FLOAT, k, s.getAtIndex(ValueLayout.JAVA_FLOAT, j));
                s.setAtIndex(ValueLayout.JAVA_FLOAT, j, a);
            }
        }
        return out;
    }
}
