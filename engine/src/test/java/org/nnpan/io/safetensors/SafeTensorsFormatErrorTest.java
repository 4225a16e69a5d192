package org.nnpan.io.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.nnpan.io.safetensors.SafeTensorsBytes.concat;
import static org.nnpan.io.safetensors.SafeTensorsBytes.lengthPrefix;

/** Each kind of malformed file, crafted byte by byte, gives one message naming the file and the problem. */
class SafeTensorsFormatErrorTest {
    @TempDir
    Path dir;

    @Test
    void fileTooShortForTheLengthPrefix() throws IOException {
        assertProblem(new byte[] {1, 0, 0, 0, 0}, "file too short: 5 bytes, need at least 8 for the header length");
        assertProblem(new byte[0], "file too short: 0 bytes, need at least 8 for the header length");
    }

    @Test
    void headerLengthBeyondTheFile() throws IOException {
        assertProblem(concat(lengthPrefix(100), "{}".getBytes(StandardCharsets.UTF_8)),
                "header length 100 exceeds the 2 bytes after the length prefix");
        // The length is unsigned: all ones is 2^64 - 1, not -1.
        assertProblem(concat(lengthPrefix(-1), "{}".getBytes(StandardCharsets.UTF_8)),
                "header length 18446744073709551615 exceeds the 2 bytes after the length prefix");
    }

    @Test
    void headerLongerThanTheFormatAllows() throws IOException {
        Path file = dir.resolve("huge.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(lengthPrefix(100_000_001));
            raf.setLength(8 + 100_000_001); // sparse: no need to write the bytes
        }
        var e = assertThrows(SafeTensorsFormatException.class, () -> SafeTensorsFile.read(file));
        assertEquals(file + ": header length 100000001 exceeds the format's limit of 100000000 bytes", e.getMessage());
    }

    @Test
    void headerNotValidJson() throws IOException {
        String problem = problemOf(SafeTensorsBytes.file("{\"w\": {\"dtype\": \"F32\",", new byte[0]));
        assertStartsWith("header is not valid JSON: ", problem);
        problem = problemOf(SafeTensorsBytes.file("{}{}", new byte[0]));
        assertStartsWith("header is not valid JSON: ", problem);
        problem = problemOf(SafeTensorsBytes.file("{\"a\":{},\"a\":{}}", new byte[0]));
        assertStartsWith("header is not valid JSON: Duplicate field 'a'", problem);
        assertProblem(concat(lengthPrefix(3), new byte[] {'{', (byte) 0xC3, '}'}), "header is not valid UTF-8");
        assertProblem(SafeTensorsBytes.file("[1, 2]", new byte[0]), "header is not a JSON object");
        assertProblem(SafeTensorsBytes.file("", new byte[0]), "header is not a JSON object");
    }

    @Test
    void metadataNotAnObjectOfStrings() throws IOException {
        assertProblem(SafeTensorsBytes.file("{\"__metadata__\": [\"a\"]}", new byte[0]),
                "'__metadata__' is not a JSON object");
        assertProblem(SafeTensorsBytes.file("{\"__metadata__\": {\"epoch\": 3}}", new byte[0]),
                "'__metadata__' value of 'epoch' is not a string: 3");
    }

    @Test
    void tensorEntryMalformedOrMissingAField() throws IOException {
        assertProblem(SafeTensorsBytes.file("{\"w\": 5}", new byte[0]), "tensor 'w': entry is not a JSON object: 5");
        assertProblem(SafeTensorsBytes.file("{\"w\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", new byte[4]),
                "tensor 'w': missing field 'dtype'");
        assertProblem(SafeTensorsBytes.file("{\"w\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", new byte[4]),
                "tensor 'w': missing field 'shape'");
        assertProblem(SafeTensorsBytes.file("{\"w\": {\"dtype\": \"F32\", \"shape\": [1]}}", new byte[4]),
                "tensor 'w': missing field 'data_offsets'");
    }

    @Test
    void unknownDtype() throws IOException {
        assertProblem(entry("\"U32\"", "[1]", "[0, 4]", 4), "tensor 'w': unknown dtype \"U32\" "
                + "(supported: [F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL])");
        assertProblem(entry("4", "[1]", "[0, 4]", 4), "tensor 'w': unknown dtype 4 "
                + "(supported: [F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL])");
    }

    @Test
    void malformedShapeOrOffsets() throws IOException {
        assertProblem(entry("\"F32\"", "[-1]", "[0, 4]", 4),
                "tensor 'w': shape is not an array of non-negative integers: [-1]");
        assertProblem(entry("\"F32\"", "[1.5]", "[0, 4]", 4),
                "tensor 'w': shape is not an array of non-negative integers: [1.5]");
        assertProblem(entry("\"F32\"", "[1]", "[0, 4, 8]", 4),
                "tensor 'w': data_offsets is not two non-negative integers: [0,4,8]");
        assertProblem(entry("\"F32\"", "[1]", "[4, 0]", 4), "tensor 'w': data_offsets [4, 0] end before they begin");
        assertProblem(entry("\"F32\"", "[4294967296, 4294967296]", "[0, 4]", 4),
                "tensor 'w': shape [4294967296, 4294967296] is too large");
    }

    @Test
    void offsetsOutOfRange() throws IOException {
        assertProblem(entry("\"F32\"", "[2]", "[0, 8]", 4),
                "tensor 'w': data_offsets [0, 8] extend beyond the 4-byte data buffer");
    }

    @Test
    void offsetsOverlapping() throws IOException {
        String header = "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                + " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}";
        assertProblem(SafeTensorsBytes.file(header, new byte[12]),
                "tensor 'b': data_offsets [4, 12] overlap tensor 'a', which ends at 8");
    }

    @Test
    void offsetsLeavingAGap() throws IOException {
        String header = "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},"
                + " \"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 12]}}";
        assertProblem(SafeTensorsBytes.file(header, new byte[12]),
                "gap of 4 bytes in the data buffer at [4, 8), before tensor 'b'");
        assertProblem(entry("\"F32\"", "[1]", "[0, 4]", 6),
                "gap of 2 bytes at the end of the data buffer: tensors end at 4 but it has 6");
    }

    @Test
    void sizeMismatch() throws IOException {
        assertProblem(entry("\"F16\"", "[2, 3]", "[0, 8]", 8),
                "tensor 'w': data_offsets [0, 8] span 8 bytes but shape [2, 3] of F16 needs 12");
    }

    @Test
    void theExceptionNamesTheFile() throws IOException {
        Path file = SafeTensorsBytes.write(dir, "bad.safetensors", new byte[3]);
        var e = assertThrows(SafeTensorsFormatException.class, () -> SafeTensorsFile.read(file));
        assertEquals(file, e.file());
        assertEquals(file + ": file too short: 3 bytes, need at least 8 for the header length", e.getMessage());
    }

    /** A file with one tensor 'w' whose entry has the given JSON fields, and {@code dataBytes} of data. */
    private static byte[] entry(String dtype, String shape, String offsets, int dataBytes) {
        return SafeTensorsBytes.file("{\"w\": {\"dtype\": %s, \"shape\": %s, \"data_offsets\": %s}}"
                .formatted(dtype, shape, offsets), new byte[dataBytes]);
    }

    private void assertProblem(byte[] file, String expectedProblem) throws IOException {
        assertEquals(expectedProblem, problemOf(file));
    }

    private String problemOf(byte[] bytes) throws IOException {
        Path file = SafeTensorsBytes.write(dir, "corrupt.safetensors", bytes);
        var e = assertThrows(SafeTensorsFormatException.class, () -> SafeTensorsFile.read(file));
        assertEquals(file, e.file());
        String prefix = file + ": ";
        assertStartsWith(prefix, e.getMessage());
        return e.getMessage().substring(prefix.length());
    }

    private static void assertStartsWith(String prefix, String actual) {
        assertEquals(prefix, actual.substring(0, Math.min(prefix.length(), actual.length())), actual);
    }
}
