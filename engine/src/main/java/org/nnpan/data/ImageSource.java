package org.nnpan.data;

/**
 * Labelled images of one shape that a {@link BatchLoader} reads from. {@link ImageDataset} is the in-memory
 * implementation; implementations must allow concurrent reads.
 */
public interface ImageSource {

    int sampleCount();

    int channels();

    int height();

    int width();

    /** The class label of sample {@code index}. */
    int label(int index);

    /**
     * Writes sample {@code index}, normalised and placed in an {@code outHeight} &times; {@code outWidth} window by
     * {@code transform}, to {@code dst[offset ..]} in C&times;H&times;W order. See {@link ImageDataset#copyImage}.
     */
    void copyImage(int index, Normalization normalization, int outHeight, int outWidth, SampleTransform transform,
                   float[] dst, int offset);
}
