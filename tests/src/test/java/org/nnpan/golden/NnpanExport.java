package org.nnpan.golden;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.SplittableRandom;
import org.nnpan.autograd.Autograd;
import org.nnpan.io.TensorFiles;
import org.nnpan.models.ModelSpec;
import org.nnpan.models.ModelZoo;
import org.nnpan.nn.Module;
import org.nnpan.nn.init.InitScheme;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/**
 * The {@code fixtures/nnpan-export/} fixture: zoo models as nnpan saves them, for
 * {@code tests/reference/check_torch_loads_nnpan.py} to load into PyTorch. Each model has a folder holding
 * {@value #MODEL_FILE} (exactly what {@code train} writes: the state dict under PyTorch names) and {@value #IO_FILE}
 * ({@code input} and nnpan's eval-mode {@code logits}, both F32, with the model's name and input shape as metadata).
 */
final class NnpanExport {
    static final String MODEL_FILE = "model.safetensors";
    static final String IO_FILE = "io.safetensors";
    static final int NUM_CLASSES = 10;
    private static final int BATCH = 4;
    /** Train-mode forwards before the export, so running statistics and batch counters are not at their defaults. */
    private static final int WARM_UP_FORWARDS = 2;

    /** One exported model: zoo name, input shape and the seed of everything random about it. */
    record Case(String model, int channels, int size, long seed) {
        ModelSpec spec() {
            return ModelSpec.of(NUM_CLASSES, channels, size);
        }

        Path dir(Path root) {
            return root.resolve(model);
        }

        /** The metadata of {@value #IO_FILE}, which the Python check builds the PyTorch model from. */
        Map<String, String> metadata() {
            return Map.of("model", model, "input_channels", Integer.toString(channels),
                    "input_size", Integer.toString(size), "num_classes", Integer.toString(NUM_CLASSES));
        }
    }

    /** Small enough to commit (VGG is 9M parameters and the zoo cannot make it narrower). */
    static final List<Case> CASES = List.of(
            new Case("lenet300", 1, 28, 300),
            new Case("lenet5", 1, 28, 5),
            new Case("resnet20", 3, 32, 20));

    private NnpanExport() {
    }

    /** Builds, warms up and saves {@code c} under {@code root}. */
    static void write(Case c, Path root) throws IOException {
        SplittableRandom rng = new SplittableRandom(c.seed());
        Module model = ModelZoo.create(c.model(), c.spec(), InitScheme.PYTORCH, rng);
        for (int i = 0; i < WARM_UP_FORWARDS; i++) {
            try (Autograd.GradMode _ = Autograd.noGrad()) {
                model.forward(randomInput(c, rng));
            }
        }
        model.eval();
        Tensor input = randomInput(c, rng);
        SequencedMap<String, Tensor> io = new LinkedHashMap<>();
        io.put("input", input);
        io.put("logits", evalLogits(model, input));
        Files.createDirectories(c.dir(root));
        TensorFiles.save(c.dir(root).resolve(MODEL_FILE), model.stateDict(), Map.of());
        TensorFiles.save(c.dir(root).resolve(IO_FILE), io, c.metadata());
    }

    /** {@code model}'s eval-mode output on {@code input}, without recording a graph. */
    static Tensor evalLogits(Module model, Tensor input) {
        try (Autograd.GradMode _ = Autograd.noGrad()) {
            return model.eval().forward(input);
        }
    }

    private static Tensor randomInput(Case c, SplittableRandom rng) {
        return Tensor.randn(rng, 1, DType.F32, BATCH, c.channels(), c.size(), c.size());
    }
}
