package org.nnpan.pruning;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import org.nnpan.kernels.elementwise.Elementwise;
import org.nnpan.kernels.elementwise.ElementwiseKernels;
import org.nnpan.nn.Module;
import org.nnpan.nn.Parameter;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/**
 * A mask-free copy of a model that a saliency evaluates at another point than θ₀ (θ₀⊙m for FORCE, |θ₀⊙m| for
 * SynFlow). It is made once and refreshed in place on later calls, so iterative pruning does not allocate a model
 * per step.
 *
 * <p>Only the prunable weights of the copy require a gradient: every user differentiates with respect to them alone,
 * so the backward pass skips the gradients of biases and BatchNorm parameters (reductions nobody reads).
 */
final class WorkingCopy {
    private static final Elementwise ELEMENTWISE = ElementwiseKernels.best();

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
            copy.parameters().stream().filter(p -> !p.prunable()).forEach(p -> p.value().requiresGrad(false));
        } else {
            // Everything but the prunable weights, which are overwritten below.
            Map<String, Tensor> state = model.stateDict();
            state.keySet().removeAll(model.prunableParameters().keySet());
            copy.loadStateDict(state, false);
        }
        Map<String, Parameter> sourceWeights = model.prunableParameters();
        copy.prunableParameters().forEach((name, p) ->
                writeMasked(sourceWeights.get(name).value(), mask.get(name), p.value(), absolute));
        return copy;
    }

    /**
     * {@code out} = θ⊙m (or |θ⊙m|) element by element, in place and in parallel: one pass instead of a conversion, a
     * product, an absolute value and a copy per layer, on the element-wise kernels (vectorised). m is 0 or 1, so the
     * float64 product is exact in either dtype.
     */
    private static void writeMasked(Tensor theta, Tensor mask, Tensor out, boolean absolute) {
        if (theta.dtype() != DType.F32 || mask.dtype() != DType.F32 || !out.dtype().isFloating()
                || !theta.isContiguous() || !mask.isContiguous() || !out.isContiguous()) {
            throw new IllegalStateException("a working copy is made from contiguous float32 weights and masks into a "
                    + "contiguous float32 or float64 copy, got " + theta.dtype() + ", " + mask.dtype() + " into "
                    + out.dtype());
        }
        MemorySegment t = theta.storage().segment();
        MemorySegment m = mask.storage().segment();
        MemorySegment o = out.storage().segment();
        boolean f32 = out.dtype() == DType.F32;
        FlatView.parallelFor(out.numel(), (lo, hi) -> {
            int n = Math.toIntExact(hi - lo);
            if (f32) {
                ELEMENTWISE.maskedProductF32(o, out.offset() + lo, t, theta.offset() + lo, m, mask.offset() + lo,
                        absolute, n);
            } else {
                ELEMENTWISE.maskedProductF32ToF64(o, out.offset() + lo, t, theta.offset() + lo, m, mask.offset() + lo,
                        absolute, n);
            }
        });
    }
}
