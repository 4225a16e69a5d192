package org.nnpan.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnpan.io.TensorFiles;
import org.nnpan.tensor.Tensor;

/** The documented workflow: {@code prune --out P}, then {@code train --masks P}; pruned weights stay exactly zero. */
class PruneThenTrainTest {

    @Test
    void trainsThePrunedNetworkFromItsInitialWeights(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("p");
        Path t = dir.resolve("t");
        assertEquals(0, Main.run("prune", "--model", "lenet5", "--dataset", "synthetic", "--method", "snip",
                "--sparsity", "0.9", "--samples-per-class", "2", "--out", p.toString()));
        assertEquals(0, Main.run("train", "--model", "lenet5", "--dataset", "synthetic", "--epochs", "1",
                "--limit-train", "256", "--limit-test", "64", "--batch-size", "64", "--masks", p.toString(),
                "--out", t.toString()));
        assertTrue(Files.exists(t.resolve("init.safetensors")) && Files.exists(t.resolve("masks.safetensors")));
        Map<String, Tensor> weights = TensorFiles.load(t.resolve("model.safetensors"));
        Map<String, Tensor> masks = TensorFiles.load(t.resolve("masks.safetensors"));
        int pruned = 0;
        for (Map.Entry<String, Tensor> m : masks.entrySet()) {
            float[] mask = m.getValue().toFloatArray();
            float[] w = weights.get(m.getKey().replace("_mask", "")).toFloatArray();
            for (int i = 0; i < w.length; i++) {
                if (mask[i] == 0) {
                    pruned++;
                    assertEquals(0, Float.floatToRawIntBits(w[i]), m.getKey() + "[" + i + "] revived: " + w[i]);
                }
            }
        }
        assertTrue(pruned > 0);
        assertEquals(2, Main.run("train", "--model", "lenet5", "--dataset", "synthetic", "--epochs", "1",
                "--masks", dir.resolve("missing").toString(), "--out", dir.resolve("t2").toString()));
    }
}
