package org.nnpan.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.nnpan.autograd.Autograd;
import org.nnpan.autograd.Node;
import org.nnpan.backend.Backend;
import org.nnpan.backend.Backends;
import org.nnpan.ops.Elementwise;
import org.nnpan.ops.Linalg;
import org.nnpan.ops.Reductions;
import org.nnpan.ops.Shapes;

/**
 * An n-dimensional array: a strided view of a {@link Storage}, plus the autograd state of a node in the
 * computation graph.
 *
 * <p>Tensors are immutable in shape; ops return new tensors and record, when gradients are enabled and an input
 * {@linkplain #requiresGrad() requires them}, how to differentiate themselves (see {@link Autograd}). The few
 * in-place methods (suffix {@code InPlace}) are meant for optimizer updates under {@link Autograd#noGrad()}.
 */
public final class Tensor {
    private final Storage storage;
    private final int[] shape;
    private final int[] strides;
    private final long offset;

    private boolean requiresGrad;
    private Node gradFn;
    private Tensor grad;

    /** Wraps a view of {@code storage}; ops and backends use this, user code uses the factories. */
    public Tensor(Storage storage, int[] shape, int[] strides, long offset) {
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
    }

    // ---------------------------------------------------------------- factories

    /** A zero-filled contiguous tensor in the current scope on the current backend. */
    public static Tensor zeros(DType dtype, int... shape) {
        return empty(MemoryScope.current(), Backends.current(), dtype, shape);
    }

    /** A zero-filled float32 tensor. */
    public static Tensor zeros(int... shape) {
        return zeros(DType.F32, shape);
    }

    /** A zero-filled contiguous tensor in {@code scope} on {@code backend}. */
    public static Tensor empty(MemoryScope scope, Backend backend, DType dtype, int... shape) {
        return allocate(scope, backend, dtype, true, shape);
    }

    /**
     * A contiguous tensor whose contents are arbitrary (recycled memory), for kernels that overwrite every element:
     * it skips the zero-fill.
     */
    public static Tensor uninitialized(MemoryScope scope, Backend backend, DType dtype, int... shape) {
        return allocate(scope, backend, dtype, false, shape);
    }

    private static Tensor allocate(MemoryScope scope, Backend backend, DType dtype, boolean zeroed, int[] shape) {
        int[] s = shape.clone();
        Storage st = Storage.allocate(scope, backend, dtype, Shape.numel(s), zeroed);
        return new Tensor(st, s, Shape.contiguousStrides(s), 0);
    }

    /** A zero-filled tensor like {@code t} (same shape, dtype, backend) in the current scope. */
    public static Tensor zerosLike(Tensor t) {
        return empty(MemoryScope.current(), t.backend(), t.dtype(), t.shape);
    }

    /** A tensor filled with {@code value}. */
    public static Tensor full(double value, DType dtype, int... shape) {
        Tensor t = zeros(dtype, shape);
        if (value != 0) {
            t.storage.backend().fill(t, value);
        }
        return t;
    }

    /** A tensor of ones. */
    public static Tensor ones(DType dtype, int... shape) {
        return full(1, dtype, shape);
    }

    /** A rank-0 tensor. */
    public static Tensor scalar(double value, DType dtype) {
        return full(value, dtype);
    }

    /** A float32 tensor holding a copy of {@code data} in row-major order. */
    public static Tensor of(float[] data, int... shape) {
        checkLength(data.length, shape);
        Tensor t = zeros(DType.F32, shape);
        MemorySegment.copy(data, 0, t.storage.segment(), ValueLayout.JAVA_FLOAT, 0, data.length);
        return t;
    }

    /** A float64 tensor holding a copy of {@code data} in row-major order. */
    public static Tensor of(double[] data, int... shape) {
        checkLength(data.length, shape);
        Tensor t = zeros(DType.F64, shape);
        MemorySegment.copy(data, 0, t.storage.segment(), ValueLayout.JAVA_DOUBLE, 0, data.length);
        return t;
    }

    /** An int64 tensor holding a copy of {@code data}. */
    public static Tensor of(long[] data, int... shape) {
        checkLength(data.length, shape);
        Tensor t = zeros(DType.I64, shape);
        MemorySegment.copy(data, 0, t.storage.segment(), ValueLayout.JAVA_LONG, 0, data.length);
        return t;
    }

    /** Standard-normal samples scaled by {@code std}, drawn from {@code rng} in row-major order. */
    public static Tensor randn(RandomGenerator rng, double std, DType dtype, int... shape) {
        Tensor t = zeros(dtype, shape);
        long n = t.numel();
        for (long i = 0; i < n; i++) {
            t.storage.setDouble(i, rng.nextGaussian() * std);
        }
        return t;
    }

    /** Uniform samples in {@code [lo, hi)}, drawn from {@code rng} in row-major order. */
    public static Tensor uniform(RandomGenerator rng, double lo, double hi, DType dtype, int... shape) {
        Tensor t = zeros(dtype, shape);
        long n = t.numel();
        for (long i = 0; i < n; i++) {
            t.storage.setDouble(i, lo + (hi - lo) * rng.nextDouble());
        }
        return t;
    }

    private static void checkLength(int length, int[] shape) {
        if (length != Shape.numel(shape)) {
            throw new IllegalArgumentException("data of length " + length + " does not fill shape " + Shape.str(shape)
                    + " (" + Shape.numel(shape) + " elements)");
        }
    }

    // ---------------------------------------------------------------- metadata

    public Storage storage() {
        return storage;
    }

    public Backend backend() {
        return storage.backend();
    }

    public DType dtype() {
        return storage.dtype();
    }

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    /** Size of dimension {@code axis} (negative counts from the end). */
    public int size(int axis) {
        return shape[Shape.axis("size", axis, shape.length)];
    }

    /** A copy of the strides, in elements. */
    public int[] strides() {
        return strides.clone();
    }

    /** Offset of element 0 in the storage, in elements. */
    public long offset() {
        return offset;
    }

    public int dim() {
        return shape.length;
    }

    public long numel() {
        return Shape.numel(shape);
    }

    /** Whether the elements are laid out densely in row-major order (so the view can be read as a flat array). */
    public boolean isContiguous() {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /** Whether two tensors have equal shapes. */
    public boolean sameShape(Tensor other) {
        return Arrays.equals(shape, other.shape);
    }

    // ---------------------------------------------------------------- data access

    /** The storage index of the element at {@code index}. */
    private long storageIndex(int... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index " + Arrays.toString(index) + " has rank " + index.length
                    + " but the tensor has shape " + Shape.str(shape));
        }
        long p = offset;
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " out of bounds for shape " + Shape.str(shape));
            }
            p += (long) index[i] * strides[i];
        }
        return p;
    }

    /** The element at {@code index}, widened to double. */
    public double get(int... index) {
        return storage.getDouble(storageIndex(index));
    }

    /** Sets one element (no autograd; for building inputs and tests). */
    public void set(double value, int... index) {
        storage.setDouble(storageIndex(index), value);
    }

    /** The single value of a one-element tensor. */
    public double item() {
        if (numel() != 1) {
            throw new IllegalArgumentException("item() needs a tensor with one element, got shape " + Shape.str(shape));
        }
        return storage.getDouble(offset);
    }

    /** A contiguous tensor with the same values (this one if already contiguous). */
    public Tensor contiguous() {
        return Shapes.contiguous(this);
    }

    /** The values in row-major order as floats. */
    public float[] toFloatArray() {
        Tensor c = contiguous();
        float[] out = new float[Math.toIntExact(numel())];
        if (c.dtype() == DType.F32) {
            MemorySegment.copy(c.storage.segment(), ValueLayout.JAVA_FLOAT, c.offset * 4, out, 0, out.length);
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) c.storage.getDouble(c.offset + i);
            }
        }
        return out;
    }

    /** The values in row-major order as doubles. */
    public double[] toDoubleArray() {
        Tensor c = contiguous();
        double[] out = new double[Math.toIntExact(numel())];
        for (int i = 0; i < out.length; i++) {
            out[i] = c.storage.getDouble(c.offset + i);
        }
        return out;
    }

    /** The values in row-major order as longs (for index tensors). */
    public long[] toLongArray() {
        Tensor c = contiguous();
        long[] out = new long[Math.toIntExact(numel())];
        for (int i = 0; i < out.length; i++) {
            out[i] = (long) c.storage.getDouble(c.offset + i);
        }
        return out;
    }

    /** A contiguous deep copy in the current scope, outside the graph. */
    public Tensor copy() {
        Tensor out = empty(MemoryScope.current(), backend(), dtype(), shape);
        backend().copyInto(out, this);
        return out;
    }

    /** A copy converted to {@code target} (no autograd across the conversion unless equal types). */
    public Tensor to(DType target) {
        return target == dtype() ? this : backend().convert(this, target);
    }

    // ---------------------------------------------------------------- autograd state

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf as a variable whose gradient is wanted; returns this tensor. */
    public Tensor requiresGrad(boolean value) {
        if (gradFn != null && !value) {
            throw new IllegalStateException("cannot clear requiresGrad on a non-leaf tensor; use detach()");
        }
        this.requiresGrad = value;
        return this;
    }

    /** The op that produced this tensor, or null for a leaf. */
    public Node gradFn() {
        return gradFn;
    }

    /** Called by {@link Autograd} when recording an op. */
    public void setGradFn(Node node) {
        this.gradFn = node;
        this.requiresGrad = true;
    }

    /** Accumulated gradient of a leaf after {@link #backward()}, or null. */
    public Tensor grad() {
        return grad;
    }

    /** Replaces the accumulated gradient (null clears it). */
    public void setGrad(Tensor g) {
        this.grad = g;
    }

    public boolean isLeaf() {
        return gradFn == null;
    }

    /** A view of the same memory outside the graph. */
    public Tensor detach() {
        return new Tensor(storage, shape, strides, offset);
    }

    /** Backpropagates from this scalar, accumulating into the {@code grad} of every leaf that requires it. */
    public void backward() {
        Autograd.backward(this);
    }

    // ---------------------------------------------------------------- op shortcuts

    public Tensor add(Tensor o) {
        return Elementwise.add(this, o);
    }

    public Tensor add(double s) {
        return Elementwise.add(this, scalarLike(s));
    }

    public Tensor sub(Tensor o) {
        return Elementwise.sub(this, o);
    }

    public Tensor sub(double s) {
        return Elementwise.sub(this, scalarLike(s));
    }

    public Tensor mul(Tensor o) {
        return Elementwise.mul(this, o);
    }

    public Tensor mul(double s) {
        return Elementwise.mul(this, scalarLike(s));
    }

    public Tensor div(Tensor o) {
        return Elementwise.div(this, o);
    }

    public Tensor div(double s) {
        return Elementwise.div(this, scalarLike(s));
    }

    public Tensor neg() {
        return Elementwise.neg(this);
    }

    public Tensor abs() {
        return Elementwise.abs(this);
    }

    public Tensor exp() {
        return Elementwise.exp(this);
    }

    public Tensor log() {
        return Elementwise.log(this);
    }

    public Tensor sqrt() {
        return Elementwise.sqrt(this);
    }

    public Tensor pow(double exponent) {
        return Elementwise.pow(this, exponent);
    }

    public Tensor relu() {
        return Elementwise.relu(this);
    }

    public Tensor sum() {
        return Reductions.sum(this);
    }

    public Tensor sum(boolean keepDim, int... axes) {
        return Reductions.sum(this, axes, keepDim);
    }

    public Tensor mean() {
        return Reductions.mean(this);
    }

    public Tensor matmul(Tensor o) {
        return Linalg.matmul(this, o);
    }

    public Tensor reshape(int... newShape) {
        return Shapes.reshape(this, newShape);
    }

    public Tensor permute(int... order) {
        return Shapes.permute(this, order);
    }

    public Tensor transpose(int a, int b) {
        return Shapes.transpose(this, a, b);
    }

    /** A rank-0 tensor of this tensor's dtype and backend. */
    public Tensor scalarLike(double value) {
        Tensor t = empty(MemoryScope.current(), backend(), dtype());
        t.storage.setDouble(0, value);
        return t;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor(").append(dtype()).append(", ").append(Shape.str(shape));
        if (storage.scope().isOpen() && !storage.isReleased() && numel() <= 16) {
            sb.append(", ").append(Arrays.toString(toDoubleArray()));
        }
        if (gradFn != null) {
            sb.append(", gradFn=").append(gradFn.name());
        } else if (requiresGrad) {
            sb.append(", requiresGrad");
        }
        return sb.append(')').toString();
    }
}
