package org.nnpan.pruning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnpan.io.TensorFiles;
import org.nnpan.nn.Module;
import org.nnpan.nn.Parameter;
import org.nnpan.nn.Sequential;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/** The pruning {@link Mask}: validation, application, files and the layer-wise shuffle. */
class PruningMaskTest {
    @TempDir
    Path dir;
    private MemoryScope scope;

    @BeforeEach
    void open() {
        scope = MemoryScope.open("mask-test");
    }

    @AfterEach
    void close() {
        scope.close();
    }

    private static Mask randomMask(Module net, long seed) {
        Scores noise = new RandomSaliency(seed).score(net, Mask.dense(net), TestNets.shapeOnly(1, 1));
        return MaskSelection.select(noise, Density.of(0.4), MaskSelection.Scope.GLOBAL);
    }

    @Test
    void savesUnderTorchPruneNamesAndLoadsBack() throws IOException {
        Sequential net = TestNets.convNet(new SplittableRandom(1), 2, 3, 4, 5);
        Mask mask = randomMask(net, 2);
        Path file = dir.resolve("masks.safetensors");
        mask.save(file);
        assertEquals(List.of("0.weight_mask", "3.weight_mask", "7.weight_mask"),
                List.copyOf(TensorFiles.load(file).keySet()));
        Mask back = Mask.load(file, net);
        assertArrayEquals(mask.flat().toFloatArray(), back.flat().toFloatArray());
        assertEquals(mask.kept(), back.kept());
    }

    @Test
    void loadingForAnotherModelNamesTheFileAndEveryMismatch() throws IOException {
        Path file = dir.resolve("masks.safetensors");
        randomMask(TestNets.convNet(new SplittableRandom(1), 2, 3, 4, 5), 2).save(file);
        IllegalArgumentException wider = assertThrows(IllegalArgumentException.class,
                () -> Mask.load(file, TestNets.convNet(new SplittableRandom(1), 2, 3, 6, 5)));
        assertTrue(wider.getMessage().contains(file.toString()), wider.getMessage());
        assertTrue(wider.getMessage().contains("3.weight_mask has shape [4, 3, 3, 3] but the model's 3.weight is"
                + " [6, 3, 3, 3]"), wider.getMessage());
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
                () -> Mask.load(file, TestNets.mlp(new SplittableRandom(1), 4, 3)));
        assertTrue(other.getMessage().contains("missing [1.weight_mask]")
                && other.getMessage().contains("unexpected [0.weight_mask, 3.weight_mask, 7.weight_mask]"),
                other.getMessage());
    }

    @Test
    void rejectsValuesOtherThanZeroAndOne() {
        Sequential net = TestNets.mlp(new SplittableRandom(1), 2, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Mask.of(net, Map.of("1.weight", Tensor.of(new float[] {1, 0, 0.5f, 1}, 2, 2))));
        assertTrue(e.getMessage().contains("1.weight holds 0.5 at flat index 2")
                && e.getMessage().contains("only 0 and 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Mask.of(net, Map.of("0.weight", Tensor.of(new float[4], 2, 2))));
    }

    @Test
    void applyInstallsTheMaskAndZeroesPrunedWeightsWhileInstallKeepsThem() {
        Sequential net = TestNets.mlp(new SplittableRandom(1), 3, 4, 2);
        Mask mask = randomMask(net, 3);
        Sequential installed = (Sequential) net.copy();
        mask.install(installed);
        mask.apply(net);
        for (Map.Entry<String, Parameter> e : net.prunableParameters().entrySet()) {
            float[] m = mask.get(e.getKey()).toFloatArray();
            float[] w = e.getValue().value().toFloatArray();
            float[] kept = installed.prunableParameters().get(e.getKey()).value().toFloatArray();
            assertArrayEquals(m, e.getValue().mask().toFloatArray());
            for (int i = 0; i < m.length; i++) {
                assertEquals(m[i] == 0, Float.floatToRawIntBits(w[i]) == 0, e.getKey() + "[" + i + "]: +0 iff pruned");
                assertNotEquals(0, kept[i], "install must not change the weights");
            }
        }
    }

    @Test
    void shuffleKeepsEveryLayersCountAndIsSeeded() {
        Sequential net = TestNets.convNet(new SplittableRandom(1), 3, 8, 16, 10);
        Scores magnitude = new MagnitudeSaliency().score(net, Mask.dense(net), TestNets.shapeOnly(1, 1));
        Mask mask = MaskSelection.select(magnitude, Density.of(0.3), MaskSelection.Scope.GLOBAL);
        Mask shuffled = LayerShuffle.shuffle(mask, 5);
        for (String name : mask.layout().names()) {
            assertEquals(mask.kept(name), shuffled.kept(name), name);
        }
        assertFalse(Arrays.equals(mask.flat().toFloatArray(), shuffled.flat().toFloatArray()));
        assertArrayEquals(shuffled.flat().toFloatArray(), LayerShuffle.shuffle(mask, 5).flat().toFloatArray());
    }
}
