package org.nnpan.train;

import org.nnpan.data.Batch;
import org.nnpan.ops.Reductions;
import org.nnpan.tensor.Tensor;

/** Turns loader batches into tensors in the current scope, and counts correct predictions. */
final class BatchTensors {
    private BatchTensors() {
    }

    /** The images as a float32 tensor [B, C, H, W]. */
    static Tensor images(Batch batch) {
        return Tensor.of(batch.images(), batch.size(), batch.channels(), batch.height(), batch.width());
    }

    /** The labels as an int64 tensor [B]. */
    static Tensor labels(Batch batch) {
        long[] labels = new long[batch.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = batch.labels()[i];
        }
        return Tensor.of(labels, labels.length);
    }

    /** How many rows of {@code logits} [B, classes] have their maximum at the label (first maximum on ties). */
    static int correct(Tensor logits, int[] labels) {
        long[] predicted = Reductions.argmax(logits, 1, false).toLongArray();
        int correct = 0;
        for (int i = 0; i < predicted.length; i++) {
            if (predicted[i] == labels[i]) {
                correct++;
            }
        }
        return correct;
    }
}
