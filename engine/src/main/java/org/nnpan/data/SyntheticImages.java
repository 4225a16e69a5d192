package org.nnpan.data;

import java.util.Arrays;

/**
 * Seeded random images with learnable structure, for benchmarks and tests that must not depend on downloads.
 *
 * <p>Each class has a template: per channel, a 4&times;4 grid of values drawn uniformly from [0.2, 0.8] and
 * stretched over the image. A sample is its class's template plus Gaussian noise, clamped to [0, 1]. Classes are
 * balanced (sample {@code i} of the unshuffled order has class {@code i % numClasses}) and shuffled. Train and test
 * splits share the templates and draw their noise from different streams, so a model that learns from one
 * generalises to the other.
 */
public final class SyntheticImages {

    private static final int GRID = 4;
    private static final float TEMPLATE_LOW = 0.2f;
    private static final float TEMPLATE_RANGE = 0.6f;

    /**
     * The size and seed of a synthetic data set.
     *
     * @param trainSamples number of training images
     * @param testSamples  number of test images
     * @param numClasses   number of classes
     * @param channels     image channels
     * @param height       image height
     * @param width        image width
     * @param noise        standard deviation of the per-pixel Gaussian noise
     * @param seed         seed of templates and noise
     */
    public record Spec(int trainSamples, int testSamples, int numClasses, int channels, int height, int width,
                       float noise, long seed) {

        /** 5000 train and 1000 test images of 3&times;32&times;32 in 10 classes, CIFAR-sized. */
        public static final Spec DEFAULT = new Spec(5000, 1000, 10, 3, 32, 32, 0.25f, 42);

        public Spec {
            if (trainSamples < 0 || testSamples < 0 || numClasses < 1 || channels < 1 || height < 1 || width < 1
                    || !(noise >= 0)) {
                throw new IllegalArgumentException("invalid synthetic data set spec: " + this);
            }
        }

        /**
         * Per-channel mean 0.5 and the std of template plus noise; approximate, since clamping to [0, 1] is
         * ignored.
         */
        public Normalization normalization() {
            float[] mean = new float[channels];
            float[] std = new float[channels];
            float templateVariance = TEMPLATE_RANGE * TEMPLATE_RANGE / 12;
            Arrays.fill(mean, TEMPLATE_LOW + TEMPLATE_RANGE / 2);
            Arrays.fill(std, (float) Math.sqrt(templateVariance + noise * noise));
            return Normalization.of(mean, std);
        }
    }

    private SyntheticImages() {
    }

    /** Generates the training or test split of {@code spec}; the same spec always gives the same images. */
    public static ImageDataset generate(Spec spec, boolean train) {
        SplitMix64 rng = new SplitMix64(spec.seed());
        float[][] templates = new float[spec.numClasses()][];
        for (int k = 0; k < templates.length; k++) {
            templates[k] = template(spec, rng);
        }
        long trainSeed = rng.nextLong();
        long testSeed = rng.nextLong();
        SplitMix64 noise = new SplitMix64(train ? trainSeed : testSeed);

        int count = train ? spec.trainSamples() : spec.testSamples();
        int[] order = noise.permutation(count);
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[order[i]] = i % spec.numClasses();
        }
        int imageSize = spec.channels() * spec.height() * spec.width();
        float[] pixels = new float[Math.multiplyExact(count, imageSize)];
        for (int i = 0; i < count; i++) {
            float[] template = templates[labels[i]];
            for (int p = 0; p < imageSize; p++) {
                float v = template[p] + spec.noise() * (float) noise.nextGaussian();
                pixels[i * imageSize + p] = Math.clamp(v, 0f, 1f);
            }
        }
        return new ImageDataset("synthetic/" + (train ? "train" : "test"), spec.numClasses(), spec.channels(),
                spec.height(), spec.width(), pixels, labels);
    }

    /** One class's template, C&times;H&times;W: a coarse random grid per channel, nearest-neighbour upsampled. */
    private static float[] template(Spec spec, SplitMix64 rng) {
        int h = spec.height();
        int w = spec.width();
        float[] template = new float[spec.channels() * h * w];
        for (int c = 0; c < spec.channels(); c++) {
            float[] grid = new float[GRID * GRID];
            for (int g = 0; g < grid.length; g++) {
                grid[g] = TEMPLATE_LOW + TEMPLATE_RANGE * (float) rng.nextDouble();
            }
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    template[(c * h + y) * w + x] = grid[(y * GRID / h) * GRID + x * GRID / w];
                }
            }
        }
        return template;
    }
}
