package org.nnpan.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import org.nnpan.data.Augmentation;
import org.nnpan.data.BatchLoader;
import org.nnpan.data.DatasetInfo;
import org.nnpan.data.Datasets;
import org.nnpan.data.ImageSource;
import org.nnpan.data.LoaderOptions;
import org.nnpan.data.Normalization;
import org.nnpan.data.SampleTransform;

/**
 * The training and test loaders of a {@link TrainConfig}: its data set, limited to the first N images if asked,
 * normalised with the data set's constants, padded to the model's input size, shuffled and augmented (training
 * only) from the config's seed. Closing it stops both loaders' prefetch threads.
 */
public final class TrainingData implements AutoCloseable {
    private final DatasetInfo info;
    private final int inputSize;
    private final ImageSource trainImages;
    private final ImageSource testImages;
    private final BatchLoader train;
    private final BatchLoader test;

    private TrainingData(DatasetInfo info, int inputSize, ImageSource trainImages, ImageSource testImages,
                         BatchLoader train, BatchLoader test) {
        this.info = info;
        this.inputSize = inputSize;
        this.trainImages = trainImages;
        this.testImages = testImages;
        this.train = train;
        this.test = test;
    }

    /**
     * Loads the data set of {@code config} and starts its loaders.
     *
     * @throws org.nnpan.data.DatasetNotFoundException if its files are missing (the message says how to get them)
     */
    public static TrainingData open(TrainConfig config) throws IOException {
        DatasetInfo info = Datasets.info(config.dataset());
        Path dir = config.dataDir() == null ? null : Path.of(config.dataDir());
        ImageSource trainImages = firstN(Datasets.load(info.name(), dir, true), config.limitTrain());
        ImageSource testImages = firstN(Datasets.load(info.name(), dir, false), config.limitTest());
        LoaderOptions common = LoaderOptions.of(config.batchSize(), info.normalization())
                .withOutputSize(config.inputSize(), config.inputSize());
        BatchLoader train = new BatchLoader(trainImages, common.withSeed(config.loaderSeed())
                .withAugmentation(config.augment() ? Augmentation.CROP_AND_FLIP : Augmentation.NONE));
        BatchLoader test = new BatchLoader(testImages, common.withShuffle(false));
        return new TrainingData(info, config.inputSize(), trainImages, testImages, train, test);
    }

    /** The training loader. */
    public BatchLoader train() {
        return train;
    }

    /** The test loader (in order, unaugmented). */
    public BatchLoader test() {
        return test;
    }

    /** One line for the log, e.g. {@code "Fashion-MNIST: 60000 train / 10000 test images, 1x28x28 padded to 32x32"}. */
    public String describe() {
        String line = String.format(Locale.ROOT, "%s: %d train / %d test images, %dx%dx%d", info.displayName(),
                trainImages.sampleCount(), testImages.sampleCount(), info.channels(), info.height(), info.width());
        return inputSize > info.height() ? line + " padded to " + inputSize + "x" + inputSize : line;
    }

    @Override
    public void close() {
        train.close();
        test.close();
    }

    /** {@code source}, or its first {@code limit} images when {@code 0 < limit < size}. */
    private static ImageSource firstN(ImageSource source, int limit) {
        return limit > 0 && limit < source.sampleCount() ? new FirstSamples(source, limit) : source;
    }

    /** The first {@code count} samples of another source. */
    private record FirstSamples(ImageSource source, int count) implements ImageSource {
        @Override
        public int sampleCount() {
            return count;
        }

        @Override
        public int channels() {
            return source.channels();
        }

        @Override
        public int height() {
            return source.height();
        }

        @Override
        public int width() {
            return source.width();
        }

        @Override
        public int label(int index) {
            return source.label(Objects.checkIndex(index, count));
        }

        @Override
        public void copyImage(int index, Normalization normalization, int outHeight, int outWidth,
                              SampleTransform transform, float[] dst, int offset) {
            source.copyImage(Objects.checkIndex(index, count), normalization, outHeight, outWidth, transform,
                    dst, offset);
        }
    }
}
