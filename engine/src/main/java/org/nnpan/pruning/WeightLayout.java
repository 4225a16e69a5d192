package org.nnpan.pruning;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nnpan.backend.Backends;
import org.nnpan.nn.Module;
import org.nnpan.nn.Parameter;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Shape;
import org.nnpan.tensor.Tensor;

/**
 * Where every prunable weight of a model sits in one flat vector: the layers in model order
 * ({@link Module#prunableParameters()}), each a contiguous run of elements in row-major order.
 *
 * <p>{@link Scores} and {@link Mask} keep their values in one such vector, so global selection is a single top-k
 * over memory that is already concatenated, and each layer is a view into it.
 */
public final class WeightLayout {

    /**
     * One prunable weight: its parameter name (e.g. {@code conv1.weight}), shape and first element in the vector.
     */
    public record Layer(String name, int[] shape, long offset) {
        public Layer {
            shape = shape.clone();
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        /** Number of weights. */
        public long numel() {
            return Shape.numel(shape);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Layer l && l.name.equals(name) && Arrays.equals(l.shape, shape) && l.offset == offset;
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + Arrays.hashCode(shape);
        }

        @Override
        public String toString() {
            return name + " " + Shape.str(shape);
        }
    }

    private final Map<String, Layer> layers;
    private final long numel;

    private WeightLayout(List<Layer> layers) {
        this.layers = new LinkedHashMap<>();
        long n = 0;
        for (Layer l : layers) {
            this.layers.put(l.name(), l);
            n += l.numel();
        }
        this.numel = n;
    }

    /**
     * The layout of {@code model}'s prunable weights.
     *
     * @throws IllegalArgumentException if the model has no prunable weight
     */
    public static WeightLayout of(Module model) {
        List<Layer> layers = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, Parameter> e : model.prunableParameters().entrySet()) {
            Layer layer = new Layer(e.getKey(), e.getValue().shape(), offset);
            layers.add(layer);
            offset += layer.numel();
        }
        if (layers.isEmpty()) {
            throw new IllegalArgumentException(model.getClass().getSimpleName()
                    + " has no prunable weights (no convolution or linear layer)");
        }
        if (offset > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("pruning supports up to " + Integer.MAX_VALUE
                    + " prunable weights, the model has " + offset);
        }
        return new WeightLayout(layers);
    }

    /** The layers in model order. */
    public List<Layer> layers() {
        return List.copyOf(layers.values());
    }

    /** The parameter names in model order. */
    public List<String> names() {
        return List.copyOf(layers.keySet());
    }

    /** The layer named {@code name}, e.g. {@code conv1.weight}. */
    public Layer layer(String name) {
        Layer l = layers.get(name);
        if (l == null) {
            throw new IllegalArgumentException("no prunable weight '" + name + "'; the prunable weights are "
                    + layers.keySet());
        }
        return l;
    }

    /** Total number of prunable weights, N. */
    public long numel() {
        return numel;
    }

    /** Whether {@code other} has the same names, shapes and order. */
    public boolean sameAs(WeightLayout other) {
        if (other == this) {
            return true;
        }
        if (other.layers.size() != layers.size()) {
            return false;
        }
        // In order, without copying: Panning compares layouts every step.
        Iterator<Layer> theirs = other.layers.values().iterator();
        for (Layer mine : layers.values()) {
            if (!mine.equals(theirs.next())) {
                return false;
            }
        }
        return true;
    }

    /** A zero float32 vector of {@link #numel()} elements in the current scope. */
    Tensor allocate() {
        return Tensor.empty(MemoryScope.current(), Backends.current(), DType.F32,
                Math.toIntExact(numel));
    }

    /** The view of {@code flat} that holds {@code layer}, in the layer's shape. */
    static Tensor view(Tensor flat, Layer layer) {
        int[] shape = layer.shape();
        return new Tensor(flat.storage(), shape, Shape.contiguousStrides(shape), flat.offset() + layer.offset());
    }

    /** The view of {@code flat} that holds {@code layer} as a vector. */
    static Tensor flatView(Tensor flat, Layer layer) {
        return flatRange(flat, layer.offset(), layer.numel());
    }

    /** The 1-D view of {@code numel} elements of {@code flat} from {@code offset}. */
    static Tensor flatRange(Tensor flat, long offset, long numel) {
        return new Tensor(flat.storage(), new int[] {Math.toIntExact(numel)}, new int[] {1}, flat.offset() + offset);
    }

    /** {@code "conv1.weight [20, 1, 5, 5], ..."}. */
    @Override
    public String toString() {
        return layers.values().toString();
    }
}
