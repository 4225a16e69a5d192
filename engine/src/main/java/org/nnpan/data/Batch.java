package org.nnpan.data;

/**
 * One batch from a {@link BatchLoader}; the arrays belong to the consumer.
 *
 * @param index    its position within the epoch, from 0
 * @param indices  the data set indices of its samples
 * @param images   {@code size() * channels * height * width} normalised values, N&times;C&times;H&times;W
 * @param labels   the class of each sample
 * @param channels image channels
 * @param height   image height (the loader's output height)
 * @param width    image width (the loader's output width)
 */
public record Batch(int index, int[] indices, float[] images, int[] labels, int channels, int height,
                    int width) {

    /** Number of samples. */
    public int size() {
        return indices.length;
    }
}
