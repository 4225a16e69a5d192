package org.nnpan.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SequencedMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.nnpan.data.Datasets;
import org.nnpan.io.AtomicFiles;
import org.nnpan.io.Json;
import org.nnpan.io.OutputDirectories;

/**
 * The results of a sweep: finished runs grouped by (model, data set, method, sparsity), each group summarised by
 * the mean and sample standard deviation of every metric over its seeds. Groups are ordered by model, data set,
 * method (alphabetically) and sparsity, and runs within a group by seed, whatever order the runs came in.
 *
 * <p>A sweep also reports what went wrong, so that one bad cell does not hide in a mean: runs that failed (a
 * {@link Failure}, with its error) count in their group but add no numbers, and so do runs that finished with a
 * non-finite test loss or accuracy ({@link Run#diverged()}), which the table turns into failures; runs whose final
 * accuracy stayed at chance ({@link Run#atChance()}) are counted per group and listed.
 *
 * <p>{@link #write} produces {@value #MARKDOWN_FILE} (per model and data set, methods as rows and sparsities as
 * columns, then a long table of every metric, then the runs at chance and the failed runs), {@value #CSV_FILE}
 * (one line per group: n, mean and std of every metric, the counts at chance and failed), {@value #RUNS_CSV_FILE}
 * (one line per run, failed ones included, with a status) and {@value #JSON_FILE} (the groups with their runs and
 * failures). A standard deviation of a single run is undefined: "–" in Markdown, an empty CSV field, null in JSON;
 * so is every statistic of a group whose runs all failed.
 */
public final class ResultsTable {
    /** Markdown tables. */
    public static final String MARKDOWN_FILE = "results.md";
    /** One CSV line per group. */
    public static final String CSV_FILE = "results.csv";
    /** One CSV line per run. */
    public static final String RUNS_CSV_FILE = "runs.csv";
    /** Groups with their runs, as JSON. */
    public static final String JSON_FILE = "results.json";
    /** How close to chance, in accuracy points, a final test accuracy counts as "at chance" (it did not leave chance within its training budget). */
    public static final double CHANCE_MARGIN = 1.5;

    /**
     * One finished run. Accuracies in percent, densities as fractions of the prunable weights kept.
     *
     * @param sparsity         target fraction of prunable weights pruned, 0 for a dense run
     * @param finalTestLoss    mean test cross-entropy after the last epoch
     * @param density          measured fraction kept
     * @param effectiveDensity fraction kept that lies on an input-output path
     * @param pruneSeconds     wall time of pruning (0 for a dense run)
     * @param trainSeconds     wall time of training
     */
    public record Run(String model, String dataset, String method, double sparsity, long seed, double finalTestAcc,
                      double finalTestLoss, double bestTestAcc, double density, double effectiveDensity,
                      double pruneSeconds, double trainSeconds) {
        /**
         * @throws IllegalArgumentException if the sparsity is outside [0, 1)
         */
        public Run {
            requireSparsity(sparsity);
        }

        /** Test accuracy of guessing, in percent: 100 / the data set's number of classes. */
        public double chanceAcc() {
            return 100.0 / Datasets.info(dataset).numClasses();
        }

        /**
         * Whether the run stayed at chance: its final test accuracy is within {@value #CHANCE_MARGIN} points of
         * {@link #chanceAcc()} (at 99 %+ sparsity some masks do this although they are connected).
         */
        public boolean atChance() {
            return Math.abs(finalTestAcc - chanceAcc()) <= CHANCE_MARGIN;
        }

        /**
         * Whether the run ended with a test loss or accuracy that is not a number (NaN or infinite weights or
         * logits): its accuracy means nothing, so the table counts it as failed ({@link #asFailure()}).
         */
        public boolean diverged() {
            return !Double.isFinite(finalTestLoss) || !Double.isFinite(finalTestAcc);
        }

        /** This run as a failed one, for {@link #diverged()} runs. */
        public Failure asFailure() {
            return new Failure(model, dataset, method, sparsity, seed, String.format(Locale.ROOT, "diverged: final"
                    + " test loss %s, final test accuracy %.2f%%", finalTestLoss, finalTestAcc));
        }
    }

    /**
     * A run that stopped with an error (e.g. diverged training) and has no results.
     *
     * @param sparsity target fraction of prunable weights pruned, 0 for a dense run
     * @param error    what went wrong, one line
     */
    public record Failure(String model, String dataset, String method, double sparsity, long seed, String error) {
        /**
         * @throws IllegalArgumentException if the sparsity is outside [0, 1)
         */
        public Failure {
            requireSparsity(sparsity);
        }
    }

    private static void requireSparsity(double sparsity) {
        if (!(sparsity >= 0 && sparsity < 1)) {
            throw new IllegalArgumentException("run sparsity must be in [0, 1), got " + sparsity);
        }
    }

    /** A measured quantity of a run, with its column name and Markdown heading. */
    public enum Metric {
        FINAL_TEST_ACC("final_test_acc", "final test acc (%)", 2, Run::finalTestAcc),
        FINAL_TEST_LOSS("final_test_loss", "final test loss", 4, Run::finalTestLoss),
        BEST_TEST_ACC("best_test_acc", "best test acc (%)", 2, Run::bestTestAcc),
        DENSITY("density", "density", 4, Run::density),
        EFFECTIVE_DENSITY("effective_density", "effective density", 4, Run::effectiveDensity),
        PRUNE_SECONDS("prune_seconds", "prune s", 1, Run::pruneSeconds),
        TRAIN_SECONDS("train_seconds", "train s", 1, Run::trainSeconds);

        private final String column;
        private final String heading;
        /** Decimals in the Markdown tables. */
        private final int decimals;
        private final ToDoubleFunction<Run> value;

        Metric(String column, String heading, int decimals, ToDoubleFunction<Run> value) {
            this.column = column;
            this.heading = heading;
            this.decimals = decimals;
            this.value = value;
        }

        /** The CSV and JSON name. */
        public String column() {
            return column;
        }

        /** This metric of {@code run}. */
        public double of(Run run) {
            return value.applyAsDouble(run);
        }
    }

    /**
     * The runs of one (model, data set, method, sparsity), finished and failed, each sorted by seed.
     *
     * @param runs     the finished runs, with distinct seeds
     * @param failures the failed runs, with seeds distinct from each other and from the finished runs'
     */
    public record Group(String model, String dataset, String method, double sparsity, List<Run> runs,
                        List<Failure> failures) {
        public Group {
            runs = List.copyOf(runs);
            failures = List.copyOf(failures);
        }

        /** Mean and sample standard deviation of {@code metric} over the finished runs; {@link Stats#NONE} if none. */
        public Stats stats(Metric metric) {
            return runs.isEmpty() ? Stats.NONE : Stats.of(runs.stream().mapToDouble(metric::of).toArray());
        }

        /** Number of finished runs (seeds). */
        public int n() {
            return runs.size();
        }

        /** Number of finished runs that stayed at chance. */
        public int atChance() {
            return (int) runs.stream().filter(Run::atChance).count();
        }

        /** Number of failed runs. */
        public int failed() {
            return failures.size();
        }
    }

    private static final Comparator<Group> GROUP_ORDER = Comparator.comparing(Group::model)
            .thenComparing(Group::dataset).thenComparing(Group::method).thenComparingDouble(Group::sparsity);

    private final List<Group> groups;

    private ResultsTable(List<Group> groups) {
        this.groups = groups;
    }

    /**
     * Groups {@code runs}.
     *
     * @throws IllegalArgumentException if two runs share model, data set, method, sparsity and seed
     */
    public static ResultsTable of(List<Run> runs) {
        return of(runs, List.of());
    }

    /**
     * Groups finished and failed runs; a {@link Run#diverged()} run counts as failed.
     *
     * @throws IllegalArgumentException if two runs, finished or failed, share model, data set, method, sparsity and
     *                                  seed
     */
    public static ResultsTable of(List<Run> runs, List<Failure> failures) {
        Map<List<Object>, List<Run>> finished = runs.stream().filter(r -> !r.diverged()).collect(Collectors.groupingBy(
                r -> key(r.model(), r.dataset(), r.method(), r.sparsity()), Collectors.toList()));
        List<Failure> allFailures = Stream.concat(failures.stream(),
                runs.stream().filter(Run::diverged).map(Run::asFailure)).toList();
        Map<List<Object>, List<Failure>> failed = allFailures.stream().collect(Collectors.groupingBy(
                f -> key(f.model(), f.dataset(), f.method(), f.sparsity()), Collectors.toList()));
        Set<List<Object>> keys = new LinkedHashSet<>(finished.keySet());
        keys.addAll(failed.keySet());
        List<Group> groups = new ArrayList<>();
        for (List<Object> k : keys) {
            List<Run> done = finished.getOrDefault(k, List.of()).stream()
                    .sorted(Comparator.comparingLong(Run::seed)).toList();
            List<Failure> broken = failed.getOrDefault(k, List.of()).stream()
                    .sorted(Comparator.comparingLong(Failure::seed)).toList();
            Set<Long> seeds = new HashSet<>();
            Stream.concat(done.stream().map(Run::seed), broken.stream().map(Failure::seed)).forEach(seed -> {
                if (!seeds.add(seed)) {
                    throw new IllegalArgumentException("results: two runs of " + k.get(0) + " on " + k.get(1) + ", "
                            + k.get(2) + " at sparsity " + k.get(3) + " with seed " + seed);
                }
            });
            groups.add(new Group((String) k.get(0), (String) k.get(1), (String) k.get(2), (double) k.get(3), done,
                    broken));
        }
        groups.sort(GROUP_ORDER);
        return new ResultsTable(List.copyOf(groups));
    }

    private static List<Object> key(String model, String dataset, String method, double sparsity) {
        return List.of(model, dataset, method, sparsity);
    }

    /** The groups, in the table's order. */
    public List<Group> groups() {
        return groups;
    }

    /** The groups of each (model, data set), in order: one accuracy-vs-density plot each. */
    public SequencedMap<String, List<Group>> byModelAndDataset() {
        SequencedMap<String, List<Group>> out = new LinkedHashMap<>();
        for (Group g : groups) {
            out.computeIfAbsent(g.model() + " on " + g.dataset(), k -> new ArrayList<>()).add(g);
        }
        return out;
    }

    /**
     * Writes {@value #MARKDOWN_FILE}, {@value #CSV_FILE}, {@value #RUNS_CSV_FILE} and {@value #JSON_FILE}, each
     * replacing its earlier version atomically, so that a reader never sees half a table.
     *
     * @throws IllegalArgumentException if {@code dir} cannot be created or written
     */
    public void write(Path dir) throws IOException {
        OutputDirectories.prepare(dir, "results directory");
        AtomicFiles.writeString(dir.resolve(MARKDOWN_FILE), toMarkdown());
        AtomicFiles.writeString(dir.resolve(CSV_FILE), toCsv());
        AtomicFiles.writeString(dir.resolve(RUNS_CSV_FILE), runsCsv());
        Json.write(dir.resolve(JSON_FILE), toJson());
    }

    /**
     * Per model and data set, a table of final test accuracy (mean ± std, n, and how many runs stayed at chance or
     * failed) with methods as rows and sparsities as columns; then every metric of every group in long form; then
     * the runs at chance and the failed runs, if any.
     */
    public String toMarkdown() {
        StringBuilder md = new StringBuilder("# Results\n\n");
        md.append("Final test accuracy in %, mean ± sample standard deviation over seeds (n runs; – for a single"
                + " run; \"at chance\": runs whose final accuracy is within ").append(Numbers.plain(CHANCE_MARGIN, 3))
                .append(" points of chance after training: stuck, at least within this budget (see docs/results/stuck-at-chance.md); \"failed\": runs that stopped with an error).\n");
        byModelAndDataset().forEach((title, rows) -> {
            md.append("\n## ").append(title).append("\n\n");
            TreeSet<Double> sparsities = new TreeSet<>();
            Map<String, Map<Double, Group>> byMethod = new TreeMap<>();
            for (Group g : rows) {
                sparsities.add(g.sparsity());
                byMethod.computeIfAbsent(g.method(), m -> new TreeMap<>()).put(g.sparsity(), g);
            }
            md.append("| method |");
            sparsities.forEach(s -> md.append(" ").append(Numbers.percent(s)).append(" pruned (density ")
                    .append(Numbers.plain(1 - s, 4)).append(") |"));
            md.append("\n|---|").append("---:|".repeat(sparsities.size())).append('\n');
            byMethod.forEach((method, cells) -> {
                md.append("| ").append(markdownCell(method)).append(" |");
                for (double s : sparsities) {
                    Group g = cells.get(s);
                    md.append(' ').append(g == null ? "" : accuracyCell(g)).append(" |");
                }
                md.append('\n');
            });
        });
        md.append("\n## All metrics\n\n| model | dataset | method | sparsity | n |");
        for (Metric m : Metric.values()) {
            md.append(' ').append(m.heading).append(" |");
        }
        md.append(" at chance | failed |\n|---|---|---|---:|---:|").append("---:|".repeat(Metric.values().length + 2))
                .append('\n');
        for (Group g : groups) {
            md.append("| ").append(markdownCell(g.model())).append(" | ").append(markdownCell(g.dataset()))
                    .append(" | ").append(markdownCell(g.method())).append(" | ").append(Numbers.percent(g.sparsity()))
                    .append(" | ").append(g.n()).append(" |");
            for (Metric m : Metric.values()) {
                md.append(' ').append(g.n() == 0 ? "" : meanStd(g.stats(m), m.decimals)).append(" |");
            }
            md.append(' ').append(g.atChance()).append(" | ").append(g.failed()).append(" |\n");
        }
        List<Run> atChance = runsAtChance();
        if (!atChance.isEmpty()) {
            md.append("\n## Runs at chance\n\n| model | dataset | method | sparsity | seed | final test acc (%) |"
                    + " chance (%) |\n|---|---|---|---:|---:|---:|---:|\n");
            for (Run r : atChance) {
                md.append("| ").append(markdownCell(r.model())).append(" | ").append(markdownCell(r.dataset()))
                        .append(" | ").append(markdownCell(r.method())).append(" | ")
                        .append(Numbers.percent(r.sparsity())).append(" | ").append(r.seed()).append(" | ")
                        .append(String.format(Locale.ROOT, "%.2f | %s |%n", r.finalTestAcc(),
                                Numbers.plain(r.chanceAcc(), 4)));
            }
        }
        List<Failure> failures = failures();
        if (!failures.isEmpty()) {
            md.append("\n## Failed runs\n\n| model | dataset | method | sparsity | seed | error |\n"
                    + "|---|---|---|---:|---:|---|\n");
            for (Failure f : failures) {
                md.append("| ").append(markdownCell(f.model())).append(" | ").append(markdownCell(f.dataset()))
                        .append(" | ").append(markdownCell(f.method())).append(" | ")
                        .append(Numbers.percent(f.sparsity())).append(" | ").append(f.seed()).append(" | ")
                        .append(markdownCell(f.error())).append(" |\n");
            }
        }
        return md.toString();
    }

    /** The failed runs, in the table's order. */
    public List<Failure> failures() {
        return groups.stream().flatMap(g -> g.failures().stream()).toList();
    }

    /** The finished runs that stayed at chance, in the table's order. */
    public List<Run> runsAtChance() {
        return groups.stream().flatMap(g -> g.runs().stream()).filter(Run::atChance).toList();
    }

    /** {@code "82.00 ± 1.00 (3)"}, {@code "45.00 ± 30.00 (3, 2 at chance, 1 failed)"}, {@code "all failed (3)"}. */
    private static String accuracyCell(Group g) {
        if (g.n() == 0) {
            return "all failed (" + g.failed() + ")";
        }
        Metric acc = Metric.FINAL_TEST_ACC;
        return meanStd(g.stats(acc), acc.decimals) + " (" + g.n() + (g.atChance() > 0 ? ", " + g.atChance()
                + " at chance" : "") + (g.failed() > 0 ? ", " + g.failed() + " failed" : "") + ")";
    }

    /** {@code "91.23 ± 0.15"}, or {@code "91.23 ± –"} for a single run. */
    private static String meanStd(Stats s, int decimals) {
        String format = "%." + decimals + "f";
        return String.format(Locale.ROOT, format, s.mean()) + " ± "
                + (s.n() == 1 ? "–" : String.format(Locale.ROOT, format, s.std()));
    }

    private static String markdownCell(String text) {
        return text.replace("|", "\\|");
    }

    /**
     * One line per group: key, n, then {@code <metric>_mean,<metric>_std} for every metric, then the counts
     * {@code at_chance} and {@code failed}.
     */
    public String toCsv() {
        List<String> header = new ArrayList<>(List.of("model", "dataset", "method", "sparsity", "n"));
        for (Metric m : Metric.values()) {
            header.add(m.column + "_mean");
            header.add(m.column + "_std");
        }
        header.addAll(List.of("at_chance", "failed"));
        StringBuilder csv = new StringBuilder(Csv.line(header));
        for (Group g : groups) {
            List<String> row = new ArrayList<>(List.of(g.model(), g.dataset(), g.method(), Csv.number(g.sparsity()),
                    Integer.toString(g.n())));
            for (Metric m : Metric.values()) {
                Stats s = g.stats(m);
                row.add(Csv.number(s.mean()));
                row.add(Csv.number(s.std()));
            }
            row.addAll(List.of(Integer.toString(g.atChance()), Integer.toString(g.failed())));
            csv.append(Csv.line(row));
        }
        return csv.toString();
    }

    /**
     * One line per run, in the table's order: key, seed, every metric, then {@code status} ({@code ok},
     * {@code at-chance} or {@code failed}; a failed run's metrics are empty) and {@code error}.
     */
    public String runsCsv() {
        List<String> header = new ArrayList<>(List.of("model", "dataset", "method", "sparsity", "seed"));
        for (Metric m : Metric.values()) {
            header.add(m.column);
        }
        header.addAll(List.of("status", "error"));
        StringBuilder csv = new StringBuilder(Csv.line(header));
        for (Group g : groups) {
            for (Run r : g.runs()) {
                List<String> row = new ArrayList<>(List.of(r.model(), r.dataset(), r.method(),
                        Csv.number(r.sparsity()), Long.toString(r.seed())));
                for (Metric m : Metric.values()) {
                    row.add(Csv.number(m.of(r)));
                }
                row.addAll(List.of(r.atChance() ? "at-chance" : "ok", ""));
                csv.append(Csv.line(row));
            }
            for (Failure f : g.failures()) {
                List<String> row = new ArrayList<>(List.of(f.model(), f.dataset(), f.method(),
                        Csv.number(f.sparsity()), Long.toString(f.seed())));
                row.addAll(Collections.nCopies(Metric.values().length, ""));
                row.addAll(List.of("failed", f.error()));
                csv.append(Csv.line(row));
            }
        }
        return csv.toString();
    }

    /**
     * {@code {"groups": [{model, dataset, method, sparsity, n, <metric>: {mean, std}, at_chance, failed, runs: [...],
     * failures: [...]}]}}; a run carries {@code at_chance}, a group whose runs all failed null statistics.
     */
    public ObjectNode toJson() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode array = root.putArray("groups");
        for (Group g : groups) {
            ObjectNode node = array.addObject();
            node.put("model", g.model()).put("dataset", g.dataset()).put("method", g.method())
                    .put("sparsity", g.sparsity()).put("n", g.n());
            for (Metric m : Metric.values()) {
                ObjectNode stats = node.putObject(m.column);
                Stats s = g.stats(m);
                putNumber(stats, "mean", s.mean());
                putNumber(stats, "std", s.std());
            }
            node.put("at_chance", g.atChance()).put("failed", g.failed());
            ArrayNode runs = node.putArray("runs");
            g.runs().forEach(r -> runs.add(Json.MAPPER.<ObjectNode>valueToTree(r).put("at_chance", r.atChance())));
            ArrayNode failures = node.putArray("failures");
            g.failures().forEach(f -> failures.add(Json.MAPPER.<ObjectNode>valueToTree(f)));
        }
        return root;
    }

    /** {@code value}, or null where it is undefined (NaN). */
    private static void putNumber(ObjectNode node, String field, double value) {
        if (Double.isNaN(value)) {
            node.putNull(field);
        } else {
            node.put(field, value);
        }
    }
}
