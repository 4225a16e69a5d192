package org.nnpan.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Reads the IDX files of MNIST and Fashion-MNIST: {@code idx3-ubyte} images and {@code idx1-ubyte} labels, plain or
 * gzipped (recognised by content, not by name). Headers, dimensions and exact file lengths are checked; every error
 * is a {@link DatasetFormatException} naming the file.
 */
public final class IdxReader {

    /** Magic number of an IDX file of unsigned bytes with three dimensions (images). */
    public static final int IMAGE_MAGIC = 0x00000803;
    /** Magic number of an IDX file of unsigned bytes with one dimension (labels). */
    public static final int LABEL_MAGIC = 0x00000801;

    /**
     * The content of an IDX image file.
     *
     * @param count  number of images
     * @param rows   image height
     * @param cols   image width
     * @param pixels {@code count * rows * cols} unsigned bytes, image by image, row-major
     */
    public record Images(int count, int rows, int cols, byte[] pixels) {
    }

    private IdxReader() {
    }

    /** Reads an IDX image file. */
    public static Images readImages(Path file) throws IOException {
        ByteBuffer data = ByteBuffer.wrap(DataFiles.readMaybeGzipped(file));
        readHeader(file, data, IMAGE_MAGIC, "an IDX image file", 3);
        int count = data.getInt(4);
        int rows = data.getInt(8);
        int cols = data.getInt(12);
        if (count < 0 || rows < 1 || cols < 1) {
            throw new DatasetFormatException(file, "bad dimensions " + count + "x" + rows + "x" + cols);
        }
        byte[] pixels = new byte[checkPayload(file, data, (long) count * rows * cols, "pixel data")];
        data.get(pixels);
        return new Images(count, rows, cols, pixels);
    }

    /** Reads an IDX label file; labels are returned as unsigned values. */
    public static int[] readLabels(Path file) throws IOException {
        ByteBuffer data = ByteBuffer.wrap(DataFiles.readMaybeGzipped(file));
        readHeader(file, data, LABEL_MAGIC, "an IDX label file", 1);
        int count = data.getInt(4);
        if (count < 0) {
            throw new DatasetFormatException(file, "bad label count " + count);
        }
        int[] labels = new int[checkPayload(file, data, count, "label data")];
        for (int i = 0; i < count; i++) {
            labels[i] = data.get() & 0xFF;
        }
        return labels;
    }

    /**
     * Reads a pair of IDX files into a one-channel data set.
     *
     * @throws DatasetFormatException if either file is malformed, their counts differ or a label is not below
     *                                {@code numClasses}
     */
    public static ImageDataset read(String name, Path imagesFile, Path labelsFile, int numClasses)
            throws IOException {
        Images images = readImages(imagesFile);
        int[] labels = readLabels(labelsFile);
        if (labels.length != images.count()) {
            throw new DatasetFormatException(labelsFile, "has " + labels.length + " labels but " + imagesFile
                    + " has " + images.count() + " images");
        }
        for (int i = 0; i < labels.length; i++) {
            DataFiles.checkLabel(labelsFile, "label " + i, labels[i], numClasses);
        }
        return ImageDataset.fromBytes(name, numClasses, 1, images.rows(), images.cols(), images.pixels(), labels);
    }

    /** Checks the magic number and that the header fits, leaving {@code data} positioned after the header. */
    private static void readHeader(Path file, ByteBuffer data, int magic, String kind, int dimensions)
            throws DatasetFormatException {
        int headerBytes = 4 + 4 * dimensions;
        if (data.remaining() < 4) {
            throw new DatasetFormatException(file, "too short for " + kind + ": " + data.remaining() + " bytes");
        }
        int found = data.getInt(0);
        if (found != magic) {
            throw new DatasetFormatException(file, String.format(
                    "bad magic 0x%08X (expected 0x%08X for %s)", found, magic, kind));
        }
        if (data.remaining() < headerBytes) {
            throw new DatasetFormatException(file, "truncated: expected a " + headerBytes + "-byte header, found "
                    + data.remaining() + " bytes");
        }
        data.position(headerBytes);
    }

    /** Checks that exactly {@code expected} bytes follow the header and returns that count. */
    private static int checkPayload(Path file, ByteBuffer data, long expected, String what)
            throws DatasetFormatException {
        int found = data.remaining();
        if (found < expected) {
            throw new DatasetFormatException(file, "truncated: expected " + expected + " bytes of " + what
                    + ", found " + found);
        }
        if (found > expected) {
            throw new DatasetFormatException(file, "expected " + expected + " bytes of " + what + ", found "
                    + found + " (trailing data)");
        }
        return found;
    }
}
