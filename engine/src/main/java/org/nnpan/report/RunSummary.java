package org.nnpan.report;

import java.util.Objects;
import java.util.OptionalDouble;
import java.util.SequencedMap;
import org.nnpan.data.Datasets;
import org.nnpan.nn.Module;
import org.nnpan.pruning.InitDiagnostics;
import org.nnpan.pruning.Mask;
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
 * @param atInit       the network before training ({@link InitDiagnostics}), or null when it was not diagnosed
 */
public record RunSummary(TrainConfig config, PruningReport pruning, OptionalDouble pruneSeconds,
                         TrainResult training, InitDiagnostics atInit) {
    public RunSummary {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(pruneSeconds, "pruneSeconds");
        Objects.requireNonNull(training, "training");
    }

    /** A run that trained a dense network. */
    public static RunSummary dense(TrainConfig config, TrainResult training) {
        return new RunSummary(config, null, OptionalDouble.empty(), training, null);
    }

    /**
     * A run whose network was trained under {@code mask}: analyses the mask on the model's input shape (per-layer
     * density, effective density, FLOPs).
     *
     * @param settings what the pruning report lists as its settings, e.g. the method and the masks file
     */
    public static RunSummary pruned(TrainConfig config, Module net, Mask mask, SequencedMap<String, String> settings,
                                    OptionalDouble pruneSeconds, TrainResult training) {
        int[] input = {Datasets.info(config.dataset()).channels(), config.inputSize(), config.inputSize()};
        return new RunSummary(config, PruningReport.of(net, mask, input, settings), pruneSeconds, training, null);
    }

    /** This summary with the diagnostics of the network before training. */
    public RunSummary withAtInit(InitDiagnostics diagnostics) {
        return new RunSummary(config, pruning, pruneSeconds, training, diagnostics);
    }

    /** Whether the network was pruned before training. */
    public boolean pruned() {
        return pruning != null;
    }
}
