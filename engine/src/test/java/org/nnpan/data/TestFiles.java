package org.nnpan.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Builders for tiny data files in the formats the readers parse. */
final class TestFiles {

    private TestFiles() {
    }

    /** An IDX image file: magic, count, rows, cols, then the pixels. */
    static byte[] idxImages(int count, int rows, int cols, byte[] pixels) {
        return ByteBuffer.allocate(16 + pixels.length)
                .putInt(IdxReader.IMAGE_MAGIC).putInt(count).putInt(rows).putInt(cols).put(pixels).array();
    }

    /** An IDX label file: magic, count, then the labels. */
    static byte[] idxLabels(int... labels) {
        ByteBuffer buffer = ByteBuffer.allocate(8 + labels.length).putInt(IdxReader.LABEL_MAGIC).putInt(labels.length);
        for (int label : labels) {
            buffer.put((byte) label);
        }
        return buffer.array();
    }

    /** Pixel bytes {@code 0, 1, 2, ...} wrapping at 256, so every position is recognisable. */
    static byte[] ramp(int length, int start) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (start + i);
        }
        return bytes;
    }

    /**
     * CIFAR records: each label array holds one label byte per record (CIFAR-10: {labels}; CIFAR-100:
     * {coarse, fine}); record {@code r}'s pixels are {@code ramp(3072, r)}.
     */
    static byte[] cifarRecords(int[]... labelBytes) {
        int records = labelBytes[0].length;
        int recordLength = labelBytes.length + 3072;
        ByteBuffer buffer = ByteBuffer.allocate(records * recordLength);
        for (int r = 0; r < records; r++) {
            for (int[] labels : labelBytes) {
                buffer.put((byte) labels[r]);
            }
            buffer.put(ramp(3072, r));
        }
        return buffer.array();
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static Path write(Path file, byte[] content) {
        try {
            Files.createDirectories(file.getParent());
            return Files.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
