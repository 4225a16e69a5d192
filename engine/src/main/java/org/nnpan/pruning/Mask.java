package org.nnpan.pruning;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import org.nnpan.io.TensorFiles;
import org.nnpan.kernels.elementwise.Elementwise;
import org.nnpan.kernels.elementwise.ElementwiseKernels;
import org.nnpan.nn.Module;
import org.nnpan.nn.Parameter;
import org.nnpan.tensor.Shape;
import org.nnpan.tensor.Tensor;

/**
 * A pruning mask: one float32 tensor of 0s (pruned) and 1s (kept) per prunable weight, by parameter name in model
 * order. A mask always matches the {@link WeightLayout} of the model it was made for and holds only 0 and 1;
 * every way of building one checks that.
 *
 * <p>Files use the names of PyTorch's {@code torch.nn.utils.prune}: the mask of parameter {@code features.0.weight}
 * is stored as {@code features.0.weight_mask}.
 *
 * <p>The values live in one flat vector allocated in the memory scope that was current when the mask was made.
 */
public final class Mask extends LayerVector {
    /** Appended to a parameter name to name its mask in a file, as {@code torch.nn.utils.prune} does. */
    public static final String FILE_SUFFIX = "_mask";

    private static final Elementwise ELEMENTWISE = ElementwiseKernels.best();

    private Mask(WeightLayout layout, Tensor flat) {
        super(layout, flat);
    }

    /** An all-zero mask of {@code layout} in the current scope, for selections to write into. */
    static Mask allocate(WeightLayout layout) {
        return new Mask(layout, layout.allocate());
    }

    /** The mask that keeps every prunable weight of {@code model}, in the current scope. */
    public static Mask dense(Module model) {
        Mask m = allocate(WeightLayout.of(model));
        m.flat.backend().fill(m.flat, 1);
        return m;
    }

    /**
     * A mask for {@code model} holding a copy of {@code masks} (parameter name → 0/1 tensor).
     *
     * @throws IllegalArgumentException if the names or shapes do not match the model's prunable weights, or a value
     *                                  is neither 0 nor 1
     */
    public static Mask of(Module model, Map<String, Tensor> masks) {
        WeightLayout layout = WeightLayout.of(model);
        List<String> problems = mismatches(layout, masks, "");
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("mask does not match " + model.getClass().getSimpleName() + ": "
                    + String.join("; ", problems));
        }
        Mask m = allocate(layout);
        m.copyLayers(masks);
        m.kept(); // counting checks that every value is 0 or 1
        return m;
    }

    /** What differs between {@code layout} and the tensors {@code given} under their names + {@code suffix}. */
    private static List<String> mismatches(WeightLayout layout, Map<String, Tensor> given, String suffix) {
        List<String> problems = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (WeightLayout.Layer layer : layout.layers()) {
            Tensor t = given.get(layer.name() + suffix);
            if (t == null) {
                missing.add(layer.name() + suffix);
            } else if (!Arrays.equals(t.shape(), layer.shape())) {
                problems.add(layer.name() + suffix + " has shape " + Shape.str(t.shape()) + " but the model's "
                        + layer.name() + " is " + Shape.str(layer.shape()));
            }
        }
        if (!missing.isEmpty()) {
            problems.addFirst("missing " + missing);
        }
        List<String> expected = layout.names().stream().map(n -> n + suffix).toList();
        List<String> unexpected = given.keySet().stream().filter(k -> !expected.contains(k)).toList();
        if (!unexpected.isEmpty()) {
            problems.add("unexpected " + unexpected + " (the model's prunable weights are " + layout.names() + ")");
        }
        return problems;
    }

    /** Number of prunable weights, N. */
    public long numel() {
        return layout.numel();
    }

    /** Number of kept weights. */
    public long kept() {
        long k = 0;
        for (WeightLayout.Layer layer : layout.layers()) {
            k += kept(layer);
        }
        return k;
    }

    /** Number of kept weights of parameter {@code name}. */
    public long kept(String name) {
        return kept(layout.layer(name));
    }

    /**
     * Counts exactly (a float32 sum loses count above 2^24) and checks that every value is 0 or 1, with the
     * element-wise kernels (vectorised: the mask is counted every step of a Panning run).
     */
    private long kept(WeightLayout.Layer layer) {
        long kept = ELEMENTWISE.countOnesF32(flat.storage().segment(), flat.offset() + layer.offset(),
                Math.toIntExact(layer.numel()));
        if (kept < 0) {
            long i = -1 - kept;
            float v = flat.storage().segment().getAtIndex(ValueLayout.JAVA_FLOAT, flat.offset() + layer.offset() + i);
            throw new IllegalArgumentException("mask of " + layer.name() + " holds " + v + " at flat index " + i
                    + "; a mask may hold only 0 and 1");
        }
        return kept;
    }

    /** Fraction of prunable weights kept. */
    public double density() {
        return (double) kept() / numel();
    }

    /**
     * Checks that this mask fits {@code model}: same prunable weight names, shapes and order.
     *
     * @throws IllegalArgumentException describing the difference
     */
    public void validateFor(Module model) {
        WeightLayout other = WeightLayout.of(model);
        if (!other.sameAs(layout)) {
            throw new IllegalArgumentException("mask for " + layout + " does not fit "
                    + model.getClass().getSimpleName() + " with prunable weights " + other);
        }
    }

    /**
     * Sets this mask on every prunable parameter of {@code model} (layers then compute with W⊙M) without changing
     * the weights themselves, so scores can still be taken from the original values.
     */
    public void install(Module model) {
        validateFor(model);
        model.prunableParameters().forEach((name, p) -> p.setMask(get(name)));
    }

    /**
     * {@linkplain #install Installs} the mask and sets every pruned weight to +0, so that the pruned weights of
     * {@code model} are exactly zero, whatever later reads the raw values.
     */
    public void apply(Module model) {
        install(model);
        for (Parameter p : model.prunableParameters().values()) {
            p.zeroPruned();
        }
    }

    /** Overwrites this mask with {@code other}'s values (same layout). */
    void assign(Mask other) {
        if (!other.layout.sameAs(layout)) {
            throw new IllegalArgumentException("cannot assign a mask for " + other.layout + " to one for " + layout);
        }
        flat.backend().copyInto(flat, other.flat);
    }

    /** The file name of parameter {@code name}'s mask, {@code name + "_mask"}. */
    public static String fileKey(String name) {
        return name + FILE_SUFFIX;
    }

    /** Writes the mask as safetensors, one float32 entry {@code <param>_mask} per weight in model order. */
    public void save(Path path) throws IOException {
        SequencedMap<String, Tensor> entries = new LinkedHashMap<>();
        asMap().forEach((name, m) -> entries.put(fileKey(name), m));
        TensorFiles.save(path, entries, Map.of(
                "format", "pruning mask: 1 keeps a weight, 0 prunes it; <param>_mask masks parameter <param>",
                "kept", Long.toString(kept()),
                "weights", Long.toString(numel())));
    }

    /**
     * Reads a mask written by {@link #save} (or by PyTorch with the same names) for {@code model}.
     *
     * @throws IllegalArgumentException naming the file and every missing, unexpected or mis-shaped entry if it does
     *                                  not match the model, or if a value is neither 0 nor 1
     */
    public static Mask load(Path path, Module model) throws IOException {
        SequencedMap<String, Tensor> entries = TensorFiles.load(path);
        WeightLayout layout = WeightLayout.of(model);
        List<String> problems = mismatches(layout, entries, FILE_SUFFIX);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(path + " does not match " + model.getClass().getSimpleName() + ": "
                    + String.join("; ", problems));
        }
        Map<String, Tensor> byParameter = new LinkedHashMap<>();
        layout.names().forEach(n -> byParameter.put(n, entries.get(fileKey(n))));
        try {
            return of(model, byParameter);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
    }
}
