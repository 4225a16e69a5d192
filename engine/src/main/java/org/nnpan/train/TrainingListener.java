package org.nnpan.train;

/** Follows a {@link Trainer}'s progress, e.g. to draw a {@link ProgressBar}. Every method does nothing by default. */
public interface TrainingListener {

    /** A listener that ignores everything. */
    TrainingListener NONE = new TrainingListener() {
    };

    /** Epoch {@code epoch} (from 1) of {@code epochs} starts; it has {@code batches} batches. */
    default void epochStarted(int epoch, int epochs, int batches) {
    }

    /**
     * A training batch finished.
     *
     * @param batch           batches done in this epoch (from 1)
     * @param loss            mean training loss of the epoch so far
     * @param accuracy        training accuracy of the epoch so far, percent
     * @param imagesPerSecond training throughput of the epoch so far
     */
    default void batchFinished(int batch, double loss, double accuracy, double imagesPerSecond) {
    }

    /** An epoch, its evaluation and its checkpoint are done. */
    default void epochFinished(EpochMetrics metrics) {
    }
}
