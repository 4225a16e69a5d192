package org.nnpan.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nnpan.data.TestFiles.gzip;
import static org.nnpan.data.TestFiles.idxImages;
import static org.nnpan.data.TestFiles.idxLabels;
import static org.nnpan.data.TestFiles.ramp;
import static org.nnpan.data.TestFiles.write;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdxReaderTest {

    @TempDir
    Path dir;

    private static final byte[] PIXELS = ramp(3 * 2 * 3, 250); // wraps past 255 to check unsigned reading

    @ParameterizedTest(name = "gzipped={0}")
    @ValueSource(booleans = {false, true})
    void readsImagesAndLabels(boolean gzipped) throws Exception {
        byte[] images = idxImages(3, 2, 3, PIXELS);
        byte[] labels = idxLabels(2, 0, 1);
        Path imagesFile = write(dir.resolve("images"), gzipped ? gzip(images) : images);
        Path labelsFile = write(dir.resolve("labels"), gzipped ? gzip(labels) : labels);

        ImageDataset data = IdxReader.read("tiny", imagesFile, labelsFile, 3);

        assertEquals(3, data.sampleCount());
        assertEquals(1, data.channels());
        assertEquals(2, data.height());
        assertEquals(3, data.width());
        assertEquals(3, data.numClasses());
        assertArrayEquals(new int[] {2, 0, 1}, new int[] {data.label(0), data.label(1), data.label(2)});
        for (int i = 0; i < 3; i++) {
            for (int y = 0; y < 2; y++) {
                for (int x = 0; x < 3; x++) {
                    assertEquals((PIXELS[i * 6 + y * 3 + x] & 0xFF) / 255f, data.pixel(i, 0, y, x));
                }
            }
        }
    }

    @Test
    void detectsGzipByContentNotByName() throws Exception {
        Path gzippedWithoutSuffix = write(dir.resolve("train-images-idx3-ubyte"), gzip(idxImages(3, 2, 3, PIXELS)));
        Path plainWithSuffix = write(dir.resolve("train-labels-idx1-ubyte.gz"), idxLabels(1, 2, 0));

        assertArrayEquals(PIXELS, IdxReader.readImages(gzippedWithoutSuffix).pixels());
        assertArrayEquals(new int[] {1, 2, 0}, IdxReader.readLabels(plainWithSuffix));
    }

    @Test
    void rejectsLabelFileAsImageFile() {
        Path labels = write(dir.resolve("labels.idx"), idxLabels(1, 2));
        var e = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(labels));
        assertEquals(labels + ": bad magic 0x00000801 (expected 0x00000803 for an IDX image file)", e.getMessage());
        assertEquals(labels, e.file());
    }

    @Test
    void rejectsImageFileAsLabelFile() {
        Path images = write(dir.resolve("images.idx"), idxImages(3, 2, 3, PIXELS));
        var e = assertThrows(DatasetFormatException.class, () -> IdxReader.readLabels(images));
        assertEquals(images + ": bad magic 0x00000803 (expected 0x00000801 for an IDX label file)", e.getMessage());
    }

    @Test
    void rejectsTruncatedPixelData() {
        byte[] full = idxImages(3, 2, 3, PIXELS);
        Path file = write(dir.resolve("images.gz"), gzip(Arrays.copyOf(full, full.length - 1)));
        var e = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(file));
        assertEquals(file + ": truncated: expected 18 bytes of pixel data, found 17", e.getMessage());
    }

    @Test
    void rejectsTrailingData() {
        byte[] full = idxImages(3, 2, 3, PIXELS);
        Path file = write(dir.resolve("images"), Arrays.copyOf(full, full.length + 2));
        var e = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(file));
        assertEquals(file + ": expected 18 bytes of pixel data, found 20 (trailing data)", e.getMessage());
    }

    @Test
    void rejectsTruncatedHeader() {
        Path file = write(dir.resolve("images"), Arrays.copyOf(idxImages(3, 2, 3, PIXELS), 10));
        var e = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(file));
        assertEquals(file + ": truncated: expected a 16-byte header, found 10 bytes", e.getMessage());
    }

    @Test
    void rejectsTruncatedLabels() {
        byte[] full = idxLabels(1, 2, 0);
        Path file = write(dir.resolve("labels"), Arrays.copyOf(full, full.length - 2));
        var e = assertThrows(DatasetFormatException.class, () -> IdxReader.readLabels(file));
        assertEquals(file + ": truncated: expected 3 bytes of label data, found 1", e.getMessage());
    }

    @Test
    void rejectsBadDimensions() {
        Path file = write(dir.resolve("images"), idxImages(3, 0, 3, new byte[0]));
        var e = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(file));
        assertEquals(file + ": bad dimensions 3x0x3", e.getMessage());
    }

    @Test
    void rejectsCountMismatch() {
        Path images = write(dir.resolve("images"), idxImages(3, 2, 3, PIXELS));
        Path labels = write(dir.resolve("labels"), idxLabels(1, 2));
        var e = assertThrows(DatasetFormatException.class, () -> IdxReader.read("tiny", images, labels, 3));
        assertEquals(labels + ": has 2 labels but " + images + " has 3 images", e.getMessage());
    }

    @Test
    void rejectsLabelOutOfRange() {
        Path images = write(dir.resolve("images"), idxImages(3, 2, 3, PIXELS));
        Path labels = write(dir.resolve("labels"), idxLabels(1, 200, 0));
        var e = assertThrows(DatasetFormatException.class, () -> IdxReader.read("tiny", images, labels, 10));
        assertEquals(labels + ": label 1 is 200, outside [0, 10)", e.getMessage());
    }

    @Test
    void rejectsCorruptGzip() {
        byte[] compressed = gzip(idxImages(3, 2, 3, PIXELS));
        Path file = write(dir.resolve("images.gz"), Arrays.copyOf(compressed, compressed.length / 2));
        var e = assertThrows(DatasetFormatException.class, () -> IdxReader.readImages(file));
        assertTrue(e.getMessage().startsWith(file + ": corrupt gzip data"), e.getMessage());
    }
}
