package org.nnpan.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.nnpan.data.TestFiles.cifarRecords;
import static org.nnpan.data.TestFiles.gzip;
import static org.nnpan.data.TestFiles.write;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarReaderTest {

    @TempDir
    Path dir;

    @Test
    void readsCifar10BatchesInOrderAsChw() throws Exception {
        Path first = write(dir.resolve("data_batch_1.bin"), cifarRecords(new int[] {3, 9}));
        Path second = write(dir.resolve("data_batch_2.bin.gz"), gzip(cifarRecords(new int[] {0})));

        ImageDataset data = CifarReader.readCifar10("c10", List.of(first, second));

        assertEquals(3, data.sampleCount());
        assertEquals(10, data.numClasses());
        assertEquals(3, data.channels());
        assertEquals(32, data.height());
        assertEquals(32, data.width());
        assertArrayEquals(new int[] {3, 9, 0}, new int[] {data.label(0), data.label(1), data.label(2)});
        // Record r's pixels are ramp(3072, r): byte c*1024 + y*32 + x holds (r + that offset) mod 256.
        int[] recordInFile = {0, 1, 0};
        for (int i = 0; i < 3; i++) {
            for (int[] cyx : new int[][] {{0, 0, 0}, {0, 0, 31}, {1, 5, 7}, {2, 31, 31}}) {
                int offset = cyx[0] * 1024 + cyx[1] * 32 + cyx[2];
                float expected = ((recordInFile[i] + offset) & 0xFF) / 255f;
                assertEquals(expected, data.pixel(i, cyx[0], cyx[1], cyx[2]), "sample " + i + " at " + offset);
            }
        }
    }

    @Test
    void readsCifar100FineLabels() throws Exception {
        Path file = write(dir.resolve("train.bin"), cifarRecords(new int[] {19, 0}, new int[] {99, 42}));

        ImageDataset data = CifarReader.readCifar100("c100", file);

        assertEquals(100, data.numClasses());
        assertArrayEquals(new int[] {99, 42}, new int[] {data.label(0), data.label(1)});
        assertEquals(1 / 255f, data.pixel(1, 0, 0, 0));
    }

    @Test
    void rejectsPartialRecord() {
        byte[] records = cifarRecords(new int[] {1, 2});
        Path file = write(dir.resolve("data_batch_1.bin"), Arrays.copyOf(records, records.length - 1));
        var e = assertThrows(DatasetFormatException.class, () -> CifarReader.readCifar10("c10", List.of(file)));
        assertEquals(file + ": length 6145 is not a positive multiple of the 3073-byte CIFAR-10 record"
                + " (1 whole records and 3072 bytes left over)", e.getMessage());
    }

    @Test
    void rejectsEmptyFile() {
        Path file = write(dir.resolve("test.bin"), new byte[0]);
        var e = assertThrows(DatasetFormatException.class, () -> CifarReader.readCifar100("c100", file));
        assertEquals(file + ": length 0 is not a positive multiple of the 3074-byte CIFAR-100 record"
                + " (0 whole records and 0 bytes left over)", e.getMessage());
    }

    @Test
    void rejectsCifar10LabelOutOfRange() {
        Path file = write(dir.resolve("test_batch.bin"), cifarRecords(new int[] {1, 10}));
        var e = assertThrows(DatasetFormatException.class, () -> CifarReader.readCifar10("c10", List.of(file)));
        assertEquals(file + ": label byte 0 of record 1 is 10, outside [0, 10)", e.getMessage());
    }

    @Test
    void rejectsCifar100CoarseAndFineLabelsOutOfRange() {
        Path coarse = write(dir.resolve("coarse.bin"), cifarRecords(new int[] {20}, new int[] {5}));
        var e = assertThrows(DatasetFormatException.class, () -> CifarReader.readCifar100("c100", coarse));
        assertEquals(coarse + ": label byte 0 of record 0 is 20, outside [0, 20)", e.getMessage());

        Path fine = write(dir.resolve("fine.bin"), cifarRecords(new int[] {5}, new int[] {100}));
        e = assertThrows(DatasetFormatException.class, () -> CifarReader.readCifar100("c100", fine));
        assertEquals(fine + ": label byte 1 of record 0 is 100, outside [0, 100)", e.getMessage());
    }
}
