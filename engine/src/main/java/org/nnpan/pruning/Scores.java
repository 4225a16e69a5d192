package org.nnpan.pruning;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.nnpan.autograd.Autograd;
import org.nnpan.ops.Elementwise;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Shape;
import org.nnpan.tensor.Tensor;

/**
 * One float32 score per prunable weight, by parameter name in model order: what a {@link Saliency} computes and a
 * {@link MaskSelection} ranks. Higher scores are kept.
 *
 * <p>The values live in one flat vector laid out by a {@link WeightLayout}, allocated in the memory scope that was
 * current when the scores were made; {@link #get} returns views into it.
 */
public final class Scores extends LayerVector {
    private Scores(WeightLayout layout, Tensor flat) {
        super(layout, flat);
    }

    /**
     * Scores holding a float32 copy of {@code perLayer}, in the current scope.
     *
     * @throws IllegalArgumentException if the names or shapes differ from {@code layout}
     */
    public static Scores of(WeightLayout layout, Map<String, Tensor> perLayer) {
        Scores scores = allocate(layout);
        scores.assign(perLayer);
        return scores;
    }

    /** Scores of {@code layout} in the current scope, for a computation that writes them itself. */
    static Scores allocate(WeightLayout layout) {
        return new Scores(layout, layout.allocate());
    }

    /**
     * Scores whose per-layer values {@code perLayer} computes in a memory scope of its own: the temporaries (a
     * whole autograd graph, typically) are freed as soon as the scores are copied out into the current scope.
     */
    static Scores computeScoped(WeightLayout layout, String what, Supplier<Map<String, Tensor>> perLayer) {
        return computeInto(layout, what, scores -> scores.assign(perLayer.get()));
    }

    /**
     * Scores that {@code writer} fills in a memory scope of its own, as {@link #computeScoped} but for computations
     * that write the scores directly instead of handing over per-layer tensors to copy.
     */
    static Scores computeInto(WeightLayout layout, String what, Consumer<Scores> writer) {
        Scores scores = allocate(layout);
        try (MemoryScope _ = MemoryScope.open(what)) {
            writer.accept(scores);
        }
        return scores;
    }

    /**
     * Overwrites these scores with {@code perLayer}, e.g. from inside a scope of temporaries that closes afterwards.
     *
     * @throws IllegalArgumentException if the names or shapes differ from the layout
     */
    void assign(Map<String, Tensor> perLayer) {
        if (!perLayer.keySet().equals(Set.copyOf(layout.names()))) {
            throw new IllegalArgumentException("scores for " + perLayer.keySet() + " do not match the prunable weights "
                    + layout);
        }
        for (WeightLayout.Layer layer : layout.layers()) {
            int[] shape = perLayer.get(layer.name()).shape();
            if (!Arrays.equals(shape, layer.shape())) {
                throw new IllegalArgumentException("scores of " + layer.name() + " have shape " + Shape.str(shape)
                        + ", the weight has " + Shape.str(layer.shape()));
            }
        }
        copyLayers(perLayer);
    }

    /** New scores {@code f(flat())} in the current scope, e.g. their absolute values; {@code f} keeps the shape. */
    public Scores map(UnaryOperator<Tensor> f) {
        try (Autograd.GradMode _ = Autograd.noGrad()) {
            Tensor mapped = f.apply(flat).to(DType.F32).contiguous();
            if (!mapped.sameShape(flat)) {
                throw new IllegalArgumentException("a score map changed the shape " + Shape.str(flat.shape()) + " to "
                        + Shape.str(mapped.shape()));
            }
            return new Scores(layout, mapped);
        }
    }

    /**
     * These scores where {@code mask} keeps a weight and −∞ where it prunes one, so a later selection of at most
     * {@code mask.kept()} weights never brings a pruned weight back.
     */
    public Scores keptOnly(Mask mask) {
        if (!mask.layout().sameAs(layout)) {
            throw new IllegalArgumentException("mask layout " + mask.layout() + " differs from score layout " + layout);
        }
        return map(s -> Elementwise.where(mask.flat(), s, s.scalarLike(Double.NEGATIVE_INFINITY)));
    }

    /**
     * Throws if a score is NaN (a NaN cannot be ranked), naming the weight and index.
     *
     * @throws IllegalArgumentException at the first NaN
     */
    public void requireNoNaN() {
        MemorySegment s = flat.storage().segment();
        long base = flat.offset();
        for (WeightLayout.Layer layer : layout.layers()) {
            for (long i = 0, n = layer.numel(); i < n; i++) {
                if (Float.isNaN(s.getAtIndex(ValueLayout.JAVA_FLOAT, base + layer.offset() + i))) {
                    throw new IllegalArgumentException("score of " + layer.name() + " at flat index " + i
                            + " is NaN; NaN scores cannot be ranked");
                }
            }
        }
    }
}
