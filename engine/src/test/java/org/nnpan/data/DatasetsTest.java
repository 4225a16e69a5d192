package org.nnpan.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nnpan.data.TestFiles.cifarRecords;
import static org.nnpan.data.TestFiles.gzip;
import static org.nnpan.data.TestFiles.idxImages;
import static org.nnpan.data.TestFiles.idxLabels;
import static org.nnpan.data.TestFiles.ramp;
import static org.nnpan.data.TestFiles.write;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {

    @TempDir
    Path dir;

    @Test
    void listsNamesAndRejectsUnknownOnes() {
        assertEquals(List.of("fashion-mnist", "mnist", "cifar10", "cifar100", "tiny-imagenet", "synthetic"),
                Datasets.names());
        var e = assertThrows(IllegalArgumentException.class, () -> Datasets.load("imagenet", dir, true));
        assertEquals("unknown dataset 'imagenet'; valid names: fashion-mnist, mnist, cifar10, cifar100, tiny-imagenet,"
                + " synthetic", e.getMessage());
    }

    @Test
    void knowsNormalisationConstants() {
        assertEquals(Normalization.of(0.2860f, 0.3530f), Datasets.info("fashion-mnist").normalization());
        assertEquals(Normalization.of(0.1307f, 0.3081f), Datasets.info("MNIST").normalization());
        assertEquals(Normalization.of(new float[] {0.4914f, 0.4822f, 0.4465f},
                new float[] {0.2470f, 0.2435f, 0.2616f}), Datasets.info("cifar10").normalization());
        assertEquals(Normalization.of(new float[] {0.5071f, 0.4865f, 0.4409f},
                new float[] {0.2673f, 0.2564f, 0.2762f}), Datasets.info("cifar100").normalization());
        assertEquals(Optional.of(Path.of("/usr/share/datasets/fashion-mnist")),
                Datasets.info("fashion-mnist").defaultDataDir());
        assertEquals(Optional.empty(), Datasets.info("cifar10").defaultDataDir());
    }

    @Test
    void missingFashionMnistSaysHowToInstallIt() {
        var e = assertThrows(DatasetNotFoundException.class, () -> Datasets.load("fashion-mnist", dir, true));
        assertEquals("Fashion-MNIST not found in " + dir + " (looked for train-images-idx3-ubyte[.gz]); install it"
                + " with `apt-get install dataset-fashion-mnist` or pass --data-dir DIR", e.getMessage());
    }

    @Test
    void missingLabelFileIsNamed() {
        write(dir.resolve("t10k-images-idx3-ubyte"), idxImages(1, 1, 1, new byte[1]));
        var e = assertThrows(DatasetNotFoundException.class, () -> Datasets.load("mnist", dir, false));
        assertEquals("MNIST not found in " + dir + " (looked for t10k-labels-idx1-ubyte[.gz]); put the four MNIST"
                + " IDX files there or pass --data-dir DIR", e.getMessage());
    }

    @Test
    void cifarNeedsADataDir() {
        var e = assertThrows(DatasetNotFoundException.class, () -> Datasets.load("cifar10", null, true));
        assertEquals("CIFAR-10 has no default location; download the CIFAR-10 binary version, extract it and pass"
                + " --data-dir DIR", e.getMessage());

        e = assertThrows(DatasetNotFoundException.class, () -> Datasets.load("cifar100", dir, false));
        assertEquals("CIFAR-100 not found in " + dir + " (looked for test.bin[.gz] there or in cifar-100-binary/);"
                + " download the CIFAR-100 binary version, extract it and pass --data-dir DIR", e.getMessage());
    }

    @Test
    void loadsIdxSplitsByTheirFileNames() throws Exception {
        write(dir.resolve("train-images-idx3-ubyte.gz"), gzip(idxImages(2, 2, 2, ramp(8, 0))));
        write(dir.resolve("train-labels-idx1-ubyte.gz"), gzip(idxLabels(4, 5)));
        write(dir.resolve("t10k-images-idx3-ubyte"), idxImages(1, 2, 2, ramp(4, 100)));
        write(dir.resolve("t10k-labels-idx1-ubyte"), idxLabels(9));

        ImageDataset train = Datasets.load("fashion-mnist", dir, true);
        ImageDataset test = Datasets.load("fashion-mnist", dir, false);

        assertEquals("fashion-mnist/train", train.name());
        assertEquals(2, train.sampleCount());
        assertEquals(5, train.label(1));
        assertEquals("fashion-mnist/test", test.name());
        assertEquals(1, test.sampleCount());
        assertEquals(100 / 255f, test.pixel(0, 0, 0, 0));
    }

    @Test
    void loadsCifar10FromItsArchiveFolder() throws Exception {
        Path archive = dir.resolve("cifar-10-batches-bin");
        for (int b = 1; b <= 5; b++) {
            write(archive.resolve("data_batch_" + b + ".bin"), cifarRecords(new int[] {b, b}));
        }
        write(dir.resolve("test_batch.bin.gz"), gzip(cifarRecords(new int[] {7})));

        ImageDataset train = Datasets.load("cifar10", dir, true);
        ImageDataset test = Datasets.load("cifar10", dir, false);

        assertEquals(10, train.sampleCount());
        assertArrayEquals(new int[] {0, 2, 2, 2, 2, 2, 0, 0, 0, 0}, train.classCounts());
        assertEquals(1, test.sampleCount());
        assertEquals(7, test.label(0));
    }

    @Test
    void loadsCifar100() throws Exception {
        write(dir.resolve("train.bin"), cifarRecords(new int[] {1, 2}, new int[] {50, 60}));
        ImageDataset train = Datasets.load("cifar100", dir, true);
        assertEquals(100, train.numClasses());
        assertEquals(60, train.label(1));
    }

    @Test
    void syntheticDataIsReproducibleBalancedAndLearnable() {
        var spec = new SyntheticImages.Spec(400, 200, 4, 2, 8, 8, 0.25f, 11);
        ImageDataset train = SyntheticImages.generate(spec, true);
        ImageDataset test = SyntheticImages.generate(spec, false);
        ImageDataset again = SyntheticImages.generate(spec, true);

        assertArrayEquals(new int[] {100, 100, 100, 100}, train.classCounts());
        assertArrayEquals(new int[] {50, 50, 50, 50}, test.classCounts());
        float[] trainPixels = pixels(train);
        assertArrayEquals(trainPixels, pixels(again));
        assertFalse(Arrays.equals(trainPixels, pixels(SyntheticImages.generate(
                new SyntheticImages.Spec(400, 200, 4, 2, 8, 8, 0.25f, 12), true))));
        for (float v : trainPixels) {
            assertTrue(v >= 0 && v <= 1);
        }
        assertTrue(nearestMeanAccuracy(train, test) > 0.95, "class means learned on train classify test");
    }

    @Test
    void defaultSyntheticDataSetLoadsByName() throws Exception {
        ImageDataset test = Datasets.load("synthetic", null, false);
        DatasetInfo info = Datasets.info("synthetic");
        assertEquals(1000, test.sampleCount());
        assertEquals(List.of(info.numClasses(), info.channels(), info.height(), info.width()),
                List.of(test.numClasses(), test.channels(), test.height(), test.width()));
    }

    private static float[] pixels(ImageDataset data) {
        float[] all = new float[data.sampleCount() * data.imageSize()];
        int[] indices = IntStream.range(0, data.sampleCount()).toArray();
        data.copyBatch(indices, Normalization.identity(data.channels()), data.height(), data.width(), all);
        return all;
    }

    private static double nearestMeanAccuracy(ImageDataset train, ImageDataset test) {
        int size = train.imageSize();
        float[] trainPixels = pixels(train);
        double[][] means = new double[train.numClasses()][size];
        int[] counts = train.classCounts();
        for (int i = 0; i < train.sampleCount(); i++) {
            for (int p = 0; p < size; p++) {
                means[train.label(i)][p] += trainPixels[i * size + p] / counts[train.label(i)];
            }
        }
        float[] testPixels = pixels(test);
        int correct = 0;
        for (int i = 0; i < test.sampleCount(); i++) {
            int best = -1;
            double bestDistance = Double.MAX_VALUE;
            for (int k = 0; k < means.length; k++) {
                double distance = 0;
                for (int p = 0; p < size; p++) {
                    double d = testPixels[i * size + p] - means[k][p];
                    distance += d * d;
                }
                if (distance < bestDistance) {
                    bestDistance = distance;
                    best = k;
                }
            }
            correct += best == test.label(i) ? 1 : 0;
        }
        return correct / (double) test.sampleCount();
    }
}
