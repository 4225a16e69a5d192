package org.nnpan.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnpan.data.Augmentation;
import org.nnpan.data.BatchLoader;
import org.nnpan.data.ImageDataset;
import org.nnpan.data.LoaderOptions;
import org.nnpan.data.SyntheticImages;
import org.nnpan.io.TensorFiles;
import org.nnpan.nn.BatchNorm1d;
import org.nnpan.nn.Flatten;
import org.nnpan.nn.Linear;
import org.nnpan.nn.Module;
import org.nnpan.nn.Parameter;
import org.nnpan.nn.ReLU;
import org.nnpan.nn.Sequential;
import org.nnpan.nn.init.InitScheme;
import org.nnpan.optim.LrSchedule;
import org.nnpan.optim.Optimizer;
import org.nnpan.optim.Sgd;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/** End-to-end training on small synthetic data: learning, resuming bit for bit, checkpoint files, errors. */
class TrainerTest {
    private static final SyntheticImages.Spec SPEC = new SyntheticImages.Spec(512, 256, 10, 1, 8, 8, 0.25f, 3);
    private static final ImageDataset TRAIN = SyntheticImages.generate(SPEC, true);
    private static final ImageDataset TEST = SyntheticImages.generate(SPEC, false);
    private static final Map<String, String> CONFIG = Map.of("purpose", "test");

    /** A small MLP with BatchNorm (its running statistics must survive a resume); optionally half of fc1 pruned. */
    private static Module mlp(long initSeed, boolean masked) {
        Module model = new Sequential(new Flatten(), new Linear(64, 32), new BatchNorm1d(32), new ReLU(),
                new Linear(32, 10));
        InitScheme.PYTORCH.apply(model, new SplittableRandom(initSeed));
        if (masked) {
            Parameter fc1 = model.namedParameters().get("1.weight");
            SplittableRandom rng = new SplittableRandom(99);
            float[] mask = new float[(int) fc1.numel()];
            for (int i = 0; i < mask.length; i++) {
                mask[i] = rng.nextBoolean() ? 1 : 0;
            }
            fc1.setMask(Tensor.of(mask, fc1.shape()));
        }
        return model;
    }

    /** A model, its optimizer and loaders; close it to stop the loaders. */
    private record Setup(Module model, Optimizer optimizer, BatchLoader train, BatchLoader test) implements AutoCloseable {
        static Setup of(Module model, Augmentation augmentation) {
            Optimizer sgd = new Sgd(model.namedParameters(), 0.1, 0.9, 5e-4, true);
            LoaderOptions options = LoaderOptions.of(64, SPEC.normalization());
            return new Setup(model, sgd,
                    new BatchLoader(TRAIN, options.withSeed(17).withAugmentation(augmentation)),
                    new BatchLoader(TEST, options.withShuffle(false)));
        }

        TrainResult train(int epochs, Path dir, boolean resume, TrainingListener listener) throws IOException {
            return new Trainer(model, optimizer, new LrSchedule.Cosine(0.1, epochs), epochs, listener)
                    .train(train, test, dir, resume, CONFIG);
        }

        @Override
        public void close() {
            train.close();
            test.close();
        }
    }

    @Test
    void accuracyRisesWellAboveChance(@TempDir Path dir) throws IOException {
        try (Setup s = Setup.of(mlp(1, false), Augmentation.NONE)) {
            TrainResult result = s.train(3, dir, false, TrainingListener.NONE);
            assertTrue(result.finalTestAcc() > 60, "test accuracy " + result.finalTestAcc() + "% (chance: 10%)");
            assertEquals(3, result.history().size());
            assertTrue(result.history().get(2).trainLoss() < result.history().get(0).trainLoss());
            assertEquals(3, Files.readAllLines(dir.resolve(Trainer.METRICS_FILE)).size());
            assertTrue(Files.readString(dir.resolve(Trainer.RESULT_FILE)).contains("\"best_test_acc\""));
            assertTrue(Files.readString(dir.resolve(Trainer.CONFIG_FILE)).contains("\"purpose\" : \"test\""));
        }
    }

    @Test
    void resumedRunEndsBitForBitWhereAnUninterruptedRunEnds(@TempDir Path straight, @TempDir Path interrupted)
            throws IOException {
        Augmentation cropAndFlip = new Augmentation(1, true);
        TrainResult expected;
        try (Setup s = Setup.of(mlp(1, true), cropAndFlip)) {
            expected = s.train(2, straight, false, TrainingListener.NONE);
        }
        try (Setup s = Setup.of(mlp(1, true), cropAndFlip)) {
            TrainingListener crashAfterFirstEpoch = new TrainingListener() {
                @Override
                public void epochFinished(EpochMetrics metrics) {
                    throw new IllegalStateException("simulated crash");
                }
            };
            assertThrows(IllegalStateException.class, () -> s.train(2, interrupted, false, crashAfterFirstEpoch));
        }
        TrainResult resumed;
        // Another initialisation: everything must come from the checkpoint. Same masks: the caller's job.
        try (Setup s = Setup.of(mlp(2, true), cropAndFlip)) {
            resumed = s.train(2, interrupted, true, TrainingListener.NONE);
        }
        assertArrayEquals(Files.readAllBytes(straight.resolve(Trainer.FINAL_MODEL_FILE)),
                Files.readAllBytes(interrupted.resolve(Trainer.FINAL_MODEL_FILE)));
        assertEquals(expected.finalTestAcc(), resumed.finalTestAcc());
        assertEquals(2, resumed.history().size());
        assertEquals(expected.history().get(0).testLoss(), resumed.history().get(0).testLoss());
    }

    @Test
    void checkpointAndFinalWeightsAreReadableAndKeepPrunedWeightsAtZero(@TempDir Path dir) throws IOException {
        try (Setup s = Setup.of(mlp(1, true), Augmentation.NONE)) {
            s.train(1, dir, false, TrainingListener.NONE);
            Path checkpoint = dir.resolve(Trainer.CHECKPOINT_DIR);
            try (MemoryScope _ = MemoryScope.open("test")) {
                SequencedMap<String, Tensor> model = TensorFiles.load(checkpoint.resolve(Checkpoint.MODEL_FILE));
                assertEquals(List.copyOf(s.model().stateDict().keySet()), List.copyOf(model.keySet()));
                SequencedMap<String, Tensor> state = TensorFiles.load(checkpoint.resolve(Optimizer.TENSORS_FILE));
                assertEquals(List.copyOf(s.optimizer().state().keySet()), List.copyOf(state.keySet()));
                assertTrue(state.containsKey("1.weight.momentum_buffer"));

                Module reloaded = mlp(3, false);
                reloaded.loadStateDict(TensorFiles.load(dir.resolve(Trainer.FINAL_MODEL_FILE)), true);
                float[] weight = reloaded.namedParameters().get("1.weight").value().toFloatArray();
                float[] mask = s.model().namedParameters().get("1.weight").mask().toFloatArray();
                for (int i = 0; i < mask.length; i++) {
                    if (mask[i] == 0) {
                        assertEquals(0, Float.floatToRawIntBits(weight[i]), "pruned weight " + i + " = " + weight[i]);
                    }
                }
            }
            Checkpoint.State state = Checkpoint.readState(checkpoint);
            assertEquals(1, state.epoch());
            assertEquals(s.train().state(), state.loaderState());
            assertEquals(Masks.fingerprint(s.model()), state.maskFingerprint());
            assertNotEquals(0, state.maskFingerprint());
            assertEquals("test", state.config().get("purpose").asText());
        }
    }

    @Test
    void refusesToOverwriteARunOrToResumeNothingOrWithOtherMasks(@TempDir Path dir, @TempDir Path empty)
            throws IOException {
        try (Setup s = Setup.of(mlp(1, true), Augmentation.NONE)) {
            s.train(1, dir, false, TrainingListener.NONE);
        }
        try (Setup s = Setup.of(mlp(1, true), Augmentation.NONE)) {
            IllegalArgumentException overwrite = assertThrows(IllegalArgumentException.class,
                    () -> s.train(1, dir, false, TrainingListener.NONE));
            assertTrue(overwrite.getMessage().contains("already holds a training run"), overwrite.getMessage());
            IllegalArgumentException nothing = assertThrows(IllegalArgumentException.class,
                    () -> s.train(1, empty, true, TrainingListener.NONE));
            assertTrue(nothing.getMessage().contains("nothing to resume"), nothing.getMessage());
        }
        try (Setup s = Setup.of(mlp(1, false), Augmentation.NONE)) {
            IllegalArgumentException masks = assertThrows(IllegalArgumentException.class,
                    () -> s.train(2, dir, true, TrainingListener.NONE));
            assertTrue(masks.getMessage().contains("masks"), masks.getMessage());
        }
    }

    @Test
    void divergingTrainingStopsWithAClearError(@TempDir Path dir) {
        try (Setup s = Setup.of(mlp(1, false), Augmentation.NONE)) {
            Trainer trainer = new Trainer(s.model(), s.optimizer(), new LrSchedule.Constant(1e30), 1,
                    TrainingListener.NONE);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> trainer.train(s.train(), s.test(), dir, false, CONFIG));
            assertTrue(e.getMessage().startsWith("training diverged"), e.getMessage());
        }
    }
}
