package org.nnpan.nn;

import org.nnpan.autograd.Autograd;
import org.nnpan.backend.Backends;
import org.nnpan.ops.Elementwise;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Shape;
import org.nnpan.tensor.Tensor;

/**
 * A trainable tensor of a {@link Module}: a leaf that requires its gradient, plus an optional pruning mask.
 *
 * <p>Layers read their weight through {@link #effective()}, which is {@code value ⊙ mask} when a mask is set. The
 * product sits inside the graph, so the gradient with respect to {@link #value()} is zero wherever the mask is zero
 * without any extra step (the Synaptic-Flow arrangement), and the value itself is never altered by masking: scores
 * can still be computed from the original weights of pruned positions.
 *
 * <p>Only {@linkplain #prunable() prunable} parameters (convolution and linear weights) take a mask; biases and
 * BatchNorm parameters are never pruned.
 */
public final class Parameter {
    private Tensor value;
    private final boolean prunable;
    private Tensor mask;

    /**
     * Wraps {@code value} (which must outlive every step that uses it: allocate it in the global scope or a
     * model-owned one) and marks it as requiring its gradient.
     */
    public Parameter(Tensor value, boolean prunable) {
        if (!value.dtype().isFloating() || !value.isLeaf()) {
            throw new IllegalArgumentException("a parameter must be a floating-point leaf tensor, got " + value);
        }
        this.value = value.requiresGrad(true);
        this.prunable = prunable;
    }

    /** A zero float32 parameter of {@code shape} in the global scope on the current backend. */
    public static Parameter zeros(boolean prunable, int... shape) {
        return new Parameter(Tensor.empty(MemoryScope.global(), Backends.current(), DType.F32, shape), prunable);
    }

    /** The raw values θ: the leaf that optimizers update and gradients accumulate on. */
    public Tensor value() {
        return value;
    }

    /** What layers compute with: θ ⊙ mask when masked, otherwise θ itself. */
    public Tensor effective() {
        return mask == null ? value : value.mul(mask);
    }

    /** Whether this is a weight that pruning may remove (convolution and linear weights). */
    public boolean prunable() {
        return prunable;
    }

    /** The live 0/1 mask (same shape and dtype as the value), or null when the parameter is dense. */
    public Tensor mask() {
        return mask;
    }

    /** Whether a mask is set. */
    public boolean isMasked() {
        return mask != null;
    }

    /**
     * Sets the mask to a copy of {@code newMask}, converted to the value's dtype. The parameter keeps one mask buffer
     * in its own scope and overwrites it on later calls, so repeated re-masking (iterative pruning) allocates nothing.
     *
     * @throws IllegalStateException    if the parameter is not prunable
     * @throws IllegalArgumentException if the shape differs or an element is neither 0 nor 1
     */
    public void setMask(Tensor newMask) {
        if (!prunable) {
            throw new IllegalStateException("only prunable weights take a mask (biases and BatchNorm parameters are never"
                    + " pruned); got a mask for a parameter of shape " + Shape.str(value.shape()));
        }
        if (!newMask.sameShape(value)) {
            throw new IllegalArgumentException("mask shape " + Shape.str(newMask.shape()) + " differs from parameter shape "
                    + Shape.str(value.shape()));
        }
        checkBinary(newMask);
        if (mask == null) {
            mask = Tensor.empty(value.storage().scope(), value.backend(), value.dtype(), value.shape());
        }
        mask.backend().copyInto(mask, newMask);
    }

    private void checkBinary(Tensor m) {
        try (MemoryScope _ = MemoryScope.open("mask-check"); Autograd.GradMode _ = Autograd.noGrad()) {
            Tensor f = m.to(value.dtype());
            // m·(m−1) vanishes exactly on {0, 1}; NaN makes the sum NaN, which fails the test too.
            double offBinary = f.mul(f.sub(1)).abs().sum().item();
            if (!(offBinary == 0)) {
                throw new IllegalArgumentException("a mask may hold only 0 and 1 (shape " + Shape.str(value.shape()) + ")");
            }
        }
    }

    /**
     * Replaces the value (and mask) by converted copies in the same scope, dropping the gradient. Only for modules
     * that nothing else references yet: see {@link Module#copy(DType)}.
     */
    void convert(DType dtype) {
        value = converted(value, dtype).requiresGrad(true);
        if (mask != null) {
            mask = converted(mask, dtype);
        }
    }

    /** {@code t} converted to {@code dtype}, allocated in {@code t}'s scope. */
    static Tensor converted(Tensor t, DType dtype) {
        Tensor c = Tensor.empty(t.storage().scope(), t.backend(), dtype, t.shape());
        c.backend().copyInto(c, t);
        return c;
    }

    /** Removes the mask: the parameter is dense again. */
    public void clearMask() {
        mask = null;
    }

    /**
     * Overwrites the values in place (no autograd, dtype converted), e.g. to load or re-initialise weights.
     *
     * @throws IllegalArgumentException if the shape differs
     */
    public void assignInPlace(Tensor values) {
        if (!values.sameShape(value)) {
            throw new IllegalArgumentException("cannot assign shape " + Shape.str(values.shape()) + " to a parameter of shape "
                    + Shape.str(value.shape()));
        }
        value.backend().copyInto(value, values);
    }

    /**
     * Sets the stored weights to +0 wherever the mask is 0, so a pruned network's weights are exactly θ⊙M (not just
     * its forward pass); a no-op without a mask.
     */
    public void zeroPruned() {
        if (mask == null) {
            return;
        }
        try (MemoryScope _ = MemoryScope.open("zero-pruned"); Autograd.GradMode _ = Autograd.noGrad()) {
            // where() rather than a product: −w·0 would leave −0.0 behind.
            assignInPlace(Elementwise.where(mask, value.detach(), value.scalarLike(0)));
        }
    }

    /** The gradient accumulated by {@link Tensor#backward()}, or null. */
    public Tensor grad() {
        return value.grad();
    }

    /** Drops the accumulated gradient. */
    public void zeroGrad() {
        value.setGrad(null);
    }

    /** A copy of the shape. */
    public int[] shape() {
        return value.shape();
    }

    /** Number of elements. */
    public long numel() {
        return value.numel();
    }

    @Override
    public String toString() {
        return "Parameter(" + value.dtype() + ", " + Shape.str(value.shape()) + (prunable ? ", prunable" : "")
                + (mask != null ? ", masked" : "") + ")";
    }
}
