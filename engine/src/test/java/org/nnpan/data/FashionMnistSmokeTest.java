package org.nnpan.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Reads the real Fashion-MNIST installed by Debian's {@code dataset-fashion-mnist}; skipped where it is absent. */
class FashionMnistSmokeTest {

    @BeforeAll
    static void requireInstalledData() {
        assumeTrue(Files.isDirectory(Path.of(Datasets.FASHION_MNIST_DIR)),
                "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
    }

    @Test
    void trainingSplit() throws Exception {
        ImageDataset train = Datasets.load("fashion-mnist", null, true);

        assertShape(train, 60_000);
        int[] sixThousandEach = new int[10];
        Arrays.fill(sixThousandEach, 6000);
        assertArrayEquals(sixThousandEach, train.classCounts());
        assertArrayEquals(new int[] {9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, firstLabels(train));
        assertEquals(76_247, rawSum(train, 0), "byte sum of the first image");
    }

    @Test
    void testSplit() throws Exception {
        ImageDataset test = Datasets.load("fashion-mnist", null, false);

        assertShape(test, 10_000);
        int[] thousandEach = new int[10];
        Arrays.fill(thousandEach, 1000);
        assertArrayEquals(thousandEach, test.classCounts());
        assertArrayEquals(new int[] {9, 2, 1, 1, 6, 1, 4, 6, 5, 7}, firstLabels(test));
        assertEquals(33_456, rawSum(test, 0), "byte sum of the first image");
    }

    private static void assertShape(ImageDataset data, int samples) {
        assertEquals(samples, data.sampleCount());
        assertEquals(10, data.numClasses());
        assertEquals(1, data.channels());
        assertEquals(28, data.height());
        assertEquals(28, data.width());
    }

    private static int[] firstLabels(ImageDataset data) {
        int[] labels = new int[10];
        data.copyLabels(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, labels);
        return labels;
    }

    private static long rawSum(ImageDataset data, int index) {
        long sum = 0;
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                sum += Math.round(data.pixel(index, 0, y, x) * 255);
            }
        }
        return sum;
    }
}
