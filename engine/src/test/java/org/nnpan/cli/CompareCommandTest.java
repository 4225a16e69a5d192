package org.nnpan.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnpan.io.Json;

class CompareCommandTest {
    @TempDir
    Path dir;

    /** A quick cell: a few synthetic images (the callers give one epoch, or a few). */
    private static final String[] QUICK = {"--dataset", "synthetic", "--samples-per-class", "2", "--batch-size", "32",
        "--limit-train", "64", "--limit-test", "32", "--threads", "1"};

    private static String[] compare(Path out, String... args) {
        String[] all = new String[1 + QUICK.length + args.length + 2];
        all[0] = "compare";
        System.arraycopy(QUICK, 0, all, 1, QUICK.length);
        System.arraycopy(args, 0, all, 1 + QUICK.length, args.length);
        all[all.length - 2] = "--out";
        all[all.length - 1] = out.toString();
        return CliRun.main(all);
    }

    @Test
    void comparePrintsTheTableWritesItsFilesAndSkipsFinishedCellsWhenRunAgain() throws IOException {
        Path out = dir.resolve("cmp");
        String[] r = compare(out, "--model", "lenet5", "--epochs", "1", "--methods", "magnitude,random",
                "--sparsities", "0.5", "--seed-list", "4,7");
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("| magnitude | "), r[1]);
        assertTrue(r[1].contains("(2"), r[1]);
        assertTrue(r[1].contains("sweep [##########----------] 2/4 cells done"), r[1]);
        assertTrue(r[1].contains("wrote " + out.toAbsolutePath() + ": results.md, results.csv, runs.csv, results.json,"
                + " plots/accuracy-vs-density.png"), r[1]);
        for (String f : new String[] {"sweep.json", "results.md", "results.csv", "runs.csv", "results.json",
            "plots/accuracy-vs-density.png", "random-s0.5-seed7/result.json"}) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        String again = compare(out, "--model", "lenet5", "--epochs", "1", "--methods", "magnitude,random",
                "--sparsities", "0.5", "--seed-list", "4,7")[1];
        assertEquals(4, again.lines().filter(l -> l.contains(": finished earlier: ")).count(), again);
        assertFalse(again.contains("starting "), again);
    }

    @Test
    void methodOptionsReachTheCellsTheyConcernAndPlusShuffleGetsItsOwnCellsAndRow() throws IOException {
        Path out = dir.resolve("cmp");
        String[] r = compare(out, "--model", "lenet5", "--epochs", "1", "--methods",
                "rl-panning,panning,panning+shuffle,magnitude", "--sparsities", "0.5", "--iterations", "2",
                "--agent-steps", "6", "--fusion", "multiplicative");
        assertEquals("0", r[0], r[1]);
        JsonNode rl = cellConfig(out, "rl-panning-s0.5-seed1");
        assertEquals(6, rl.get("agent_steps").asLong());
        assertEquals(2, rl.get("iterations").asInt());
        assertTrue(rl.get("fusion").isNull());
        JsonNode panning = cellConfig(out, "panning-s0.5-seed1");
        assertEquals("multiplicative", panning.get("fusion").asText());
        assertEquals(2, panning.get("iterations").asInt());
        assertFalse(panning.get("shuffle").asBoolean());
        JsonNode shuffled = cellConfig(out, "panning+shuffle-s0.5-seed1");
        assertEquals("panning", shuffled.get("method").asText());
        assertTrue(shuffled.get("shuffle").asBoolean());
        assertEquals("multiplicative", shuffled.get("fusion").asText());
        JsonNode magnitude = cellConfig(out, "magnitude-s0.5-seed1");
        assertEquals(1, magnitude.get("iterations").asInt(), "a one-shot method stays one-shot");
        assertEquals(0, magnitude.get("agent_steps").asLong());
        assertTrue(r[1].contains("| panning+shuffle | "), r[1]);
        assertTrue(r[1].contains("| panning | "), r[1]);
        assertTrue(Files.readString(out.resolve("results.csv")).contains("lenet5,synthetic,panning+shuffle,0.5,1,"));
    }

    private static JsonNode cellConfig(Path sweep, String cell) throws IOException {
        return Json.MAPPER.readTree(sweep.resolve(cell).resolve("config.json").toFile()).get("config").get("prune");
    }

    @Test
    void theShuffleIsAMethodSuffixInASweep() {
        String[] old = compare(dir.resolve("cmp"), "--model", "lenet5", "--methods", "snip", "--sparsities", "0.9",
                "--shuffle");
        assertEquals("2", old[0], old[1]);
        assertTrue(old[1].contains("Unknown option: '--shuffle'"), old[1]);
        String[] dense = compare(dir.resolve("cmp"), "--model", "lenet5", "--methods", "dense+shuffle",
                "--sparsities", "0.9");
        assertEquals("2", dense[0], dense[1]);
        assertTrue(dense[1].contains("method dense prunes nothing"), dense[1]);
        String help = CliRun.main("compare", "--help")[1];
        assertTrue(help.contains("panning+shuffle"), help);
        assertFalse(help.contains("--shuffle"), help);
    }

    @Test
    void aConfigFileWithListsGivesTheSameSweep() throws IOException {
        Path yaml = Files.writeString(dir.resolve("sweep.yaml"), """
                model: lenet5
                epochs: 1
                methods: [magnitude, magnitude+shuffle]
                sparsities: [0.5]
                seeds: 1
                iterations: 2
                rescale_kept: fan-in
                """);
        String[] r = compare(dir.resolve("cmp"), "--config", yaml.toString());
        assertEquals("0", r[0], r[1]);
        assertTrue(Files.isDirectory(dir.resolve("cmp").resolve("magnitude-s0.5-seed1")), r[1]);
        JsonNode shuffled = Json.MAPPER.readTree(dir.resolve("cmp").resolve("magnitude+shuffle-s0.5-seed1")
                .resolve("config.json").toFile()).get("config");
        assertTrue(shuffled.get("prune").get("shuffle").asBoolean());
        assertEquals(1, shuffled.get("prune").get("iterations").asInt());
        assertEquals("fan-in", shuffled.get("train").get("rescale_kept").asText());
    }

    @Test
    void failedCellsGiveExitCode1WithASummaryLine() {
        // A learning rate this large overflows the loss within a few steps: every cell diverges.
        String[] r = compare(dir.resolve("cmp"), "--model", "lenet5", "--epochs", "3", "--methods", "magnitude",
                "--sparsities", "0.5,0.9", "--lr", "1e38");
        assertEquals("1", r[0], r[1]);
        assertTrue(r[1].contains("error: 2 of 2 cells failed (magnitude-s0.5-seed1, magnitude-s0.9-seed1); the others"
                + " are in the table"), r[1]);
        assertTrue(r[1].contains("| magnitude | all failed (1) | all failed (1) |"), r[1]);
    }

    @Test
    void badUsageIsOneLineAndExitCode2() {
        String[] both = compare(dir, "--model", "lenet5", "--methods", "snip", "--sparsities", "0.9", "--seeds", "2",
                "--seed-list", "1");
        assertEquals("2", both[0], both[1]);
        assertTrue(both[1].contains("error: --seeds and --seed-list: give one of them"), both[1]);
        String[] method = compare(dir, "--model", "lenet5", "--methods", "snip,snap", "--sparsities", "0.9");
        assertEquals("2", method[0], method[1]);
        assertTrue(method[1].contains("error: unknown method 'snap'; valid: random, magnitude, snip"), method[1]);
        String[] sparsity = compare(dir, "--model", "lenet5", "--methods", "snip", "--sparsities", "0.9,1.2");
        assertEquals("2", sparsity[0], sparsity[1]);
        assertTrue(sparsity[1].contains("sparsity must be in [0, 1)"), sparsity[1]);
    }

    @Test
    void demoWithoutItsDataSetSaysHowToInstallIt() {
        String[] r = CliRun.main("demo", "--data-dir", dir.resolve("nowhere").toString(), "--out",
                dir.resolve("demo").toString());
        assertEquals("2", r[0], r[1]);
        String error = r[1].lines().filter(l -> l.startsWith("error: ")).findFirst().orElseThrow();
        assertTrue(error.contains("apt-get install dataset-fashion-mnist"), error);
    }

    @Test
    void helpShowsExamples() {
        String compare = CliRun.main("compare", "--help")[1];
        assertTrue(compare.contains("--methods snip,grasp,synflow,panning --sparsities 0.9,0.95,0.98,0.99 \\"),
                compare);
        assertTrue(compare.contains("--seed-list"), compare);
        String demo = CliRun.main("demo", "--help")[1];
        assertTrue(demo.contains("nnpan-engine demo"), demo);
        assertTrue(CliRun.main("--help")[1].contains("compare"));
    }
}
