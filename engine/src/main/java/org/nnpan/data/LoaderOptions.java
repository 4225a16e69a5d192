package org.nnpan.data;

import java.util.Objects;

/**
 * How a {@link BatchLoader} makes batches. Start from {@link #of} and adjust with the {@code with...} methods.
 *
 * @param batchSize     samples per batch
 * @param shuffle       whether each epoch visits the samples in a fresh random order
 * @param dropLast      whether a final batch smaller than {@code batchSize} is dropped
 * @param augmentation  random crop and flip, or {@link Augmentation#NONE}
 * @param normalization per-channel normalisation
 * @param outputHeight  height of the batch images, at least the source's; 0 means the source's height
 * @param outputWidth   width of the batch images, at least the source's; 0 means the source's width
 * @param seed          initial state of the loader's {@link SplitMix64}
 */
public record LoaderOptions(int batchSize, boolean shuffle, boolean dropLast, Augmentation augmentation,
                            Normalization normalization, int outputHeight, int outputWidth, long seed) {

    public LoaderOptions {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        }
        if (outputHeight < 0 || outputWidth < 0) {
            throw new IllegalArgumentException("output size must be >= 0, got " + outputHeight + "x" + outputWidth);
        }
        Objects.requireNonNull(augmentation, "augmentation");
        Objects.requireNonNull(normalization, "normalization");
    }

    /** Shuffled, keeping the last partial batch, no augmentation, the source's image size, seed 0. */
    public static LoaderOptions of(int batchSize, Normalization normalization) {
        return new LoaderOptions(batchSize, true, false, Augmentation.NONE, normalization, 0, 0, 0L);
    }

    public LoaderOptions withShuffle(boolean shuffle) {
        return new LoaderOptions(batchSize, shuffle, dropLast, augmentation, normalization, outputHeight,
                outputWidth, seed);
    }

    public LoaderOptions withDropLast(boolean dropLast) {
        return new LoaderOptions(batchSize, shuffle, dropLast, augmentation, normalization, outputHeight,
                outputWidth, seed);
    }

    public LoaderOptions withAugmentation(Augmentation augmentation) {
        return new LoaderOptions(batchSize, shuffle, dropLast, augmentation, normalization, outputHeight,
                outputWidth, seed);
    }

    /** Pads images to {@code height} &times; {@code width} (see {@link ImageDataset} for the padding value). */
    public LoaderOptions withOutputSize(int height, int width) {
        return new LoaderOptions(batchSize, shuffle, dropLast, augmentation, normalization, height, width, seed);
    }

    public LoaderOptions withSeed(long seed) {
        return new LoaderOptions(batchSize, shuffle, dropLast, augmentation, normalization, outputHeight,
                outputWidth, seed);
    }
}
