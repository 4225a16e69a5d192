package org.nnpan.report;

import java.util.Objects;
import java.util.OptionalDouble;
import org.nnpan.pruning.PruningReport;
import org.nnpan.train.TrainConfig;
import org.nnpan.train.TrainResult;

/**
 * What {@link RunReport} reports on: a finished training run and, if its network was pruned before training, the
 * pruning.
 *
 * @param config       the resolved training configuration
 * @param pruning      the mask's report, or null for a dense run
 * @param pruneSeconds wall time of pruning, or empty when there was none or it happened in an earlier run
 * @param training     the training's result, with the metrics of every epoch
 */
public record RunSummary(TrainConfig config, PruningReport pruning, OptionalDouble pruneSeconds,
                         TrainResult training) {
    public RunSummary {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(pruneSeconds, "pruneSeconds");
        Objects.requireNonNull(training, "training");
    }

    /** A run that trained a dense network. */
    public static RunSummary dense(TrainConfig config, TrainResult training) {
        return new RunSummary(config, null, OptionalDouble.empty(), training);
    }

    /** Whether the network was pruned before training. */
    public boolean pruned() {
        return pruning != null;
    }
}
