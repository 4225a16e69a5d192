package org.nnpan.pruning;

import java.util.Map;
import org.nnpan.autograd.Autograd;
import org.nnpan.nn.Module;
import org.nnpan.nn.Parameter;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * A mask-free copy of a model that a saliency evaluates at another point than θ₀ (θ₀⊙m for FORCE, |θ₀⊙m| for
 * SynFlow). It is made once and refreshed in place on later calls, so iterative pruning does not allocate a model
 * per step.
 */
final class WorkingCopy {
    private final DType dtype;
    private Module source;
    private Module copy;

    WorkingCopy(DType dtype) {
        this.dtype = dtype;
    }

    /**
     * The copy of {@code model} with its current values and buffers, no masks, and prunable weights set to θ⊙m
     * (or |θ⊙m| with {@code absolute}).
     */
    Module masked(Module model, Mask mask, boolean absolute) {
        mask.validateFor(model);
        if (copy == null || source != model) {
            source = model;
            copy = model.copy(dtype);
            copy.prunableParameters().values().forEach(Parameter::clearMask);
        } else {
            // Everything but the prunable weights, which are overwritten below.
            Map<String, Tensor> state = model.stateDict();
            state.keySet().removeAll(model.prunableParameters().keySet());
            copy.loadStateDict(state, false);
        }
        Map<String, Parameter> sourceWeights = model.prunableParameters();
        try (MemoryScope _ = MemoryScope.open("working-copy"); Autograd.GradMode _ = Autograd.noGrad()) {
            copy.prunableParameters().forEach((name, p) -> {
                Tensor w = sourceWeights.get(name).value().to(dtype).mul(mask.get(name).to(dtype));
                p.assignInPlace(absolute ? w.abs() : w);
            });
        }
        return copy;
    }
}
