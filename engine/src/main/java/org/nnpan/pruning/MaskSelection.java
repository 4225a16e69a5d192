package org.nnpan.pruning;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.nnpan.ops.Selection;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * Turns scores into a mask: keep the highest-scored weights, exactly {@code k = ⌊N·density⌋} of the N prunable
 * weights, either from one pool over all layers ({@link Scope#GLOBAL}) or with a quota per layer
 * ({@link Scope#LAYER}). Among equal scores the weight that comes first in model order (layer order, then row-major
 * index) is kept, so a selection is deterministic. The top-k is the exact O(n) one of {@link Selection}.
 */
public final class MaskSelection {

    /** Where the kept weights are chosen. */
    public enum Scope {
        /** All layers' scores in one pool (the default, as in SNIP, GraSP and SynFlow). */
        GLOBAL,
        /**
         * Each layer keeps its share of k: ⌊k·n_l/N⌋ weights, with the remaining few going one each to the layers
         * with the largest fractional shares (first in model order among equals), so every layer keeps its density
         * to within one weight and the total is exactly k.
         */
        LAYER;

        /** The option value, {@code global} or {@code layer}. */
        public String cliName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * The scope named {@code name} ({@code global} or {@code layer}).
         *
         * @throws IllegalArgumentException listing the valid names
         */
        public static Scope parse(String name) {
            for (Scope s : values()) {
                if (s.cliName().equals(name)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown scope '" + name + "'; valid: global, layer");
        }
    }

    private MaskSelection() {
    }

    /** A new mask (in the current scope) keeping the {@code density.keptCount(N)} best-scored weights. */
    public static Mask select(Scores scores, Density density, Scope scope) {
        Mask mask = Mask.allocate(scores.layout());
        selectInto(scores, density, scope, mask);
        return mask;
    }

    /**
     * Writes the selection into {@code out}, overwriting it (so iterative pruning reuses one mask buffer).
     *
     * @throws IllegalArgumentException if a score is NaN or {@code out} has another layout
     */
    public static void selectInto(Scores scores, Density density, Scope scope, Mask out) {
        selectInto(scores, density, scope, Set.of(), out);
    }

    /**
     * As {@link #selectInto(Scores, Density, Scope, Mask)}, with the layers named in {@code keepDense} (layer names of
     * the layout, e.g. {@code classifier.weight}) kept whole and left out of the selection: {@code density} applies to
     * the other layers' weights, the pool, of which exactly {@code density.keptCount(N_pool)} are kept, chosen as from
     * a model without the kept-dense layers (the same order among equal scores).
     *
     * @throws IllegalArgumentException if a name in {@code keepDense} is not a layer of the layout, or as the other
     */
    public static void selectInto(Scores scores, Density density, Scope scope, Set<String> keepDense, Mask out) {
        WeightLayout layout = scores.layout();
        if (!out.layout().sameAs(layout)) {
            throw new IllegalArgumentException("mask layout " + out.layout() + " differs from score layout " + layout);
        }
        scores.requireNoNaN();
        requireLayers(layout, keepDense);
        List<WeightLayout.Layer> pool = new ArrayList<>();
        for (WeightLayout.Layer l : layout.layers()) {
            if (keepDense.contains(l.name())) {
                out.flat().backend().fill(WeightLayout.flatView(out.flat(), l), 1);
            } else {
                pool.add(l);
            }
        }
        if (pool.isEmpty()) {
            return;
        }
        long k = density.keptCount(pool.stream().mapToLong(WeightLayout.Layer::numel).sum());
        switch (scope) {
            case GLOBAL -> {
                if (keepDense.isEmpty()) {
                    keepTop(scores.flat(), out.flat(), k);
                } else {
                    keepTopOfPool(scores.flat(), out.flat(), pool, k);
                }
            }
            case LAYER -> {
                long[] quotas = layerQuotas(pool, k);
                for (int i = 0; i < pool.size(); i++) {
                    WeightLayout.Layer l = pool.get(i);
                    keepTop(WeightLayout.flatView(scores.flat(), l), WeightLayout.flatView(out.flat(), l), quotas[i]);
                }
            }
        }
    }

    /**
     * Checks that every name in {@code names} is a layer of {@code layout}.
     *
     * @throws IllegalArgumentException naming the first unknown one and listing the layers
     */
    public static void requireLayers(WeightLayout layout, Set<String> names) {
        List<String> layers = layout.layers().stream().map(WeightLayout.Layer::name).toList();
        for (String name : names) {
            if (!layers.contains(name)) {
                throw new IllegalArgumentException("no prunable weight '" + name + "' to keep dense; prunable: "
                        + String.join(", ", layers));
            }
        }
    }

    /** The top-{@code k} of the {@code pool} layers' scores taken together, written to their part of {@code out}. */
    private static void keepTopOfPool(Tensor scores, Tensor out, List<WeightLayout.Layer> pool, long k) {
        try (MemoryScope _ = MemoryScope.open("top-k")) {
            long size = pool.stream().mapToLong(WeightLayout.Layer::numel).sum();
            Tensor packed = Tensor.zeros(scores.dtype(), Math.toIntExact(size));
            long at = 0;
            for (WeightLayout.Layer l : pool) {
                packed.backend().copyInto(WeightLayout.flatRange(packed, at, l.numel()),
                        WeightLayout.flatView(scores, l));
                at += l.numel();
            }
            Tensor kept = Selection.topKMask(packed, k);
            at = 0;
            for (WeightLayout.Layer l : pool) {
                out.backend().copyInto(WeightLayout.flatView(out, l), WeightLayout.flatRange(kept, at, l.numel()));
                at += l.numel();
            }
        }
    }

    /** Writes the top-{@code k} mask of {@code scores} into {@code out}. */
    private static void keepTop(Tensor scores, Tensor out, long k) {
        try (MemoryScope _ = MemoryScope.open("top-k")) {
            out.backend().copyInto(out, Selection.topKMask(scores, k));
        }
    }

    /** The per-layer counts of {@link Scope#LAYER}: shares of {@code k} by largest remainder, summing to k. */
    static long[] layerQuotas(List<WeightLayout.Layer> layers, long k) {
        long total = layers.stream().mapToLong(WeightLayout.Layer::numel).sum();
        long[] quotas = new long[layers.size()];
        long[] remainders = new long[layers.size()];
        long assigned = 0;
        for (int i = 0; i < quotas.length; i++) {
            long share = Math.multiplyExact(k, layers.get(i).numel()); // both fit in an int: no overflow
            quotas[i] = share / total;
            remainders[i] = share % total;
            assigned += quotas[i];
        }
        for (long left = k - assigned; left > 0; left--) {
            int best = -1;
            for (int i = 0; i < quotas.length; i++) {
                if (remainders[i] >= 0 && (best < 0 || remainders[i] > remainders[best])) {
                    best = i;
                }
            }
            quotas[best]++;
            remainders[best] = -1; // at most one extra weight per layer
        }
        return quotas;
    }
}
