package org.nnpan.train;

import org.nnpan.autograd.Autograd;
import org.nnpan.data.Batch;
import org.nnpan.data.BatchLoader;
import org.nnpan.nn.Module;
import org.nnpan.ops.Losses;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * A model's mean cross-entropy and accuracy over one pass of a data set.
 *
 * @param loss     mean cross-entropy per sample
 * @param accuracy correct predictions in percent
 * @param samples  samples seen
 */
public record Evaluation(double loss, double accuracy, int samples) {

    /**
     * Evaluates {@code model} on the next epoch of {@code data} in evaluation mode (BatchNorm running statistics)
     * without recording gradients, then restores the model's training mode.
     */
    public static Evaluation of(Module model, BatchLoader data) {
        boolean wasTraining = model.isTraining();
        model.eval();
        double lossSum = 0;
        long correct = 0;
        int samples = 0;
        try (Autograd.GradMode _ = Autograd.noGrad()) {
            for (Batch batch : data.nextEpoch()) {
                try (MemoryScope _ = MemoryScope.open("eval-step")) {
                    Tensor logits = model.forward(BatchTensors.images(batch));
                    lossSum += Losses.crossEntropy(logits, BatchTensors.labels(batch), Losses.Reduction.SUM).item();
                    correct += BatchTensors.correct(logits, batch.labels());
                    samples += batch.size();
                }
            }
        } finally {
            model.train(wasTraining);
        }
        return new Evaluation(lossSum / samples, 100.0 * correct / samples, samples);
    }
}
