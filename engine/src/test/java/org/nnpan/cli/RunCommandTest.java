package org.nnpan.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnpan.io.Json;
import org.nnpan.kernels.parallel.Parallel;

class RunCommandTest {
    @TempDir
    Path dir;

    /** A quick run: LeNet-5 on a few synthetic images, pruned with SNIP, two epochs. */
    private static final String[] FLAGS = {"--model", "lenet5", "--dataset", "synthetic", "--method", "snip",
        "--sparsity", "0.9", "--samples-per-class", "2", "--seed", "3", "--epochs", "2", "--batch-size", "32",
        "--lr", "0.05", "--milestones", "1", "--schedule", "multistep", "--limit-train", "64", "--limit-test", "32",
        "--threads", "1"};

    private static final String JSON = """
            {"model": "lenet5", "dataset": "synthetic", "method": "snip", "sparsity": 0.9, "samples_per_class": 2,
             "seed": 3, "epochs": 2, "batch-size": 32, "lr": 0.05, "milestones": [1], "schedule": "multistep",
             "limit_train": 64, "limit-test": 32, "threads": 1}
            """;

    private static String[] command(String name, String[] args, String... more) {
        List<String> all = new ArrayList<>(List.of(name));
        all.addAll(List.of(args));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    private static String[] ok(String... args) {
        String[] r = CliRun.main(args);
        assertEquals("0", r[0], r[1]);
        return r;
    }

    private static void assertUsageError(String expected, String... args) {
        String[] r = CliRun.main(args);
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains(expected), r[1]);
    }

    private static JsonNode config(Path run) throws IOException {
        return Json.MAPPER.readTree(run.resolve("config.json").toFile());
    }

    @Test
    void theProvenanceRecordsTheThreadCountTheRunUsed() throws IOException {
        int threads = Parallel.get().threads();
        Parallel.setThreads(2);
        try {
            Path run = dir.resolve("threads");
            ok(command("run", FLAGS, "--out", run.toString()));
            assertEquals(1, config(run).get("provenance").get("threads").asInt());
        } finally {
            Parallel.setThreads(threads);
        }
    }

    @Test
    void aConfigFileGivesTheSameRunAsFlagsAndFlagsOverrideIt() throws IOException {
        Path fromFlags = dir.resolve("flags");
        String[] r = ok(command("run", FLAGS, "--out", fromFlags.toString()));
        assertTrue(r[1].contains("final test accuracy"), r[1]);
        Path json = Files.writeString(dir.resolve("run.json"), JSON);
        Path fromJson = dir.resolve("json");
        ok("run", "--config", json.toString(), "--out", fromJson.toString());
        assertEquals(config(fromFlags), config(fromJson));

        Path yaml = Files.writeString(dir.resolve("run.yaml"), """
                model: lenet5
                dataset: synthetic
                method: snip
                sparsity: 0.9
                samples-per-class: 2
                seed: 3
                epochs: 2
                batch_size: 32
                lr: 0.1
                milestones: [1]
                schedule: multistep
                limit-train: 64
                limit-test: 32
                threads: 1
                """);
        Path fromYaml = dir.resolve("yaml");
        ok("run", "--config", yaml.toString(), "--lr", "0.05", "--out", fromYaml.toString());
        assertEquals(config(fromFlags), config(fromYaml));

        String[] skipped = ok("run", "--config=" + yaml, "--lr", "0.05", "--out", fromYaml.toString());
        assertTrue(skipped[1].contains("skipping " + fromYaml + ": the run is already finished"), skipped[1]);
        assertFalse(skipped[1].contains("wrote"), skipped[1]);
        assertUsageError("holds a run with other settings: train.lr: 0.1 (0.05)", "run", "--config", yaml.toString(),
                "--out", fromYaml.toString());

        String[] eval = ok("eval", "--run", fromFlags.toString());
        JsonNode result = Json.MAPPER.readTree(fromFlags.resolve("result.json").toFile());
        assertTrue(eval[1].contains(String.format(Locale.ROOT, "test accuracy %.2f%%",
                result.get("final_test_acc").asDouble())), eval[1]);
        assertTrue(eval[1].contains("density 0.1000 (mask), 32 test images"), eval[1]);
        String[] weights = ok("eval", "--weights", fromFlags.resolve("model.safetensors").toString(), "--model",
                "lenet5", "--dataset", "synthetic", "--limit-test", "32");
        assertTrue(weights[1].contains("density 0.1000 (non-zero prunable weights)"), weights[1]);
    }

    @Test
    void rescaleKeptIsRecordedAndLiftsTheSignalOfThePrunedNetworkItTrains() throws IOException {
        Path plain = dir.resolve("plain");
        Path rescaled = dir.resolve("rescaled");
        String[] sparse = FLAGS.clone();
        sparse[List.of(FLAGS).indexOf("--sparsity") + 1] = "0.99";
        ok(command("run", sparse, "--out", plain.toString()));
        ok(command("run", sparse, "--rescale-kept", "fan-in", "--out", rescaled.toString()));
        assertEquals("none", config(plain).get("config").get("train").get("rescale_kept").asText());
        assertEquals("fan-in", config(rescaled).get("config").get("train").get("rescale_kept").asText());
        // The same θ₀ and mask on disk; the network diagnosed and trained starts with a larger output.
        assertArrayEquals(Files.readAllBytes(plain.resolve("init.safetensors")),
                Files.readAllBytes(rescaled.resolve("init.safetensors")));
        assertArrayEquals(Files.readAllBytes(plain.resolve("masks.safetensors")),
                Files.readAllBytes(rescaled.resolve("masks.safetensors")));
        double before = Json.MAPPER.readTree(plain.resolve("diag.json").toFile()).get("logit_std").asDouble();
        double after = Json.MAPPER.readTree(rescaled.resolve("diag.json").toFile()).get("logit_std").asDouble();
        assertTrue(after > 2 * before, before + " -> " + after);
        assertUsageError("unknown rescale-kept 'fanin'; valid: none, fan-in", command("run", FLAGS, "--rescale-kept",
                "fanin", "--out", dir.resolve("bad").toString()));
        assertUsageError("--rescale-kept fan-in needs --masks", "train", "--model", "lenet5", "--dataset",
                "synthetic", "--rescale-kept", "fan-in", "--epochs", "1", "--out", dir.resolve("t").toString());
    }

    @Test
    void aMethodEndingInPlusShuffleIsTheShuffleFlag() throws IOException {
        String[] prune = {"--model", "lenet5", "--dataset", "synthetic", "--sparsity", "0.9", "--samples-per-class",
            "2"};
        Path suffix = dir.resolve("suffix");
        Path flag = dir.resolve("flag");
        ok(command("prune", prune, "--method", "snip+shuffle", "--out", suffix.toString()));
        ok(command("prune", prune, "--method", "snip", "--shuffle", "--out", flag.toString()));
        assertArrayEquals(Files.readAllBytes(flag.resolve("masks.safetensors")),
                Files.readAllBytes(suffix.resolve("masks.safetensors")));
        assertEquals(config(flag).get("config"), config(suffix).get("config"));
        assertTrue(config(suffix).get("config").get("shuffle").asBoolean());
        assertUsageError("fusion applies to --method panning only", "prune", "--model", "lenet5", "--dataset",
                "synthetic", "--method", "snip", "--sparsity", "0.9", "--fusion", "multiplicative", "--out",
                dir.resolve("x").toString());
    }

    @Test
    void configFileErrorsNameTheFileAndTheKey() throws IOException {
        Path unknown = Files.writeString(dir.resolve("bad.yaml"), "model: lenet5\nepoch: 3\n");
        assertUsageError("--config " + unknown + ": unknown key 'epoch' for 'train'; valid keys: augment, batch-size,",
                "train", "--config", unknown.toString(), "--dataset", "synthetic", "--out", dir.toString());
        Path badValue = Files.writeString(dir.resolve("bad.json"), "{\"model\": \"lenet5\", \"epochs\": \"many\"}");
        assertUsageError("--config " + badValue + ": key 'epochs': Invalid value for option '--epochs': 'many' is not"
                + " an int", "train", "--config", badValue.toString(), "--dataset", "synthetic", "--out",
                dir.toString());
        Path badSparsity = Files.writeString(dir.resolve("p.json"), "{\"model\": \"lenet5\", \"method\": \"snip\","
                + " \"sparsity\": 1.5}");
        assertUsageError("sparsity must be in [0, 1) (the fraction of weights removed, e.g. 0.98), got 1.5 (options"
                + " from --config " + badSparsity + ")", "prune", "--config", badSparsity.toString(), "--out",
                dir.toString());
        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"model\": ");
        assertUsageError("--config " + broken + ": not valid JSON or YAML", "prune", "--config", broken.toString(),
                "--out", dir.toString());
        assertUsageError("--config " + dir.resolve("missing.json") + ": cannot read it", "run", "--config",
                dir.resolve("missing.json").toString(), "--out", dir.toString());
    }

    @Test
    void evalWithoutTheFilesIsAUsageError() {
        assertUsageError("--run " + dir + ": no " + dir.resolve("model.safetensors"), "eval", "--run", dir.toString());
        assertUsageError("--weights: no " + dir.resolve("w.safetensors"), "eval", "--weights",
                dir.resolve("w.safetensors").toString(), "--model", "lenet5", "--dataset", "synthetic");
    }

    @Test
    void runAndEvalHelpShowAnExample() {
        assertTrue(ok("run", "--help")[1].contains("run --model lenet5 --dataset fashion-mnist --method snip"));
        assertTrue(ok("run", "--help")[1].contains("--prune-schedule"));
        assertTrue(ok("eval", "--help")[1].contains("eval --run runs/snip"));
        assertUsageError("--sparsity is required with --method snip", "run", "--model", "lenet5", "--method", "snip",
                "--out", dir.toString());
    }
}
