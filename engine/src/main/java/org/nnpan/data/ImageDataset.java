package org.nnpan.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * N labelled images held in memory as float32 in {@code [0, 1]} (raw byte / 255, like torchvision's
 * {@code ToTensor}), in one contiguous array laid out N&times;C&times;H&times;W.
 *
 * <h2>Padding and normalisation</h2>
 * The copy methods normalise each pixel with a per-channel {@link Normalization} and can place the image in a
 * larger output window (e.g. 28&times;28 into 32&times;32). As with torchvision's {@code Pad} or
 * {@code RandomCrop(padding=...)}, which pad the PIL image with black <em>before</em> {@code ToTensor} and
 * {@code Normalize}, every pixel outside the image is raw value 0 and so comes out as {@code (0 - mean) / std},
 * not 0. A surplus of an odd number of pixels puts the extra one at the bottom or right.
 */
public final class ImageDataset implements ImageSource {

    private final String name;
    private final int numClasses;
    private final int channels;
    private final int height;
    private final int width;
    private final float[] pixels;
    private final int[] labels;

    /**
     * A data set over {@code pixels} (taken over, not copied) and {@code labels}.
     *
     * @throws IllegalArgumentException if the shape, the array lengths or a label don't fit
     */
    public ImageDataset(String name, int numClasses, int channels, int height, int width, float[] pixels,
                        int[] labels) {
        this.name = Objects.requireNonNull(name, "name");
        if (numClasses < 1 || channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException(name + ": classes, channels, height and width must be positive, got "
                    + numClasses + ", " + channels + ", " + height + ", " + width);
        }
        if ((long) labels.length * channels * height * width != pixels.length) {
            throw new IllegalArgumentException(name + ": " + labels.length + " labels need "
                    + (long) labels.length * channels * height * width + " pixel values, got " + pixels.length);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException(name + ": label " + labels[i] + " of sample " + i
                        + " is outside [0, " + numClasses + ")");
            }
        }
        this.numClasses = numClasses;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.pixels = pixels;
        this.labels = labels;
    }

    /** A data set from raw unsigned bytes in N&times;C&times;H&times;W order, scaled to {@code [0, 1]}. */
    public static ImageDataset fromBytes(String name, int numClasses, int channels, int height, int width,
                                         byte[] pixels, int[] labels) {
        float[] scaled = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            scaled[i] = (pixels[i] & 0xFF) / 255f;
        }
        return new ImageDataset(name, numClasses, channels, height, width, scaled, labels);
    }

    public String name() {
        return name;
    }

    public int numClasses() {
        return numClasses;
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public int height() {
        return height;
    }

    @Override
    public int width() {
        return width;
    }

    @Override
    public int sampleCount() {
        return labels.length;
    }

    /** Values per image, {@code channels * height * width}. */
    public int imageSize() {
        return channels * height * width;
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    /** The raw value in {@code [0, 1]} of one pixel. */
    public float pixel(int index, int channel, int y, int x) {
        Objects.checkIndex(index, labels.length);
        Objects.checkIndex(channel, channels);
        Objects.checkIndex(y, height);
        Objects.checkIndex(x, width);
        return pixels[((index * channels + channel) * height + y) * width + x];
    }

    /** How many samples each class has, indexed by class. */
    public int[] classCounts() {
        int[] counts = new int[numClasses];
        for (int label : labels) {
            counts[label]++;
        }
        return counts;
    }

    /**
     * Copies the samples {@code indices} into {@code dst} as a batch laid out
     * {@code indices.length} &times; C &times; {@code outHeight} &times; {@code outWidth}, normalised and centred
     * with the padding semantics described {@linkplain ImageDataset above}.
     *
     * @throws IllegalArgumentException if the window is smaller than the images or {@code dst} is too short
     */
    public void copyBatch(int[] indices, Normalization normalization, int outHeight, int outWidth, float[] dst) {
        int stride = channels * outHeight * outWidth;
        if (dst.length < (long) indices.length * stride) {
            throw new IllegalArgumentException("destination holds " + dst.length + " values, batch needs "
                    + (long) indices.length * stride);
        }
        for (int i = 0; i < indices.length; i++) {
            copyImage(indices[i], normalization, outHeight, outWidth, SampleTransform.IDENTITY, dst, i * stride);
        }
    }

    /** Copies the labels of samples {@code indices} into {@code dst[0 .. indices.length)}. */
    public void copyLabels(int[] indices, int[] dst) {
        for (int i = 0; i < indices.length; i++) {
            dst[i] = labels[indices[i]];
        }
    }

    /** Copies the labels of samples {@code indices} into {@code dst[0 .. indices.length)}. */
    public void copyLabels(int[] indices, long[] dst) {
        for (int i = 0; i < indices.length; i++) {
            dst[i] = labels[indices[i]];
        }
    }

    /**
     * Writes sample {@code index} to {@code dst[offset ..]} as C &times; {@code outHeight} &times; {@code outWidth}
     * values: centred in the window, moved by {@code transform}, and normalised; pixels that fall outside the image
     * get raw value 0, i.e. {@code (0 - mean) / std} (see {@linkplain ImageDataset above}).
     */
    @Override
    public void copyImage(int index, Normalization normalization, int outHeight, int outWidth,
                          SampleTransform transform, float[] dst, int offset) {
        Objects.checkIndex(index, labels.length);
        if (normalization.channels() != channels) {
            throw new IllegalArgumentException(name + " has " + channels + " channels, normalisation has "
                    + normalization.channels());
        }
        if (outHeight < height || outWidth < width) {
            throw new IllegalArgumentException("output " + outHeight + "x" + outWidth + " is smaller than the "
                    + height + "x" + width + " images of " + name);
        }
        Objects.checkFromIndexSize(offset, channels * outHeight * outWidth, dst.length);
        // Source row/column of output row/column 0, before the mirror.
        int top = transform.shiftY() - (outHeight - height) / 2;
        int left = transform.shiftX() - (outWidth - width) / 2;
        for (int c = 0; c < channels; c++) {
            float fill = normalization.apply(0f, c);
            int channelBase = (index * channels + c) * height;
            for (int y = 0; y < outHeight; y++) {
                int out = offset + (c * outHeight + y) * outWidth;
                int sy = y + top;
                if (sy < 0 || sy >= height) {
                    Arrays.fill(dst, out, out + outWidth, fill);
                    continue;
                }
                int row = (channelBase + sy) * width;
                for (int x = 0; x < outWidth; x++) {
                    int sx = (transform.flip() ? outWidth - 1 - x : x) + left;
                    dst[out + x] = sx >= 0 && sx < width ? normalization.apply(pixels[row + sx], c) : fill;
                }
            }
        }
    }

    @Override
    public String toString() {
        return name + " (" + labels.length + " images, " + channels + "x" + height + "x" + width + ", "
                + numClasses + " classes)";
    }
}
