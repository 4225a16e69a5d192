package org.nnpan.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.nnpan.io.Json;
import org.nnpan.train.TrainConfig;

/**
 * Everything that decides an {@link Experiment} run: how to prune, then how to train.
 *
 * <h2>Seed policy</h2>
 * A run has one seed, {@code prune.seed() == train.seed()}. It initialises the network
 * ({@link Pruning#initialModel}), draws the scoring batches, random scores, shuffle and agent, and orders the
 * training data ({@link TrainConfig#loaderSeed()}). Training starts from the pruned network's θ₀
 * ({@value Pruning#INIT_FILE}), so {@link TrainConfig}'s own initialisation stream is unused, and a
 * {@value PruneSettings#DENSE} run with the same seed starts from the same θ₀ as the pruned runs it is compared with.
 *
 * @param prune how to prune ({@link PruneSettings#isDense()} for no pruning)
 * @param train how to train the pruned network
 */
public record RunConfig(PruneSettings prune, TrainConfig train) {

    /** Fields that may change between sessions of one run: where the data is and how many threads compute. */
    private static final Set<String> LOCATION = Set.of("data_dir", "threads");

    /**
     * @throws IllegalArgumentException naming the first field that prune and train settings disagree on
     */
    public RunConfig {
        Objects.requireNonNull(prune, "prune");
        Objects.requireNonNull(train, "train");
        agree("model", prune.model(), train.model());
        agree("dataset", prune.dataset(), train.dataset());
        agree("data-dir", prune.dataDir(), train.dataDir());
        agree("init", prune.init(), train.init());
        agree("seed", prune.seed(), train.seed());
        agree("input size", prune.inputSize(), train.inputSize());
        if (train.widthMultiplier() != 1) {
            throw new IllegalArgumentException("width-multiplier must be 1 in a run: pruning builds the standard"
                    + " widths, got " + train.widthMultiplier());
        }
    }

    /**
     * The run for {@code prune}, trained with the reference protocol's defaults for its model and data set
     * ({@link TrainConfig#defaults}) and its seed and data location.
     */
    public static RunConfig withDefaultTraining(PruneSettings prune) {
        TrainConfig d = TrainConfig.defaults(prune.model(), prune.dataset());
        return new RunConfig(prune, new TrainConfig(d.model(), d.dataset(), prune.dataDir(), d.inputSize(),
                d.widthMultiplier(), prune.init(), prune.seed(), d.threads(), d.epochs(), d.batchSize(),
                d.optimizer(), d.lr(), d.momentum(), d.weightDecay(), d.nesterov(), d.schedule(), d.milestones(),
                d.gamma(), d.warmupEpochs(), d.augment(), d.limitTrain(), d.limitTest(), d.rescaleKept()));
    }

    private static void agree(String field, Object inPrune, Object inTrain) {
        if (!Objects.equals(inPrune, inTrain)) {
            throw new IllegalArgumentException(field + " differs between the prune settings (" + inPrune
                    + ") and the training config (" + inTrain + "); a run has one");
        }
    }

    /**
     * The settings that differ from {@code other}'s, as {@code "section.field: this (other)"}, leaving out where the
     * data is and the thread count: an empty list means both describe the same run.
     */
    public List<String> differencesFrom(RunConfig other) {
        List<String> out = new ArrayList<>();
        diff("", Json.MAPPER.valueToTree(this), Json.MAPPER.valueToTree(other), out);
        return out;
    }

    private static void diff(String path, JsonNode mine, JsonNode theirs, List<String> out) {
        if (mine.isObject() && theirs != null && theirs.isObject()) {
            mine.properties().forEach(e -> {
                if (!LOCATION.contains(e.getKey())) {
                    diff(path + e.getKey() + ".", e.getValue(), theirs.get(e.getKey()), out);
                }
            });
        } else if (!mine.equals(theirs)) {
            out.add(path.substring(0, path.length() - 1) + ": " + mine + " (" + theirs + ")");
        }
    }
}
