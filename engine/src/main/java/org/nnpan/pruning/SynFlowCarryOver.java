package org.nnpan.pruning;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Map;
import org.nnpan.backend.Backends;
import org.nnpan.nn.Module;
import org.nnpan.nn.Parameter;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * SynFlow's scores of the mask a panning step's observation just analysed, kept for the next step, which scores
 * SynFlow on that same mask: the {@link PathAnalysis} of m_t and SynFlow on m_t run the same float64 pass whenever
 * the connectivity network (biases 0, BatchNorm the identity) is SynFlow's network (biases and BatchNorm values by
 * their absolute values) — as with the reference initialisation, whose biases are 0 and whose BatchNorm starts at the
 * identity. Then one pass serves both and the scores are bit for bit those of {@link SynFlowSaliency}.
 *
 * <p>The scores live in the global scope between steps. They are handed out only for the same model object and a
 * mask equal to the one analysed, so a reset mask or another model simply misses; the model's values must not change
 * in between (panning never changes θ₀).
 */
final class SynFlowCarryOver {
    private Module model;
    private WeightLayout layout;
    private Tensor mask;
    private Tensor scores;
    private boolean held;

    /**
     * Keeps SynFlow's scores of {@code model} under {@code mask}, from the path analysis's connectivity network
     * {@code net} and its ∂R/∂w {@code dr} (prunable weights in model order), if {@code net} is SynFlow's network;
     * otherwise drops what it held.
     */
    void offer(Module model, Mask mask, Module net, Tensor[] dr) {
        held = false;
        if (!isSynFlowNetwork(model, net)) {
            return;
        }
        WeightLayout modelLayout = WeightLayout.of(model);
        if (layout == null || !layout.sameAs(modelLayout)) {
            layout = modelLayout;
            int n = Math.toIntExact(layout.numel());
            this.mask = Tensor.empty(MemoryScope.global(), Backends.current(), DType.F32, n);
            this.scores = Tensor.empty(MemoryScope.global(), Backends.current(), DType.F32, n);
        }
        this.mask.backend().copyInto(this.mask, mask.flat());
        try (MemoryScope _ = MemoryScope.open("synflow-carry-over")) {
            Scores s = Scores.allocate(layout);
            SynFlowSaliency.scoresInto(model, dr, s);
            scores.backend().copyInto(scores, s.flat());
        }
        this.model = model;
        held = true;
    }

    /**
     * SynFlow's scores of {@code model} under {@code mask} in the current scope, if they were offered for this model
     * and an equal mask; null otherwise.
     */
    Scores take(Module model, Mask mask) {
        if (!held || model != this.model || !mask.layout().sameAs(layout) || !equalValues(mask.flat(), this.mask)) {
            return null;
        }
        Scores out = Scores.allocate(layout);
        out.flat().backend().copyInto(out.flat(), scores);
        return out;
    }

    /**
     * Whether {@code net}'s non-prunable parameters and floating-point buffers are the absolute values of
     * {@code model}'s, i.e. SynFlow's network on the same mask (both evaluate in evaluation mode with |θ⊙m|).
     */
    private static boolean isSynFlowNetwork(Module model, Module net) {
        Map<String, Parameter> netParameters = net.namedParameters();
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            if (!e.getValue().prunable()
                    && !absoluteEquals(e.getValue().value(), netParameters.get(e.getKey()).value())) {
                return false;
            }
        }
        Map<String, Tensor> netBuffers = net.namedBuffers();
        for (Map.Entry<String, Tensor> e : model.namedBuffers().entrySet()) {
            if (e.getValue().dtype().isFloating() && !absoluteEquals(e.getValue(), netBuffers.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** |a| == b element by element, compared in float64 (exact for float32 values). */
    private static boolean absoluteEquals(Tensor a, Tensor b) {
        double[] x = a.toDoubleArray();
        double[] y = b.toDoubleArray();
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.abs(x[i]);
        }
        return Arrays.equals(x, y);
    }

    private static boolean equalValues(Tensor a, Tensor b) {
        MemorySegment sa = a.storage().segment();
        MemorySegment sb = b.storage().segment();
        long bytes = a.numel() * Float.BYTES;
        long fromA = a.offset() * Float.BYTES;
        long fromB = b.offset() * Float.BYTES;
        return MemorySegment.mismatch(sa, fromA, fromA + bytes, sb, fromB, fromB + bytes) == -1;
    }
}
