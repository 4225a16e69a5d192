package org.nnpan.pruning;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;
import org.nnpan.data.ClassBalancedSampler;
import org.nnpan.data.ImageDataset;
import org.nnpan.data.Normalization;
import org.nnpan.io.TensorFiles;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Shape;
import org.nnpan.tensor.Tensor;

/**
 * The batch that data-dependent saliencies (SNIP, GraSP, FORCE) are computed on, exactly as the network sees it.
 *
 * @param inputs float32 [N, C, H, W], normalised (and padded) as fed to the network
 * @param labels int64 [N] class labels
 */
public record ScoringBatch(Tensor inputs, Tensor labels) {

    public ScoringBatch {
        if (inputs.dim() != 4 || labels.dim() != 1 || inputs.size(0) != labels.size(0) || labels.dtype() != DType.I64) {
            throw new IllegalArgumentException("a scoring batch needs inputs [N, C, H, W] and int64 labels [N], got "
                    + Shape.str(inputs.shape()) + " and " + labels.dtype() + " " + Shape.str(labels.shape()));
        }
    }

    /**
     * The class-balanced batch of {@code samplesPerClass} examples of every class ({@link ClassBalancedSampler}),
     * normalised with {@code normalization} and centred in {@code size}×{@code size} (padding smaller images as
     * {@link ImageDataset} describes), in the current scope.
     */
    public static ScoringBatch sample(ImageDataset dataset, Normalization normalization, int size, int samplesPerClass,
                                      long seed) {
        int[] indices = ClassBalancedSampler.select(dataset, samplesPerClass, seed);
        float[] pixels = new float[indices.length * dataset.channels() * size * size];
        dataset.copyBatch(indices, normalization, size, size, pixels);
        long[] labels = new long[indices.length];
        dataset.copyLabels(indices, labels);
        return new ScoringBatch(Tensor.of(pixels, indices.length, dataset.channels(), size, size),
                Tensor.of(labels, indices.length));
    }

    /** Number of examples. */
    public int size() {
        return labels.size(0);
    }

    /** The shape of one input, [C, H, W]. */
    public int[] inputShape() {
        int[] s = inputs.shape();
        return new int[] {s[1], s[2], s[3]};
    }

    /** Writes {@code inputs} (float32) and {@code labels} (int64) as safetensors. */
    public void save(Path path, Map<String, String> metadata) throws IOException {
        SequencedMap<String, Tensor> entries = new LinkedHashMap<>();
        entries.put("inputs", inputs.to(DType.F32));
        entries.put("labels", labels);
        TensorFiles.save(path, entries, metadata);
    }
}
