package org.nnpan.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nnpan.io.Json;
import org.nnpan.train.TrainConfig;

class RunConfigTest {
    private static final PruneSettings SNIP = new PruneSettings("lenet5", "synthetic", null, "reference", 3, "snip",
            0.9, 0, "exp", "global", false, 2, false, 0, null, null);

    private static TrainConfig train(long seed, int threads, double lr) {
        TrainConfig d = RunConfig.withDefaultTraining(SNIP).train();
        return new TrainConfig(d.model(), d.dataset(), d.dataDir(), d.inputSize(), d.widthMultiplier(), d.init(), seed,
                threads, d.epochs(), d.batchSize(), d.optimizer(), lr, d.momentum(), d.weightDecay(), d.nesterov(),
                d.schedule(), d.milestones(), d.gamma(), d.warmupEpochs(), d.augment(), d.limitTrain(),
                d.limitTest(), d.rescaleKept());
    }

    @Test
    void defaultTrainingTakesTheProtocolAndThePruneSeed() {
        TrainConfig t = RunConfig.withDefaultTraining(SNIP).train();
        assertEquals(3, t.seed());
        assertEquals(TrainConfig.defaults("lenet5", "synthetic").epochs(), t.epochs());
    }

    @Test
    void aRunHasOneSeed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RunConfig(SNIP, train(4, 1, 0.1)));
        assertTrue(e.getMessage().startsWith("seed differs between the prune settings (3) and the training config (4)"),
                e.getMessage());
    }

    @Test
    void differencesIgnoreThreadsAndNameEveryOtherChange() {
        RunConfig a = new RunConfig(SNIP, train(3, 1, 0.1));
        assertEquals(List.of(), a.differencesFrom(new RunConfig(SNIP, train(3, 2, 0.1))));
        assertEquals(List.of("train.lr: 0.05 (0.1)"), new RunConfig(SNIP, train(3, 1, 0.05)).differencesFrom(a));
    }

    @Test
    void roundTripsThroughJson() throws Exception {
        RunConfig a = new RunConfig(SNIP, train(3, 1, 0.1));
        assertEquals(a, Json.MAPPER.readValue(Json.MAPPER.writeValueAsString(a), RunConfig.class));
    }
}
