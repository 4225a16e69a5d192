package org.nnpan.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nnpan.autograd.Autograd;
import org.nnpan.nn.Module;
import org.nnpan.nn.init.InitScheme;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * Structure and forward shapes of every zoo model. Parameter counts are the ones PyTorch reports for the reference
 * definitions ({@code tests/reference/torch_models.py}); the names, order and shapes are compared entry by entry
 * against {@code model-params.json} in the {@code tests} module.
 */
class ModelZooTest {
    private static final ModelSpec MNIST = ModelSpec.of(10, 1, 28);
    private static final ModelSpec CIFAR10 = ModelSpec.of(10, 3, 32);

    static Stream<Arguments> parameterCounts() {
        return Stream.of(
                Arguments.of("lenet300", MNIST, 266_610L, 266_200L),
                Arguments.of("lenet5", MNIST, 431_080L, 430_500L),
                Arguments.of("vgg11", CIFAR10, 9_228_362L, 9_222_848L),
                Arguments.of("vgg13", CIFAR10, 9_413_066L, 9_407_168L),
                Arguments.of("vgg16", CIFAR10, 14_724_042L, 14_715_584L),
                Arguments.of("vgg19", CIFAR10, 20_035_018L, 20_024_000L),
                Arguments.of("resnet20", CIFAR10, 272_474L, 270_896L),
                Arguments.of("resnet32", CIFAR10, 466_906L, 464_432L),
                Arguments.of("resnet56", CIFAR10, 855_770L, 851_504L),
                Arguments.of("resnet32", CIFAR10.withWidthMultiplier(2), 1_860_522L, 1_855_584L),
                Arguments.of("resnet18", CIFAR10, 11_173_962L, 11_164_352L));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("parameterCounts")
    void parameterCountsMatchPyTorch(String name, ModelSpec spec, long parameters, long prunable) {
        Module model = ModelZoo.createUninitialized(name, spec);
        assertEquals(parameters, model.numParameters());
        assertEquals(prunable, model.prunableParameters().values().stream().mapToLong(p -> p.numel()).sum());
    }

    /**
     * Full zoo models that run in well under a second each on the CPU backend. VGG and ResNet-18 take many seconds
     * there, so their forward code runs in {@link #narrowVggAndFourStageResNetRunForward} at small widths instead.
     */
    static Stream<Arguments> forwardCases() {
        return Stream.of(
                Arguments.of("lenet300", MNIST),
                Arguments.of("lenet5", MNIST),
                Arguments.of("lenet5", ModelSpec.of(100, 3, 32)),
                Arguments.of("resnet20", CIFAR10),
                Arguments.of("resnet20", ModelSpec.of(10, 1, 28)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("forwardCases")
    void forwardGivesOneLogitPerClass(String name, ModelSpec spec) {
        assertForwardShape(ModelZoo.create(name, spec, InitScheme.REFERENCE, new SplittableRandom(1)), spec);
    }

    @Test
    void narrowVggAndFourStageResNetRunForward() {
        ModelSpec spec = ModelSpec.of(100, 3, 32);
        Module vgg = new Vgg(new int[] {8, Vgg.POOL, 8, Vgg.POOL, 16, Vgg.POOL, 16, Vgg.POOL, 16}, 3, 100);
        Module resnet = new ResNet(3, new int[] {4, 8, 8, 16}, 2, 100);
        for (Module model : List.of(vgg, resnet)) {
            InitScheme.REFERENCE.apply(model, new SplittableRandom(1));
            assertForwardShape(model, spec);
        }
    }

    /** Runs a batch of two in training and in evaluation mode; both give finite [2, classes] logits. */
    private static void assertForwardShape(Module model, ModelSpec spec) {
        try (MemoryScope _ = MemoryScope.open(); Autograd.GradMode _ = Autograd.noGrad()) {
            Tensor x = Tensor.randn(new SplittableRandom(2), 1, DType.F32, 2, spec.inputChannels(), spec.inputSize(),
                    spec.inputSize());
            for (Tensor logits : List.of(model.train().forward(x), model.eval().forward(x))) {
                assertArrayEquals(new int[] {2, spec.numClasses()}, logits.shape());
                for (float v : logits.toFloatArray()) {
                    assertTrue(Float.isFinite(v), model.getClass().getSimpleName() + " produced " + v);
                }
            }
        }
    }

    @Test
    void unknownNameListsTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelZoo.createUninitialized("vgg17", CIFAR10));
        for (String name : ModelZoo.names()) {
            assertTrue(e.getMessage().contains(name), e.getMessage());
        }
    }

    @Test
    void incompatibleSpecsAreRejectedWithTheReason() {
        IllegalArgumentException vgg = assertThrows(IllegalArgumentException.class,
                () -> ModelZoo.createUninitialized("vgg16", ModelSpec.of(10, 3, 64)));
        assertTrue(vgg.getMessage().contains("32x32"), vgg.getMessage());
        IllegalArgumentException lenet = assertThrows(IllegalArgumentException.class,
                () -> ModelZoo.createUninitialized("lenet5", ModelSpec.of(10, 1, 12)));
        assertTrue(lenet.getMessage().contains("16x16"), lenet.getMessage());
        IllegalArgumentException width = assertThrows(IllegalArgumentException.class,
                () -> ModelZoo.createUninitialized("lenet300", MNIST.withWidthMultiplier(2)));
        assertTrue(width.getMessage().contains("widthMultiplier"), width.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ModelSpec.of(0, 3, 32));
    }

    @Test
    void widthMultiplierScalesEveryHiddenWidth() {
        Module wide = ModelZoo.createUninitialized("resnet32", CIFAR10.withWidthMultiplier(2));
        assertArrayEquals(new int[] {32, 3, 3, 3}, wide.namedParameters().get("conv1.weight").shape());
        assertArrayEquals(new int[] {128, 64, 1, 1}, wide.namedParameters().get("layer3.0.shortcut.0.weight").shape());
        assertArrayEquals(new int[] {10, 128}, wide.namedParameters().get("fc.weight").shape());
        Module vgg = ModelZoo.createUninitialized("vgg11", CIFAR10.withWidthMultiplier(2));
        assertArrayEquals(new int[] {10, 1024}, vgg.namedParameters().get("classifier.weight").shape());
    }

    @Test
    void everyModelIsDescribedInTheArchitecturesDocument() throws IOException {
        try (InputStream in = ModelZoo.class.getResourceAsStream("/org/nnpan/models/architectures.md")) {
            assertNotNull(in, "architectures.md is missing from the models module");
            List<String> headings = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> l.startsWith("## ")).toList();
            for (String name : ModelZoo.names()) {
                assertTrue(headings.stream().anyMatch(h -> h.contains("`" + name + "`")), name + " not described");
            }
        }
    }
}
