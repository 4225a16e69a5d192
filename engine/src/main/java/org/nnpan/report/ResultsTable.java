package org.nnpan.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SequencedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import org.nnpan.io.Json;

/**
 * The results of a sweep: finished runs grouped by (model, data set, method, sparsity), each group summarised by
 * the mean and sample standard deviation of every metric over its seeds. Groups are ordered by model, data set,
 * method (alphabetically) and sparsity, and runs within a group by seed, whatever order the runs came in.
 *
 * <p>{@link #write} produces {@value #MARKDOWN_FILE} (per model and data set, methods as rows and sparsities as
 * columns, then a long table of every metric), {@value #CSV_FILE} (one line per group: n, then mean and std of
 * every metric), {@value #RUNS_CSV_FILE} (one line per run) and {@value #JSON_FILE} (the groups with their runs).
 * A standard deviation of a single run is undefined: "–" in Markdown, an empty CSV field, null in JSON.
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

    /**
     * One finished run. Accuracies in percent, densities as fractions of the prunable weights kept.
     *
     * @param sparsity         target fraction of prunable weights pruned, 0 for a dense run
     * @param density          measured fraction kept
     * @param effectiveDensity fraction kept that lies on an input-output path
     * @param pruneSeconds     wall time of pruning (0 for a dense run)
     * @param trainSeconds     wall time of training
     */
    public record Run(String model, String dataset, String method, double sparsity, long seed, double finalTestAcc,
                      double bestTestAcc, double density, double effectiveDensity, double pruneSeconds,
                      double trainSeconds) {
        /**
         * @throws IllegalArgumentException if the sparsity is outside [0, 1)
         */
        public Run {
            if (!(sparsity >= 0 && sparsity < 1)) {
                throw new IllegalArgumentException("run sparsity must be in [0, 1), got " + sparsity);
            }
        }
    }

    /** A measured quantity of a run, with its column name and Markdown heading. */
    public enum Metric {
        FINAL_TEST_ACC("final_test_acc", "final test acc (%)", 2, Run::finalTestAcc),
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
     * The runs of one (model, data set, method, sparsity), sorted by seed.
     *
     * @param runs at least one, with distinct seeds
     */
    public record Group(String model, String dataset, String method, double sparsity, List<Run> runs) {
        public Group {
            runs = List.copyOf(runs);
        }

        /** Mean and sample standard deviation of {@code metric} over the runs. */
        public Stats stats(Metric metric) {
            return Stats.of(runs.stream().mapToDouble(metric::of).toArray());
        }

        /** Number of runs (seeds). */
        public int n() {
            return runs.size();
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
        Map<List<Object>, List<Run>> byKey = runs.stream().collect(Collectors.groupingBy(
                r -> List.of(r.model(), r.dataset(), r.method(), r.sparsity()), LinkedHashMap::new,
                Collectors.toList()));
        List<Group> groups = new ArrayList<>();
        for (List<Run> members : byKey.values()) {
            List<Run> sorted = members.stream().sorted(Comparator.comparingLong(Run::seed)).toList();
            for (int i = 1; i < sorted.size(); i++) {
                if (sorted.get(i).seed() == sorted.get(i - 1).seed()) {
                    Run r = sorted.get(i);
                    throw new IllegalArgumentException("results: two runs of " + r.model() + " on " + r.dataset()
                            + ", " + r.method() + " at sparsity " + r.sparsity() + " with seed " + r.seed());
                }
            }
            Run r = sorted.getFirst();
            groups.add(new Group(r.model(), r.dataset(), r.method(), r.sparsity(), sorted));
        }
        groups.sort(GROUP_ORDER);
        return new ResultsTable(List.copyOf(groups));
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

    /** Writes {@value #MARKDOWN_FILE}, {@value #CSV_FILE}, {@value #RUNS_CSV_FILE} and {@value #JSON_FILE}. */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(MARKDOWN_FILE), toMarkdown(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(CSV_FILE), toCsv(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(RUNS_CSV_FILE), runsCsv(), StandardCharsets.UTF_8);
        Json.write(dir.resolve(JSON_FILE), toJson());
    }

    /**
     * Per model and data set, a table of final test accuracy (mean ± std, n) with methods as rows and sparsities as
     * columns; then every metric of every group in long form.
     */
    public String toMarkdown() {
        StringBuilder md = new StringBuilder("# Results\n\n");
        md.append("Final test accuracy in %, mean ± sample standard deviation over seeds (n runs; – for a single"
                + " run).\n");
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
                    Metric acc = Metric.FINAL_TEST_ACC;
                    md.append(' ').append(g == null ? "" : meanStd(g.stats(acc), acc.decimals) + " (" + g.n() + ")")
                            .append(" |");
                }
                md.append('\n');
            });
        });
        md.append("\n## All metrics\n\n| model | dataset | method | sparsity | n |");
        for (Metric m : Metric.values()) {
            md.append(' ').append(m.heading).append(" |");
        }
        md.append("\n|---|---|---|---:|---:|").append("---:|".repeat(Metric.values().length)).append('\n');
        for (Group g : groups) {
            md.append("| ").append(markdownCell(g.model())).append(" | ").append(markdownCell(g.dataset()))
                    .append(" | ").append(markdownCell(g.method())).append(" | ").append(Numbers.percent(g.sparsity()))
                    .append(" | ").append(g.n()).append(" |");
            for (Metric m : Metric.values()) {
                md.append(' ').append(meanStd(g.stats(m), m.decimals)).append(" |");
            }
            md.append('\n');
        }
        return md.toString();
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

    /** One line per group: key, n, then {@code <metric>_mean,<metric>_std} for every metric. */
    public String toCsv() {
        List<String> header = new ArrayList<>(List.of("model", "dataset", "method", "sparsity", "n"));
        for (Metric m : Metric.values()) {
            header.add(m.column + "_mean");
            header.add(m.column + "_std");
        }
        StringBuilder csv = new StringBuilder(Csv.line(header));
        for (Group g : groups) {
            List<String> row = new ArrayList<>(List.of(g.model(), g.dataset(), g.method(), Csv.number(g.sparsity()),
                    Integer.toString(g.n())));
            for (Metric m : Metric.values()) {
                Stats s = g.stats(m);
                row.add(Csv.number(s.mean()));
                row.add(Csv.number(s.std()));
            }
            csv.append(Csv.line(row));
        }
        return csv.toString();
    }

    /** One line per run, in the table's order. */
    public String runsCsv() {
        List<String> header = new ArrayList<>(List.of("model", "dataset", "method", "sparsity", "seed"));
        for (Metric m : Metric.values()) {
            header.add(m.column);
        }
        StringBuilder csv = new StringBuilder(Csv.line(header));
        for (Group g : groups) {
            for (Run r : g.runs()) {
                List<String> row = new ArrayList<>(List.of(r.model(), r.dataset(), r.method(),
                        Csv.number(r.sparsity()), Long.toString(r.seed())));
                for (Metric m : Metric.values()) {
                    row.add(Csv.number(m.of(r)));
                }
                csv.append(Csv.line(row));
            }
        }
        return csv.toString();
    }

    /** {@code {"groups": [{model, dataset, method, sparsity, n, <metric>: {mean, std}, runs: [...]}]}}. */
    public ObjectNode toJson() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode array = root.putArray("groups");
        for (Group g : groups) {
            ObjectNode node = array.addObject();
            node.put("model", g.model()).put("dataset", g.dataset()).put("method", g.method())
                    .put("sparsity", g.sparsity()).put("n", g.n());
            for (Metric m : Metric.values()) {
                Stats s = g.stats(m);
                ObjectNode stats = node.putObject(m.column).put("mean", s.mean());
                if (Double.isNaN(s.std())) {
                    stats.putNull("std");
                } else {
                    stats.put("std", s.std());
                }
            }
            ArrayNode runs = node.putArray("runs");
            g.runs().forEach(r -> runs.add(Json.MAPPER.<ObjectNode>valueToTree(r)));
        }
        return root;
    }
}
