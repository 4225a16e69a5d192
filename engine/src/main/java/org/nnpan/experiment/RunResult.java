package org.nnpan.experiment;

/**
 * What an {@link Experiment} run achieved; written to {@code result.json} in the run directory. Accuracies in
 * percent, densities as the fraction of prunable weights kept.
 *
 * @param method           the pruning method ({@value PruneSettings#DENSE} for none)
 * @param epochs           epochs trained
 * @param finalTestAcc     test accuracy after the last epoch
 * @param finalTestLoss    mean test cross-entropy after the last epoch (NaN or infinite if the network diverged)
 * @param bestTestAcc      highest test accuracy after any epoch
 * @param bestEpoch        the epoch (from 1) that reached it
 * @param density          fraction of prunable weights the mask keeps
 * @param effectiveDensity fraction of prunable weights on a live input-to-output path
 * @param pruneSeconds     wall time of the pruning itself
 * @param trainSeconds     training and evaluation time summed over the epochs, across resumes
 * @param resumed          whether this run continued an interrupted one
 * @param skipped          whether this call found the run finished and did nothing (never true in the file)
 */
public record RunResult(String method, int epochs, double finalTestAcc, double finalTestLoss, double bestTestAcc,
                        int bestEpoch, double density, double effectiveDensity, double pruneSeconds,
                        double trainSeconds, boolean resumed, boolean skipped) {

    /** This result as returned for a run that was already finished. */
    RunResult asSkipped() {
        return new RunResult(method, epochs, finalTestAcc, finalTestLoss, bestTestAcc, bestEpoch, density,
                effectiveDensity, pruneSeconds, trainSeconds, resumed, true);
    }
}
