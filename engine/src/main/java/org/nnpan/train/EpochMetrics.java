package org.nnpan.train;

/**
 * One line of {@code metrics.jsonl}: what an epoch of training achieved. Accuracies are in percent.
 *
 * @param epoch           the epoch, counted from 1
 * @param trainLoss       mean cross-entropy over the epoch's training batches, in training mode while the weights
 *                        changed (as PyTorch training loops report it)
 * @param trainAcc        accuracy on those batches, same caveat
 * @param testLoss        mean cross-entropy on the test set after the epoch, evaluation mode
 * @param testAcc         test accuracy after the epoch
 * @param lr              learning rate of the epoch's last step
 * @param epochSeconds    wall time of the epoch, training and evaluation
 * @param imagesPerSecond training images per second (training time only)
 */
public record EpochMetrics(int epoch, double trainLoss, double trainAcc, double testLoss, double testAcc, double lr,
                           double epochSeconds, double imagesPerSecond) {
}
