package org.nnpan.pruning;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.SequencedMap;
import org.nnpan.nn.Module;
import org.nnpan.tensor.Shape;

/**
 * What a mask does to a network, layer by layer: weights kept, density, effective density (kept weights that still
 * lie on an input-output path, see {@link PathAnalysis}) and multiply–accumulates kept, with the totals as density,
 * fraction pruned and compression ratio side by side, nominal and effective. Layer collapse (a prunable layer with
 * no live weight, e.g. a 1×1 shortcut or the classifier pruned away) is reported as a warning.
 *
 * <p>FLOPs are counted as multiply–accumulates per example in the prunable layers (a weight of a convolution with an
 * H×W output counts H·W), which is what zeroed weights could save; a dense kernel saves nothing by itself.
 */
public final class PruningReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One prunable layer.
     *
     * @param name      parameter name
     * @param shape     weight shape
     * @param weights   number of weights
     * @param kept      weights the mask keeps
     * @param live      kept weights on an input-output path
     * @param positions uses of each weight per example (output H·W of a convolution, 1 for a linear layer)
     */
    public record Layer(String name, int[] shape, long weights, long kept, long live, long positions) {
        public Layer {
            shape = shape.clone();
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        /** Kept fraction. */
        public double density() {
            return (double) kept / weights;
        }

        /** Live fraction. */
        public double effectiveDensity() {
            return (double) live / weights;
        }

        /** Multiply–accumulates per example of the dense layer. */
        public long flops() {
            return weights * positions;
        }

        /** Multiply–accumulates per example of the kept weights. */
        public long keptFlops() {
            return kept * positions;
        }

        /** Whether no weight of this layer lies on an input-output path any more. */
        public boolean collapsed() {
            return live == 0;
        }
    }

    private final SequencedMap<String, String> settings;
    private final List<Layer> layers;

    private PruningReport(SequencedMap<String, String> settings, List<Layer> layers) {
        this.settings = settings;
        this.layers = List.copyOf(layers);
    }

    /**
     * Analyses {@code mask} on {@code model} for inputs [C, H, W] = {@code inputShape}. {@code settings} (e.g. model,
     * method, seed) are printed at the top of the report as given.
     */
    public static PruningReport of(Module model, Mask mask, int[] inputShape, SequencedMap<String, String> settings) {
        PathAnalysis paths = PathAnalysis.run(model, mask, inputShape);
        List<Layer> layers = new ArrayList<>();
        for (WeightLayout.Layer l : mask.layout().layers()) {
            layers.add(new Layer(l.name(), l.shape(), l.numel(), mask.kept(l.name()), paths.live(l.name()),
                    paths.positions(l.name())));
        }
        return new PruningReport(new LinkedHashMap<>(settings), layers);
    }

    /** The per-layer rows, in model order. */
    public List<Layer> layers() {
        return layers;
    }

    /** Prunable weights, N. */
    public long weights() {
        return layers.stream().mapToLong(Layer::weights).sum();
    }

    /** Kept weights. */
    public long kept() {
        return layers.stream().mapToLong(Layer::kept).sum();
    }

    /** Kept weights on an input-output path. */
    public long live() {
        return layers.stream().mapToLong(Layer::live).sum();
    }

    /** Kept fraction. */
    public double density() {
        return (double) kept() / weights();
    }

    /** Fraction pruned, 1 − density. */
    public double sparsity() {
        return 1 - density();
    }

    /** Effective sparsity, 1 − live/N. */
    public double effectiveSparsity() {
        return 1 - (double) live() / weights();
    }

    /** Multiply–accumulates per example of the dense prunable layers. */
    public long flops() {
        return layers.stream().mapToLong(Layer::flops).sum();
    }

    /** Multiply–accumulates per example of the kept weights. */
    public long keptFlops() {
        return layers.stream().mapToLong(Layer::keptFlops).sum();
    }

    /** Layer collapse and disconnection warnings; empty when all is well. */
    public List<String> warnings() {
        List<String> warnings = new ArrayList<>();
        for (Layer l : layers) {
            if (l.collapsed()) {
                warnings.add("LAYER COLLAPSE: " + l.name() + " " + Shape.str(l.shape()) + (l.kept() == 0
                        ? " is pruned away entirely (0 of " + l.weights() + " weights kept)"
                        : " keeps " + l.kept() + " weights but none lies on an input-output path"));
            }
        }
        if (live() == 0) {
            warnings.add("DISCONNECTED: no path from the input to the output survives (effective sparsity 1); the"
                    + " pruned network computes a constant");
        }
        return warnings;
    }

    /** The report as a JSON document. */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode s = root.putObject("settings");
        settings.forEach(s::put);
        ObjectNode totals = root.putObject("totals");
        totals.put("weights", weights());
        totals.put("kept", kept());
        totals.put("live", live());
        putSparsity(totals.putObject("nominal"), density());
        putSparsity(totals.putObject("effective"), 1 - effectiveSparsity());
        totals.put("flops", flops());
        totals.put("flops_kept", keptFlops());
        ArrayNode rows = root.putArray("layers");
        for (Layer l : layers) {
            ObjectNode row = rows.addObject();
            row.put("name", l.name());
            ArrayNode shape = row.putArray("shape");
            for (int d : l.shape()) {
                shape.add(d);
            }
            row.put("weights", l.weights());
            row.put("kept", l.kept());
            row.put("live", l.live());
            row.put("density", l.density());
            row.put("effective_density", l.effectiveDensity());
            row.put("flops", l.flops());
            row.put("flops_kept", l.keptFlops());
            row.put("collapsed", l.collapsed());
        }
        ArrayNode warnings = root.putArray("warnings");
        warnings().forEach(warnings::add);
        try {
            return JSON.writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise the pruning report", e);
        }
    }

    private static void putSparsity(ObjectNode node, double density) {
        node.put("density", density);
        node.put("sparsity", 1 - density);
        if (density == 0) {
            node.putNull("compression_ratio"); // infinite: JSON has no literal for it
        } else {
            node.put("compression_ratio", 1 / density);
        }
    }

    /** The report as a Markdown document: a title, then {@link #markdownBody()}. */
    public String toMarkdown() {
        return "# Pruning report\n\n" + markdownBody();
    }

    /** Settings, warnings, totals and the per-layer table, without a heading (to sit in a larger document). */
    public String markdownBody() {
        StringBuilder md = new StringBuilder();
        settings.forEach((k, v) -> md.append("- ").append(k).append(": ").append(v).append('\n'));
        md.append('\n');
        for (String w : warnings()) {
            md.append("**WARNING** ").append(w).append("\n\n");
        }
        md.append(String.format(Locale.ROOT, "- nominal: %s; %,d of %,d weights kept%n", describe(density()), kept(),
                weights()));
        md.append(String.format(Locale.ROOT, "- effective: %s; %,d kept weights on an input-output path%n",
                describe(1 - effectiveSparsity()), live()));
        md.append(String.format(Locale.ROOT, "- FLOPs (multiply-accumulates per example, prunable layers): %,d dense,"
                + " %,d kept (%s)%n%n", flops(), keptFlops(), percent((double) keptFlops() / flops())));
        md.append("| layer | shape | weights | kept | density | effective density | FLOPs kept |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|\n");
        for (Layer l : layers) {
            md.append(String.format(Locale.ROOT, "| %s%s | %s | %,d | %,d | %s | %s | %,d (%s) |%n", l.name(),
                    l.collapsed() ? " (collapsed)" : "", Shape.str(l.shape()), l.weights(), l.kept(),
                    percent(l.density()), percent(l.effectiveDensity()), l.keptFlops(),
                    percent((double) l.keptFlops() / l.flops())));
        }
        md.append(String.format(Locale.ROOT, "| total | | %,d | %,d | %s | %s | %,d (%s) |%n", weights(), kept(),
                percent(density()), percent(1 - effectiveSparsity()), keptFlops(),
                percent((double) keptFlops() / flops())));
        return md.toString();
    }

    /** {@code "density 0.02 (98 % pruned, compression 50x)"}, or the disconnected case. */
    private static String describe(double density) {
        return density == 0 ? "density 0 (100 % pruned, compression infinite)" : Density.of(density).describe();
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.2f %%", 100 * fraction);
    }

    /** Writes {@code report.json} and {@code report.md} into {@code dir}. */
    public void write(Path dir) throws IOException {
        Files.writeString(dir.resolve("report.json"), toJson(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("report.md"), toMarkdown(), StandardCharsets.UTF_8);
    }
}
