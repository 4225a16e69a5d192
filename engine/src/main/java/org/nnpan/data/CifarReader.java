package org.nnpan.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the binary versions of CIFAR-10 and CIFAR-100: fixed-length records of label byte(s) followed by a
 * 32&times;32 RGB image stored as 1024 red, 1024 green and 1024 blue bytes, row-major, which is already the
 * C&times;H&times;W layout of {@link ImageDataset}. Files may be gzipped. Record lengths and label ranges are
 * checked; every error is a {@link DatasetFormatException} naming the file.
 */
public final class CifarReader {

    /** CIFAR images are 3&times;32&times;32. */
    public static final int CHANNELS = 3;
    public static final int SIZE = 32;
    private static final int IMAGE_BYTES = CHANNELS * SIZE * SIZE;

    /**
     * A CIFAR record layout.
     *
     * @param displayName   name used in messages
     * @param labelRanges   the number of classes of each leading label byte, in file order
     * @param labelToKeep   which label byte becomes the sample's label
     */
    private record Layout(String displayName, int[] labelRanges, int labelToKeep) {
        int recordBytes() {
            return labelRanges.length + IMAGE_BYTES;
        }

        int numClasses() {
            return labelRanges[labelToKeep];
        }
    }

    /** CIFAR-10: one label byte, 10 classes. */
    private static final Layout CIFAR10 = new Layout("CIFAR-10", new int[] {10}, 0);
    /** CIFAR-100: a coarse label byte (20 superclasses) then the fine label byte (100 classes), which is kept. */
    private static final Layout CIFAR100 = new Layout("CIFAR-100", new int[] {20, 100}, 1);

    private CifarReader() {
    }

    /** Reads CIFAR-10 batch files (e.g. {@code data_batch_1.bin .. data_batch_5.bin}), concatenated in order. */
    public static ImageDataset readCifar10(String name, List<Path> batchFiles) throws IOException {
        return read(name, batchFiles, CIFAR10);
    }

    /** Reads a CIFAR-100 file ({@code train.bin} or {@code test.bin}) with its 100 fine labels. */
    public static ImageDataset readCifar100(String name, Path file) throws IOException {
        return read(name, List.of(file), CIFAR100);
    }

    private static ImageDataset read(String name, List<Path> files, Layout layout) throws IOException {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no " + layout.displayName() + " files given");
        }
        List<byte[]> contents = new ArrayList<>(files.size());
        long records = 0;
        for (Path file : files) {
            byte[] content = DataFiles.readMaybeGzipped(file);
            checkLength(file, content.length, layout);
            contents.add(content);
            records += content.length / layout.recordBytes();
        }
        if (records * IMAGE_BYTES > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(records + " " + layout.displayName() + " images do not fit in memory");
        }
        byte[] pixels = new byte[(int) records * IMAGE_BYTES];
        int[] labels = new int[(int) records];
        int sample = 0;
        for (int f = 0; f < files.size(); f++) {
            byte[] content = contents.get(f);
            for (int at = 0; at < content.length; at += layout.recordBytes(), sample++) {
                for (int b = 0; b < layout.labelRanges().length; b++) {
                    DataFiles.checkLabel(files.get(f), "label byte " + b + " of record " + at / layout.recordBytes(),
                            content[at + b] & 0xFF, layout.labelRanges()[b]);
                }
                labels[sample] = content[at + layout.labelToKeep()] & 0xFF;
                System.arraycopy(content, at + layout.labelRanges().length, pixels, sample * IMAGE_BYTES,
                        IMAGE_BYTES);
            }
            contents.set(f, null); // let the file's bytes go before the float copy is made
        }
        return ImageDataset.fromBytes(name, layout.numClasses(), CHANNELS, SIZE, SIZE, pixels, labels);
    }

    private static void checkLength(Path file, int length, Layout layout) throws DatasetFormatException {
        int recordBytes = layout.recordBytes();
        if (length == 0 || length % recordBytes != 0) {
            throw new DatasetFormatException(file, "length " + length + " is not a positive multiple of the "
                    + recordBytes + "-byte " + layout.displayName() + " record (" + length / recordBytes
                    + " whole records and " + length % recordBytes + " bytes left over)");
        }
    }
}
