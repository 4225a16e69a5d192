package org.nnpan.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnpan.io.Json;

class ResultsTableTest {

    private static ResultsTable.Run run(String method, double sparsity, long seed, double acc) {
        return run(method, sparsity, seed, acc, 0.4);
    }

    private static ResultsTable.Run run(String method, double sparsity, long seed, double acc, double loss) {
        return new ResultsTable.Run("lenet5", "fashion-mnist", method, sparsity, seed, acc, loss, acc + 0.5,
                1 - sparsity, (1 - sparsity) * 0.9, 1.5, 60 + seed);
    }

    /** Three methods, two sparsities, three seeds; snip at 0.98 has one run only. */
    private static List<ResultsTable.Run> sweep() {
        List<ResultsTable.Run> runs = new ArrayList<>();
        for (String method : List.of("synflow", "snip", "grasp")) {
            for (double sparsity : new double[] {0.98, 0.9}) {
                int seeds = method.equals("snip") && sparsity == 0.98 ? 1 : 3;
                for (int seed = 0; seed < seeds; seed++) {
                    runs.add(run(method, sparsity, seed, 90 - 10 * sparsity + seed));
                }
            }
        }
        return runs;
    }

    @Test
    void groupsRunsAndSummarisesEveryMetricOverSeeds() {
        ResultsTable table = ResultsTable.of(sweep());
        List<String> keys = table.groups().stream().map(g -> g.method() + "@" + g.sparsity()).toList();
        assertEquals(List.of("grasp@0.9", "grasp@0.98", "snip@0.9", "snip@0.98", "synflow@0.9", "synflow@0.98"),
                keys);
        ResultsTable.Group grasp = table.groups().getFirst();
        assertEquals(List.of(0L, 1L, 2L), grasp.runs().stream().map(ResultsTable.Run::seed).toList());
        Stats acc = grasp.stats(ResultsTable.Metric.FINAL_TEST_ACC);
        assertEquals(3, acc.n());
        assertEquals(81 + 1, acc.mean(), 1e-12); // 81, 82, 83
        assertEquals(1, acc.std(), 1e-12);
        assertEquals(61, grasp.stats(ResultsTable.Metric.TRAIN_SECONDS).mean(), 1e-12);
        assertEquals(0, grasp.stats(ResultsTable.Metric.DENSITY).std(), 1e-12);
        assertEquals(1, table.groups().get(3).n());
    }

    @Test
    void outputsDoNotDependOnTheOrderRunsFinishedIn() {
        ResultsTable reference = ResultsTable.of(sweep());
        Random rng = new Random(3);
        for (int trial = 0; trial < 10; trial++) {
            List<ResultsTable.Run> shuffled = new ArrayList<>(sweep());
            Collections.shuffle(shuffled, rng);
            ResultsTable table = ResultsTable.of(shuffled);
            assertEquals(reference.toMarkdown(), table.toMarkdown());
            assertEquals(reference.toCsv(), table.toCsv());
            assertEquals(reference.runsCsv(), table.runsCsv());
            assertEquals(reference.toJson(), table.toJson());
        }
    }

    @Test
    void markdownPutsMethodsInRowsAndSparsitiesInColumns() {
        String md = ResultsTable.of(sweep()).toMarkdown();
        assertTrue(md.contains("## lenet5 on fashion-mnist"), md);
        assertTrue(md.contains("| method | 90 % pruned (density 0.1) | 98 % pruned (density 0.02) |"), md);
        // grasp at 0.9: 81, 82, 83; snip at 0.98: one run of 80.2.
        assertTrue(md.contains("| grasp | 82.00 ± 1.00 (3) | 81.20 ± 1.00 (3) |"), md);
        assertTrue(md.contains("| snip | 82.00 ± 1.00 (3) | 80.20 ± – (1) |"), md);
        String single = "| lenet5 | fashion-mnist | snip | 98 % | 1 | 80.20 ± – | 0.4000 ± – | 80.70 ± – |"
                + " 0.0200 ± – |";
        assertTrue(md.contains(single), md);
    }

    @Test
    void aSingleRunsStdIsAnEmptyCsvFieldAndNullInJson() {
        ResultsTable table = ResultsTable.of(List.of(run("snip", 0.98, 4, 88.25)));
        String[] lines = table.toCsv().split("\n");
        assertEquals(2, lines.length);
        assertTrue(lines[0].startsWith("model,dataset,method,sparsity,n,final_test_acc_mean,final_test_acc_std,"),
                lines[0]);
        assertTrue(lines[1].startsWith("lenet5,fashion-mnist,snip,0.98,1,88.25,,0.4,,88.75,,"), lines[1]);
        JsonNode group = table.toJson().get("groups").get(0);
        assertTrue(group.get("final_test_acc").get("std").isNull());
        assertEquals(88.25, group.get("final_test_acc").get("mean").asDouble());
        assertEquals(4, group.get("runs").get(0).get("seed").asLong());
    }

    @Test
    void csvQuotesFieldsWithCommasQuotesAndLineBreaks() {
        assertEquals("snip", Csv.field("snip"));
        assertEquals("\"a,b\"", Csv.field("a,b"));
        assertEquals("\"say \"\"hi\"\"\"", Csv.field("say \"hi\""));
        assertEquals("\"two\nlines\"", Csv.field("two\nlines"));
        ResultsTable table = ResultsTable.of(List.of(run("panning,\"v2\"", 0.9, 0, 90)));
        assertTrue(table.runsCsv().contains("\nlenet5,fashion-mnist,\"panning,\"\"v2\"\"\",0.9,0,90.0,"),
                table.runsCsv());
        assertTrue(table.toMarkdown().contains("| panning,\"v2\" |"));
    }

    @Test
    void rejectsTwoRunsWithTheSameSeedAndABadSparsity() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ResultsTable.of(List.of(run("snip", 0.9, 1, 90), run("snip", 0.9, 1, 91))));
        assertTrue(e.getMessage().contains("snip at sparsity 0.9 with seed 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> run("snip", 1.0, 0, 10));
    }

    @Test
    void writesTheFourFiles(@TempDir Path dir) throws IOException {
        ResultsTable table = ResultsTable.of(sweep());
        table.write(dir);
        assertEquals(table.toMarkdown(), Files.readString(dir.resolve(ResultsTable.MARKDOWN_FILE)));
        assertEquals(1 + 6, Files.readAllLines(dir.resolve(ResultsTable.CSV_FILE)).size());
        assertEquals(1 + 16, Files.readAllLines(dir.resolve(ResultsTable.RUNS_CSV_FILE)).size());
        assertEquals(Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(table.toJson())),
                Json.MAPPER.readTree(dir.resolve(ResultsTable.JSON_FILE).toFile()));
    }

    @Test
    void aRunIsAtChanceWithin1Point5PointsOfGuessing() {
        // Fashion-MNIST has 10 classes: chance is 10 %.
        for (double acc = 0; acc <= 100; acc += 0.25) {
            ResultsTable.Run r = run("snip", 0.99, 1, acc);
            assertEquals(10, r.chanceAcc(), 1e-12);
            assertEquals(acc >= 8.5 && acc <= 11.5, r.atChance(), "accuracy " + acc);
        }
        ResultsTable table = ResultsTable.of(List.of(run("snip", 0.99, 1, 10.02), run("snip", 0.99, 2, 61.3),
                run("snip", 0.99, 3, 9.1)));
        assertEquals(2, table.groups().getFirst().atChance());
        assertEquals(List.of(1L, 3L), table.runsAtChance().stream().map(ResultsTable.Run::seed).toList());
        String md = table.toMarkdown();
        assertTrue(md.contains("| snip | 26.81 ± 29.88 (3, 2 at chance) |"), md);
        assertTrue(md.contains("## Runs at chance"), md);
        assertTrue(md.contains("| lenet5 | fashion-mnist | snip | 99 % | 3 | 9.10 | 10 |"), md);
        assertTrue(table.runsCsv().contains(",at-chance,\n"), table.runsCsv());
        assertTrue(table.toCsv().split("\n")[1].endsWith(",2,0"), table.toCsv());
        assertTrue(table.toJson().get("groups").get(0).get("runs").get(0).get("at_chance").asBoolean());
    }

    @Test
    void failedRunsCountInTheirGroupWithoutNumbers() {
        ResultsTable.Failure diverged = new ResultsTable.Failure("lenet5", "fashion-mnist", "snip", 0.98, 2,
                "training diverged: the loss is NaN");
        List<ResultsTable.Failure> failures = List.of(diverged,
                new ResultsTable.Failure("lenet5", "fashion-mnist", "grasp", 0.98, 1, "out of, \"luck\""),
                new ResultsTable.Failure("lenet5", "fashion-mnist", "grasp", 0.98, 2, "again"));
        ResultsTable table = ResultsTable.of(List.of(run("snip", 0.98, 1, 80)), failures);
        assertEquals(List.of("grasp", "snip"), table.groups().stream().map(ResultsTable.Group::method).toList());
        ResultsTable.Group grasp = table.groups().getFirst();
        assertEquals(0, grasp.n());
        assertEquals(2, grasp.failed());
        assertTrue(Double.isNaN(grasp.stats(ResultsTable.Metric.FINAL_TEST_ACC).mean()));
        String md = table.toMarkdown();
        assertTrue(md.contains("| grasp | all failed (2) |"), md);
        assertTrue(md.contains("| snip | 80.00 ± – (1, 1 failed) |"), md);
        assertTrue(md.contains("| lenet5 | fashion-mnist | snip | 98 % | 2 | training diverged: the loss is NaN |"),
                md);
        assertEquals(failures.size(), table.failures().size());
        String csv = table.toCsv();
        assertTrue(csv.contains("\nlenet5,fashion-mnist,grasp,0.98,0,,,"), csv);
        assertTrue(csv.contains(",0,2\n"), csv);
        assertTrue(table.runsCsv().contains(",failed,\"out of, \"\"luck\"\"\"\n"), table.runsCsv());
        JsonNode group = table.toJson().get("groups").get(0);
        assertTrue(group.get("final_test_acc").get("mean").isNull());
        assertEquals("again", group.get("failures").get(1).get("error").asText());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ResultsTable.of(List.of(run("snip", 0.98, 2, 80)), List.of(diverged)));
        assertTrue(e.getMessage().contains("snip at sparsity 0.98 with seed 2"), e.getMessage());
    }

    @Test
    void aRunWithANonFiniteTestLossOrAccuracyCountsAsFailed() {
        Random rng = new Random(11);
        double[] odd = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        for (int trial = 0; trial < 50; trial++) {
            double loss = rng.nextInt(3) == 0 ? odd[rng.nextInt(3)] : 5 * rng.nextDouble();
            double acc = rng.nextInt(4) == 0 ? Double.NaN : 100 * rng.nextDouble();
            ResultsTable.Run r = run("snip", 0.99, 1, acc, loss);
            boolean diverged = !Double.isFinite(loss) || Double.isNaN(acc);
            assertEquals(diverged, r.diverged(), "loss " + loss + ", accuracy " + acc);
            ResultsTable.Group g = ResultsTable.of(List.of(r, run("snip", 0.99, 2, 70))).groups().getFirst();
            assertEquals(diverged ? 1 : 2, g.n());
            assertEquals(diverged ? 1 : 0, g.failed());
            assertTrue(Double.isFinite(g.stats(ResultsTable.Metric.FINAL_TEST_ACC).mean()));
        }
        ResultsTable table = ResultsTable.of(List.of(run("snip", 0.99, 1, 10, Double.NaN)));
        assertEquals("diverged: final test loss NaN, final test accuracy 10.00%",
                table.failures().getFirst().error());
        assertTrue(table.runsAtChance().isEmpty());
        assertTrue(table.toMarkdown().contains("| snip | all failed (1) |"), table.toMarkdown());
        assertTrue(table.runsCsv().contains(",failed,\"diverged: final test loss NaN,"), table.runsCsv());
    }
}
