package org.nnpan.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnpan.autograd.Autograd;
import org.nnpan.io.TensorFiles;
import org.nnpan.models.ModelSpec;
import org.nnpan.models.ModelZoo;
import org.nnpan.nn.init.InitScheme;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/** A trained-looking model saved as safetensors loads into a fresh one that computes the same outputs. */
class StateDictSafeTensorsTest {
    @TempDir
    Path dir;

    @Test
    void stateDictRoundTripsThroughSafeTensors() throws IOException {
        ModelSpec spec = ModelSpec.of(10, 1, 16);
        Module model = ModelZoo.create("resnet20", spec, InitScheme.REFERENCE, new SplittableRandom(11));
        Tensor x = Tensor.randn(new SplittableRandom(12), 1, DType.F32, 2, 1, 16, 16);
        model.forward(x); // moves the running statistics and the batch counters away from their initial values
        model.eval();

        Path file = dir.resolve("resnet20.safetensors");
        TensorFiles.save(file, model.stateDict(), null);

        Module loaded = ModelZoo.createUninitialized("resnet20", spec).eval();
        loaded.loadStateDict(TensorFiles.load(file), true);
        ModuleTest.assertStateEquals(model, loaded);
        assertEquals(1L, loaded.stateDict().get("layer2.0.shortcut.1.num_batches_tracked").item());
        try (Autograd.GradMode _ = Autograd.noGrad()) {
            assertArrayEquals(model.forward(x).toFloatArray(), loaded.forward(x).toFloatArray(), 0f);
        }
    }
}
