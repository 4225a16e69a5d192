package org.nnpan.train;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;

/**
 * What a training run achieved; also written, without its history, to {@code result.json} in the run directory.
 * Accuracies in percent.
 *
 * @param epochs       epochs trained in total, including those before a resume
 * @param finalTestAcc test accuracy after the last epoch
 * @param bestTestAcc  highest test accuracy after any epoch
 * @param bestEpoch    the epoch (from 1) that reached it
 * @param history      the metrics of every epoch, from the start of the run
 */
public record TrainResult(int epochs, double finalTestAcc, double bestTestAcc, int bestEpoch,
                          @JsonIgnore List<EpochMetrics> history) {
    public TrainResult {
        history = List.copyOf(history);
    }
}
