package org.nnpan.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nnpan.data.TestFiles.write;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A three-class Tiny-ImageNet tree of flat-colour JPEGs, one of them grayscale, and each way it can be broken. */
class TinyImageNetReaderTest {
    /** JPEG is lossy even on flat colour (YCbCr rounding): allow a few levels. */
    private static final float TOLERANCE = 3 / 255f;
    private static final Color RED = new Color(200, 30, 10);
    private static final Color GREEN = new Color(20, 180, 60);
    private static final Color BLUE = new Color(40, 70, 220);

    @TempDir
    Path dir;
    /** The data set's folder, named as its archive extracts. */
    private Path root;

    @BeforeEach
    void writeTree() {
        root = dir.resolve("tiny-imagenet-200");
        write(root.resolve("wnids.txt"), "n001\nn002\nn003\n".getBytes());
        write(root.resolve("train/n001/images/n001_1.JPEG"), jpeg(RED, 64, BufferedImage.TYPE_INT_RGB));
        write(root.resolve("train/n001/images/n001_0.JPEG"), jpeg(GREEN, 64, BufferedImage.TYPE_INT_RGB));
        write(root.resolve("train/n001/n001_boxes.txt"), "n001_0.JPEG\t0\t0\t63\t63\n".getBytes());
        write(root.resolve("train/n002/images/n002_0.JPEG"), jpeg(Color.GRAY, 64, BufferedImage.TYPE_BYTE_GRAY));
        write(root.resolve("train/n003/images/n003_0.JPEG"), jpeg(BLUE, 64, BufferedImage.TYPE_INT_RGB));
        write(root.resolve("val/images/val_0.JPEG"), jpeg(BLUE, 64, BufferedImage.TYPE_INT_RGB));
        write(root.resolve("val/images/val_1.JPEG"), jpeg(RED, 64, BufferedImage.TYPE_INT_RGB));
        annotations("val_0.JPEG\tn003\t0\t0\t63\t63", "val_1.JPEG\tn001\t1\t2\t30\t40");
    }

    @Test
    void readsTrainClassByClassInFileNameOrder() throws Exception {
        ImageDataset data = TinyImageNetReader.readTrain("tiny/train", root);

        assertEquals(4, data.sampleCount());
        assertEquals(3, data.numClasses());
        assertEquals(3, data.channels());
        assertEquals(64, data.height());
        assertEquals(64, data.width());
        assertArrayEquals(new int[] {0, 0, 1, 2}, labels(data));
        assertColour(data, 0, GREEN);
        assertColour(data, 1, RED);
        assertColour(data, 2, Color.GRAY); // grayscale: the one channel repeated
        assertColour(data, 3, BLUE);
    }

    @Test
    void readsValLabelsFromTheAnnotations() throws Exception {
        ImageDataset data = TinyImageNetReader.readVal("tiny/val", root);

        assertArrayEquals(new int[] {2, 0}, labels(data));
        assertColour(data, 0, BLUE);
        assertColour(data, 1, RED);
    }

    @Test
    void loadsThroughTheRegistryFromTheArchiveFolder() throws Exception {
        ImageDataset data = Datasets.load("tiny-imagenet", dir, false);

        assertEquals("tiny-imagenet/test", data.name());
        assertArrayEquals(new int[] {2, 0}, labels(data));
    }

    @Test
    void registryKnowsShapeAndNormalisationButNoDefaultFolder() {
        DatasetInfo info = Datasets.info("tiny-imagenet");
        assertEquals(200, info.numClasses());
        assertEquals(64, info.height());
        assertEquals(Normalization.of(new float[] {0.4802f, 0.4481f, 0.3975f},
                new float[] {0.2302f, 0.2265f, 0.2262f}), info.normalization());
        assertEquals(Optional.empty(), info.defaultDataDir());
        var e = assertThrows(DatasetNotFoundException.class, () -> Datasets.load("tiny-imagenet", null, true));
        assertEquals("Tiny-ImageNet has no default location; download http://cs231n.stanford.edu/tiny-imagenet-200.zip,"
                + " unzip it and pass --data-dir DIR (the folder holding wnids.txt, train/ and val/, or its parent)",
                e.getMessage());
    }

    @Test
    void rejectsAFileThatIsNoImage() {
        Path file = write(root.resolve("train/n003/images/n003_1.JPEG"), "not an image".getBytes());
        var e = assertThrows(DatasetFormatException.class, () -> TinyImageNetReader.readTrain("t", root));
        assertEquals(file, e.file());
        assertEquals(file + ": not a JPEG image (no ImageIO decoder recognises it)", e.getMessage());
    }

    @Test
    void rejectsACorruptJpeg() {
        byte[] valid = jpeg(RED, 64, BufferedImage.TYPE_INT_RGB);
        byte[] corrupt = Arrays.copyOf(valid, valid.length);
        Arrays.fill(corrupt, 4, corrupt.length, (byte) 0x5A); // keep the start-of-image marker, garble the rest
        Path file = write(root.resolve("val/images/val_1.JPEG"), corrupt);
        var e = assertThrows(DatasetFormatException.class, () -> TinyImageNetReader.readVal("t", root));
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith(file + ": corrupt JPEG ("), e.getMessage());
    }

    @Test
    void rejectsTheWrongImageSize() {
        Path file = write(root.resolve("train/n002/images/n002_1.JPEG"), jpeg(RED, 32, BufferedImage.TYPE_INT_RGB));
        var e = assertThrows(DatasetFormatException.class, () -> TinyImageNetReader.readTrain("t", root));
        assertEquals(file + ": image is 32x32, expected 64x64", e.getMessage());
    }

    @Test
    void rejectsAnUnknownWnidInTheAnnotations() {
        annotations("val_0.JPEG\tn003\t0\t0\t63\t63", "val_1.JPEG\tn999\t1\t2\t30\t40");
        var e = assertThrows(DatasetFormatException.class, () -> TinyImageNetReader.readVal("t", root));
        assertEquals(root.resolve("val/val_annotations.txt") + ": line 2: unknown wnid 'n999' (not in "
                + root.resolve("wnids.txt") + ")", e.getMessage());
    }

    @Test
    void missingWnidsIsNamed() throws Exception {
        Files.delete(root.resolve("wnids.txt"));
        var e = assertThrows(DatasetNotFoundException.class, () -> TinyImageNetReader.readTrain("t", root));
        assertEquals("Tiny-ImageNet file " + root.resolve("wnids.txt") + " not found", e.getMessage());
    }

    private void annotations(String... lines) {
        write(root.resolve("val/val_annotations.txt"), (String.join("\n", lines) + "\n").getBytes());
    }

    private static int[] labels(ImageDataset data) {
        int[] labels = new int[data.sampleCount()];
        data.copyLabels(IntStream.range(0, labels.length).toArray(), labels);
        return labels;
    }

    /** Every pixel of sample {@code index} is {@code colour}, within the JPEG tolerance. */
    private static void assertColour(ImageDataset data, int index, Color colour) {
        int[] rgb = {colour.getRed(), colour.getGreen(), colour.getBlue()};
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < data.height(); y++) {
                for (int x = 0; x < data.width(); x++) {
                    assertEquals(rgb[c] / 255f, data.pixel(index, c, y, x), TOLERANCE,
                            "sample " + index + " channel " + c + " at " + y + "," + x);
                }
            }
        }
    }

    /** A {@code size}&times;{@code size} JPEG of one flat colour, as an image of {@code type}. */
    private static byte[] jpeg(Color colour, int size, int type) {
        BufferedImage image = new BufferedImage(size, size, type);
        var g = image.createGraphics();
        g.setColor(colour);
        g.fillRect(0, 0, size, size);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "jpeg", out)) {
                throw new IllegalStateException("no JPEG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
