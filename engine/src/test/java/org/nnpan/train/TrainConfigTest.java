package org.nnpan.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnpan.io.Json;

class TrainConfigTest {

    @Test
    void defaultsFollowTheReferenceProtocol() {
        TrainConfig mnist = TrainConfig.defaults("lenet5", "fashion-mnist");
        assertEquals(List.of(80, 256, 28), List.of(mnist.epochs(), mnist.batchSize(), mnist.inputSize()));
        assertEquals(1e-4, mnist.weightDecay());
        assertEquals(List.of("sgd", "cosine", "reference"), List.of(mnist.optimizer(), mnist.schedule(), mnist.init()));
        assertEquals(0.1, mnist.lr());
        assertEquals(0.9, mnist.momentum());
        assertFalse(mnist.augment());

        TrainConfig cifar = TrainConfig.defaults("resnet32", "cifar10");
        assertEquals(List.of(180, 128, 32), List.of(cifar.epochs(), cifar.batchSize(), cifar.inputSize()));
        assertEquals(5e-4, cifar.weightDecay());
        assertTrue(cifar.augment());

        assertEquals(32, TrainConfig.defaults("vgg19", "mnist").inputSize(), "VGG pads 28x28 images to 32x32");
    }

    @Test
    void jsonRoundTripAndDifferences(@TempDir Path dir) throws IOException {
        TrainConfig config = TrainConfig.defaults("lenet300", "synthetic");
        Path file = dir.resolve("config.json");
        Files.writeString(file, Json.MAPPER.writeValueAsString(config));
        assertTrue(Files.readString(file).contains("\"weight_decay\":5.0E-4"), Files.readString(file));
        assertEquals(config, TrainConfig.read(file));

        TrainConfig other = new TrainConfig("lenet300", "synthetic", "/data", 32, 1, "reference", 0, 7, 180, 128,
                "sgd", 0.05, 0.9, 5e-4, false, "cosine", List.of(), 0.1, 0, false, 0, 0, "none");
        assertEquals(List.of("lr: 0.05 (0.1)"), other.differencesFrom(config, Set.of("threads", "data_dir")));
    }

    @Test
    void streamsForInitialisationAndDataAreSeededAndDistinct() {
        TrainConfig a = TrainConfig.defaults("lenet300", "synthetic");
        assertEquals(a.loaderSeed(), TrainConfig.defaults("lenet300", "synthetic").loaderSeed());
        TrainConfig b = new TrainConfig("lenet300", "synthetic", null, 32, 1, "reference", 1, 1, 1, 8, "sgd", 0.1,
                0.9, 0, false, "cosine", List.of(), 0.1, 0, false, 0, 0, "none");
        assertNotEquals(a.loaderSeed(), b.loaderSeed());
    }

    @Test
    void invalidValuesAreRejectedWithTheValidNames() {
        IllegalArgumentException model = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.defaults("lenet7", "mnist"));
        assertTrue(model.getMessage().contains("lenet300, lenet5"), model.getMessage());
        IllegalArgumentException adam = assertThrows(IllegalArgumentException.class,
                () -> new TrainConfig("lenet5", "mnist", null, 28, 1, "reference", 0, 1, 1, 8, "adam", 0.1, 0.9, 0,
                        false, "cosine", List.of(), 0.1, 0, false, 0, 0, "none"));
        assertTrue(adam.getMessage().contains("sgd only"), adam.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new TrainConfig("lenet5", "mnist", null, 28, 1, "xavier", 0, 1, 1, 8, "sgd", 0.1, 0.9, 0,
                        false, "cosine", List.of(), 0.1, 0, false, 0, 0, "none"));
        assertThrows(IllegalArgumentException.class,
                () -> new TrainConfig("lenet5", "mnist", null, 28, 1, "reference", 0, 1, 0, 8, "sgd", 0.1, 0.9, 0,
                        false, "cosine", List.of(), 0.1, 0, false, 0, 0, "none"));
    }
}
