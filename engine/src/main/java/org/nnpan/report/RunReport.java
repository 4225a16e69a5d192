package org.nnpan.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.nnpan.io.Json;
import org.nnpan.train.EpochMetrics;
import org.nnpan.train.TrainConfig;
import org.nnpan.train.TrainResult;

/**
 * The human-readable report of one run, {@value #FILE} in the run directory: the configuration, the pruning (the
 * per-layer table, effective sparsity and any layer-collapse warning) if there was one, the network at
 * initialisation ({@link org.nnpan.pruning.InitDiagnostics}) if it was diagnosed, the training's final and
 * best accuracy with a per-epoch table, timings, and links to the plots it writes under {@value #PLOTS_DIR}/.
 */
public final class RunReport {
    /** The report's file name. */
    public static final String FILE = "report.md";
    /** Folder of the plots, relative to the run directory. */
    public static final String PLOTS_DIR = "plots";
    /** Training curves (always written). */
    public static final String TRAINING_PLOT = "training.png";
    /** Per-layer density of the mask (pruned runs). */
    public static final String LAYER_DENSITY_PLOT = "layer-density.png";
    /** Longer runs get a per-epoch table of about this many rows (every k-th epoch, the best and the last). */
    static final int MAX_EPOCH_ROWS = 20;

    private RunReport() {
    }

    /**
     * Writes {@code dir/}{@value #FILE}, {@code dir/plots/}{@value #TRAINING_PLOT} and, for a pruned run,
     * {@code dir/plots/}{@value #LAYER_DENSITY_PLOT}.
     *
     * @throws IllegalArgumentException if the run has no completed epoch
     */
    public static void write(RunSummary run, Path dir) throws IOException {
        Path plots = dir.resolve(PLOTS_DIR);
        Plots.trainingCurves(run.training().history(), "Training: " + title(run), plots.resolve(TRAINING_PLOT));
        if (run.pruned()) {
            Plots.layerDensity(run.pruning(), "Per-layer density: " + title(run), plots.resolve(LAYER_DENSITY_PLOT));
        }
        Files.writeString(dir.resolve(FILE), markdown(run), StandardCharsets.UTF_8);
    }

    /** {@code "lenet5 on fashion-mnist, 98 % pruned (density 0.02)"}. */
    private static String title(RunSummary run) {
        TrainConfig c = run.config();
        String pruned = run.pruned() ? ", " + Numbers.percent(run.pruning().sparsity()) + " pruned (density "
                + Numbers.plain(run.pruning().density(), 4) + ")" : "";
        return c.model() + " on " + c.dataset() + pruned;
    }

    /** The report's Markdown, with links to the plots {@link #write} puts beside it. */
    public static String markdown(RunSummary run) {
        StringBuilder md = new StringBuilder("# Run report: ").append(title(run)).append("\n\n");
        md.append("## Configuration\n\n| setting | value |\n|---|---|\n");
        JsonNode config = Json.MAPPER.valueToTree(run.config());
        config.properties().forEach(e -> md.append("| ").append(e.getKey()).append(" | ")
                .append(configValue(e.getValue())).append(" |\n"));
        if (run.pruned()) {
            md.append("\n## Pruning\n\n").append(run.pruning().markdownBody());
            md.append("\n![Per-layer density](").append(PLOTS_DIR).append('/').append(LAYER_DENSITY_PLOT)
                    .append(")\n");
        }
        if (run.atInit() != null) {
            md.append("\n## At initialisation\n\n").append(run.atInit().markdownBody());
        }
        training(md, run.training());
        timings(md, run);
        return md.toString();
    }

    /** A config value as written: no quotes, no exponent (1e-4 reads 0.0001), "(default)" for null. */
    private static String configValue(JsonNode value) {
        if (value.isNull()) {
            return "(default)";
        }
        return value.isTextual() ? value.asText() : value.isFloatingPointNumber()
                ? Numbers.plain(value.asDouble(), 6) : value.toString();
    }

    private static void training(StringBuilder md, TrainResult result) {
        md.append(String.format(Locale.ROOT, "%n## Training%n%nFinal test accuracy **%.2f %%** after epoch %d;"
                        + " best **%.2f %%** after epoch %d.%n%n", result.finalTestAcc(), result.epochs(),
                result.bestTestAcc(), result.bestEpoch()));
        md.append("![Training curves](").append(PLOTS_DIR).append('/').append(TRAINING_PLOT).append(")\n\n");
        List<EpochMetrics> rows = epochRows(result);
        if (rows.size() < result.history().size()) {
            int k = stride(result.history().size());
            md.append(String.format(Locale.ROOT, "Epochs 1, %d, %d, ..., the best and the last (every epoch is in"
                    + " metrics.jsonl):%n%n", k, 2 * k));
        }
        md.append("| epoch | train loss | train acc (%) | test loss | test acc (%) | lr | seconds | images/s |\n");
        md.append("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (EpochMetrics m : rows) {
            md.append(String.format(Locale.ROOT, "| %d%s | %.4f | %.2f | %.4f | %.2f | %s | %.1f | %,.0f |%n",
                    m.epoch(), m.epoch() == result.bestEpoch() ? " (best)" : "", m.trainLoss(), m.trainAcc(),
                    m.testLoss(), m.testAcc(), Numbers.plain(m.lr(), 4), m.epochSeconds(), m.imagesPerSecond()));
        }
    }

    /** Every epoch of a short run; of a long one, every k-th epoch plus the best and the last. */
    static List<EpochMetrics> epochRows(TrainResult result) {
        List<EpochMetrics> all = result.history();
        int stride = stride(all.size());
        List<EpochMetrics> rows = new ArrayList<>();
        for (EpochMetrics m : all) {
            if (m.epoch() % stride == 0 || m.epoch() == 1 || m.epoch() == result.bestEpoch()
                    || m == all.getLast()) {
                rows.add(m);
            }
        }
        return rows;
    }

    private static int stride(int epochs) {
        return Math.ceilDiv(epochs, MAX_EPOCH_ROWS);
    }

    private static void timings(StringBuilder md, RunSummary run) {
        List<EpochMetrics> history = run.training().history();
        double seconds = history.stream().mapToDouble(EpochMetrics::epochSeconds).sum();
        double imagesPerSecond = history.stream().mapToDouble(EpochMetrics::imagesPerSecond).average().orElse(0);
        md.append("\n## Timings\n\n");
        if (run.pruned()) {
            md.append(run.pruneSeconds().isPresent()
                    ? String.format(Locale.ROOT, "- pruning: %.1f s%n", run.pruneSeconds().getAsDouble())
                    : "- pruning: in an earlier run (see its report)\n");
        }
        md.append(String.format(Locale.ROOT, "- training: %.1f s for %d epochs (%.1f s per epoch, %,.0f training"
                        + " images/s on average), evaluation included%n", seconds, history.size(),
                seconds / history.size(), imagesPerSecond));
    }
}
