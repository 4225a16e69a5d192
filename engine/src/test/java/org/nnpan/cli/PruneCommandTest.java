package org.nnpan.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnpan.io.TensorFiles;
import org.nnpan.kernels.parallel.Parallel;
import org.nnpan.models.ModelSpec;
import org.nnpan.models.ModelZoo;
import org.nnpan.nn.Module;
import org.nnpan.nn.init.InitScheme;
import org.nnpan.pruning.Density;
import org.nnpan.pruning.Mask;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

class PruneCommandTest {
    @TempDir
    Path dir;

    private static String[] prune(String... args) {
        return CliRun.prune(args);
    }

    @Test
    void anUnknownMethodIsAUsageErrorListingTheValidOnes() {
        String[] r = prune("--model", "lenet5", "--method", "obd", "--sparsity", "0.9", "--out", dir.toString());
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("unknown method 'obd'; valid: random, magnitude, snip, grasp, grasp-abs, synflow,"
                + " iter-snip, force"), r[1]);
    }

    @Test
    void aSparsityOutsideZeroToOneIsAUsageErrorNamingTheValue() {
        for (String p : List.of("1.0", "-0.1", "2")) {
            String[] r = prune("--model", "lenet5", "--method", "snip", "--sparsity", p, "--out", dir.toString());
            assertEquals("2", r[0], r[1]);
            assertTrue(r[1].contains("sparsity must be in [0, 1)") && r[1].contains("got " + Double.parseDouble(p)),
                    r[1]);
        }
    }

    @Test
    void writesMaskInitialWeightsReportScoresAndBatch() throws Exception {
        Path out = dir.resolve("run");
        int threads = Parallel.get().threads();
        String[] r;
        try {
            r = prune("--model", "lenet5", "--dataset", "synthetic", "--method", "magnitude", "--sparsity", "0.95",
                    "--samples-per-class", "2", "--save-scores", "--threads", "1", "--out", out.toString());
        } finally {
            Parallel.setThreads(threads);
        }
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].contains("| conv1.weight | [20, 3, 5, 5] |"), r[1]);
        try (MemoryScope _ = MemoryScope.open()) {
            Module lenet = syntheticLenet();
            Mask mask = Mask.load(out.resolve("masks.safetensors"), lenet);
            long n = mask.numel();
            assertEquals(Density.ofSparsity(0.95).keptCount(n), mask.kept());
            lenet.loadStateDict(TensorFiles.load(out.resolve("init.safetensors")), true);

            Map<String, Tensor> scores = TensorFiles.load(out.resolve("scores.safetensors"));
            assertEquals(List.of("magnitude.conv1.weight", "magnitude.conv2.weight", "magnitude.fc3.weight",
                    "magnitude.fc4.weight"),
                    List.copyOf(scores.keySet()));
            Map<String, Tensor> batch = TensorFiles.load(out.resolve("scoring-batch.safetensors"));
            assertArrayEquals(new int[] {20, 3, 32, 32}, batch.get("inputs").shape());
            assertEquals(DType.I64, batch.get("labels").dtype());

            JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
            assertEquals(mask.kept(), report.get("totals").get("kept").asLong());
            assertEquals("magnitude", report.get("settings").get("method").asText());
            assertTrue(Files.readString(out.resolve("report.md")).contains("effective density"));

            JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
            assertEquals(0.95, config.get("config").get("sparsity").asDouble());
            assertEquals("magnitude", config.get("config").get("method").asText());
            assertEquals(1, config.get("provenance").get("seed").asLong());
            assertEquals(1, config.get("provenance").get("threads").asInt());
        }
    }

    /** LeNet-5 as the commands below build it for the synthetic data set (3x32x32, seed 1), in the current scope. */
    private static Module syntheticLenet() {
        return ModelZoo.create("lenet5", ModelSpec.of(10, 3, 32), InitScheme.REFERENCE, new SplittableRandom(1));
    }

    /** A two-step SynFlow prune of LeNet-5 on synthetic data, with {@code more} options, into {@code out}. */
    private static String[] twoStepSynflow(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("--method", "synflow"));
        args.addAll(List.of(more));
        return lenet(out, args.toArray(String[]::new));
    }

    /** A prune of LeNet-5 on synthetic data to 90 % sparsity in at most two steps, with {@code more} options. */
    private static String[] lenet(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("--model", "lenet5", "--dataset", "synthetic", "--iterations",
                "2", "--sparsity", "0.9", "--samples-per-class", "1", "--threads", "1", "--out", out.toString()));
        args.addAll(List.of(more));
        int threads = Parallel.get().threads();
        try {
            return prune(args.toArray(String[]::new));
        } finally {
            Parallel.setThreads(threads);
        }
    }

    private static String configuredSchedule(Path out) throws Exception {
        return new ObjectMapper().readTree(out.resolve("config.json").toFile()).get("config").get("schedule").asText();
    }

    @Test
    void scheduleNamesThePruningScheduleAsPruneScheduleDoes() throws Exception {
        Path alias = dir.resolve("alias");
        Path flag = dir.resolve("flag");
        Path exp = dir.resolve("exp");
        for (String[] r : List.of(twoStepSynflow(alias, "--schedule", "linear"),
                twoStepSynflow(flag, "--prune-schedule", "linear"), twoStepSynflow(exp))) {
            assertEquals("0", r[0], r[1]);
        }
        assertEquals("linear", configuredSchedule(alias));
        assertEquals("exp", configuredSchedule(exp));
        assertArrayEquals(Files.readAllBytes(flag.resolve("masks.safetensors")),
                Files.readAllBytes(alias.resolve("masks.safetensors")));
    }

    @Test
    void pruneScheduleOnTheCommandLineWinsOverAConfigFilesSchedule() throws Exception {
        Path config = Files.writeString(dir.resolve("prune.json"), "{\"schedule\": \"linear\"}");
        Path fromFile = dir.resolve("file");
        Path overridden = dir.resolve("flag");
        assertEquals("0", twoStepSynflow(fromFile, "--config", config.toString())[0]);
        assertEquals("0", twoStepSynflow(overridden, "--config", config.toString(), "--prune-schedule", "exp")[0]);
        assertEquals("linear", configuredSchedule(fromFile));
        assertEquals("exp", configuredSchedule(overridden));
    }

    @Test
    void bothScheduleFlagsOrAnUnknownScheduleAreUsageErrors() {
        String[] r = twoStepSynflow(dir.resolve("both"), "--schedule", "linear", "--prune-schedule", "linear");
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("--schedule and --prune-schedule both set the pruning schedule: give one"), r[1]);
        r = twoStepSynflow(dir.resolve("cubic"), "--schedule", "cubic");
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("unknown schedule 'cubic'; valid: exp, linear"), r[1]);
    }

    /** A baseline and Panning keep the classifier whole; the sparsity applies to the other prunable weights. */
    @Test
    void keepDenseKeepsTheNamedWeightsWholeAndPrunesTheOthersToTheTarget() throws Exception {
        for (String method : List.of("snip", "panning")) {
            Path out = dir.resolve(method);
            String[] r = lenet(out, "--method", method, "--keep-dense", "fc4.weight");
            assertEquals("0", r[0], r[1]);
            assertTrue(r[1].contains("- kept dense: fc4.weight"), r[1]);
            try (MemoryScope _ = MemoryScope.open()) {
                Module lenet = syntheticLenet();
                Mask mask = Mask.load(out.resolve("masks.safetensors"), lenet);
                long classifier = lenet.prunableParameters().get("fc4.weight").numel();
                assertEquals(classifier, mask.kept("fc4.weight"), method);
                assertEquals(Density.ofSparsity(0.9).keptCount(mask.numel() - classifier),
                        mask.kept() - classifier, method);
            }
            JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
            assertEquals("[\"fc4.weight\"]", config.get("config").get("keep_dense").toString(), method);
        }
    }

    @Test
    void keepDenseNamesAPrunableWeightAndIsNotForTheAgent() {
        String[] r = twoStepSynflow(dir.resolve("typo"), "--keep-dense", "fc5.weight");
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("no prunable weight 'fc5.weight' to keep dense; prunable: conv1.weight,"
                + " conv2.weight, fc3.weight, fc4.weight"), r[1]);
        r = lenet(dir.resolve("agent"), "--method", "rl-panning", "--keep-dense", "fc4.weight");
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("keep-dense does not apply to --method rl-panning"), r[1]);
    }

    @Test
    void aThreadCountBelowOneIsAUsageError() {
        String[] r = prune("--model", "lenet5", "--method", "snip", "--sparsity", "0.9", "--threads", "0", "--out",
                dir.toString());
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains("--threads must be at least 1, got 0"), r[1]);
    }

    @Test
    void saysWhenItPadsMnistLikeImagesForThirtyTwoPixelModels() {
        // The folder is empty: the command announces the padding, then stops at the missing data (exit 1).
        String[] r = prune("--model", "resnet20", "--dataset", "fashion-mnist", "--data-dir", dir.toString(),
                "--method", "magnitude", "--sparsity", "0.5", "--out", dir.resolve("run").toString());
        assertEquals("1", r[0], r[1]);
        assertTrue(r[1].contains("padding the 28x28 Fashion-MNIST images to 32x32: resnet20 is defined on 32x32"
                + " inputs"), r[1]);
        assertTrue(r[1].contains("Fashion-MNIST not found in " + dir), r[1]);
    }
}
