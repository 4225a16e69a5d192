package org.nnpan.io.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsRoundTripTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(SafeDType.class)
    void everyDtypeRoundTripsWithRandomShapesScalarsAndZeroSizeTensors(SafeDType dtype) throws IOException {
        Random random = new Random(dtype.ordinal());
        List<SafeTensor> written = new ArrayList<>();
        written.add(randomTensor("scalar", dtype, new long[0], random));
        written.add(randomTensor("empty", dtype, new long[] {3, 0}, random));
        for (int i = 0; i < 5; i++) {
            long[] shape = random.longs(random.nextInt(5), 1, 6).toArray();
            written.add(randomTensor("t" + i, dtype, shape, random));
        }
        Path file = dir.resolve(dtype + ".safetensors");
        SafeTensorsFile.write(file, written);

        try (SafeTensorsFile read = SafeTensorsFile.read(file)) {
            assertEquals(written, read.tensors());
            assertEquals(Map.of(), read.metadata());
        }
    }

    @Test
    void typedValuesSurviveARoundTrip() throws IOException {
        float[] floats = {1.5f, -0f, Float.NaN, Float.MIN_VALUE, Float.MAX_VALUE, -7f};
        double[] doubles = {Math.PI, -1e-300};
        long[] longs = {Long.MIN_VALUE, Long.MAX_VALUE, 0};
        int[] ints = {Integer.MIN_VALUE, -1};
        Path file = dir.resolve("typed.safetensors");
        SafeTensorsFile.write(file, List.of(
                SafeTensor.ofFloats("f", new long[] {2, 3}, floats),
                SafeTensor.ofDoubles("d", new long[] {2}, doubles),
                SafeTensor.ofLongs("l", new long[] {3, 1}, longs),
                SafeTensor.ofInts("i", new long[] {1, 2}, ints)));

        try (SafeTensorsFile read = SafeTensorsFile.read(file)) {
            assertArrayEquals(floats, read.get("f").toFloatArray());
            assertArrayEquals(new long[] {2, 3}, read.get("f").shape());
            assertArrayEquals(doubles, read.get("d").toDoubleArray());
            assertArrayEquals(longs, read.get("l").toLongArray());
            assertArrayEquals(ints, read.get("i").toIntArray());
        }
    }

    @Test
    void metadataRoundTrips() throws IOException {
        Map<String, String> metadata = Map.of("format", "pt", "epoch", "3", "note", "ünïcode ✓ \"quoted\"", "", "");
        Path file = dir.resolve("meta.safetensors");
        SafeTensorsFile.write(file, List.of(SafeTensor.ofInts("i", new long[] {1}, new int[] {1})), metadata);
        try (SafeTensorsFile read = SafeTensorsFile.read(file)) {
            assertEquals(metadata, read.metadata());
        }
    }

    @Test
    void tensorsAreLaidOutInTheGivenOrderAndListedByOffset() throws IOException {
        Path file = dir.resolve("order.safetensors");
        SafeTensorsFile.write(file, List.of(
                SafeTensor.ofFloats("zeta", new long[] {1}, new float[] {1}),
                SafeTensor.ofFloats("alpha", new long[] {2}, new float[] {2, 3}),
                SafeTensor.ofFloats("mid", new long[0], new float[] {4})));
        try (SafeTensorsFile read = SafeTensorsFile.read(file)) {
            assertEquals(List.of("zeta", "alpha", "mid"), read.names());
            assertTrue(read.contains("alpha"));
            assertFalse(read.contains("beta"));
        }
    }

    @Test
    void headerIsPaddedWithSpacesToAMultipleOfEight() throws IOException {
        Path file = dir.resolve("pad.safetensors");
        SafeTensorsFile.write(file, List.of(SafeTensor.ofFloats("w", new long[] {1}, new float[] {1})),
                Map.of("k", "v"));
        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8);
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertEquals("{\"__metadata__\":{\"k\":\"v\"},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                header.stripTrailing());
        assertTrue(header.substring(header.stripTrailing().length()).chars().allMatch(c -> c == ' '));
        assertEquals(8 + headerLength + 4, bytes.length);
    }

    @Test
    void offHeapSegmentsAreWrittenDirectly() throws IOException {
        Path file = dir.resolve("offheap.safetensors");
        float[] values = new float[300_000]; // larger than the writer's staging buffer
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.5f;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(values.length * 4L);
            MemorySegment.copy(values, 0, data,
                    ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, values.length);
            SafeTensorsFile.write(file, List.of(new SafeTensor("big", SafeDType.F32, new long[] {600, 500}, data)));
        }
        try (SafeTensorsFile read = SafeTensorsFile.read(file)) {
            assertArrayEquals(values, read.get("big").toFloatArray());
        }
    }

    @Test
    void writingLeavesNoTemporaryFilesAndReplacesAnExistingFile() throws IOException {
        Path file = dir.resolve("ckpt.safetensors");
        SafeTensorsFile.write(file, List.of(SafeTensor.ofInts("v", new long[] {1}, new int[] {1})));
        SafeTensorsFile.write(file, List.of(SafeTensor.ofInts("v", new long[] {1}, new int[] {2})));
        assertEquals(List.of(file), listDir());
        try (SafeTensorsFile read = SafeTensorsFile.read(file)) {
            assertArrayEquals(new int[] {2}, read.get("v").toIntArray());
        }
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path file = dir.resolve("ckpt.safetensors");
        SafeTensorsFile.write(file, List.of(SafeTensor.ofInts("v", new long[] {1}, new int[] {1})));
        byte[] before = Files.readAllBytes(file);

        Arena arena = Arena.ofConfined();
        SafeTensor gone = new SafeTensor("gone", SafeDType.U8, new long[] {4}, arena.allocate(4));
        arena.close(); // reading its data during the write now fails
        assertThrows(IllegalStateException.class, () -> SafeTensorsFile.write(file,
                List.of(SafeTensor.ofInts("v", new long[] {1}, new int[] {2}), gone)));

        assertArrayEquals(before, Files.readAllBytes(file));
        assertEquals(List.of(file), listDir());
    }

    @Test
    void aFileCanBeRewrittenWhileItIsMapped() throws IOException {
        Path file = dir.resolve("ckpt.safetensors");
        SafeTensorsFile.write(file, List.of(SafeTensor.ofInts("v", new long[] {2}, new int[] {1, 2})));
        try (SafeTensorsFile old = SafeTensorsFile.read(file)) {
            List<SafeTensor> next = new ArrayList<>(old.tensors());
            next.add(SafeTensor.ofInts("w", new long[] {1}, new int[] {3}));
            SafeTensorsFile.write(file, next, Map.of("step", "2"));
            assertArrayEquals(new int[] {1, 2}, old.get("v").toIntArray()); // the old mapping is intact
        }
        try (SafeTensorsFile read = SafeTensorsFile.read(file)) {
            assertEquals(List.of("v", "w"), read.names());
            assertEquals(Map.of("step", "2"), read.metadata());
        }
    }

    @Test
    void duplicateAndReservedNamesAreRejectedBeforeAnythingIsWritten() {
        Path file = dir.resolve("dup.safetensors");
        var e = assertThrows(IllegalArgumentException.class, () -> SafeTensorsFile.write(file, List.of(
                SafeTensor.ofInts("a", new long[] {1}, new int[] {1}),
                SafeTensor.ofInts("a", new long[] {1}, new int[] {2}))));
        assertEquals("duplicate tensor name 'a'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SafeTensorsFile.write(file,
                List.of(SafeTensor.ofInts("__metadata__", new long[] {1}, new int[] {1}))));
        assertEquals("tensor name '__metadata__' is reserved for metadata", e.getMessage());
        assertFalse(Files.exists(file));
    }

    @Test
    void anEmptyFileRoundTrips() throws IOException {
        Path file = dir.resolve("empty.safetensors");
        SafeTensorsFile.write(file, List.of());
        try (SafeTensorsFile read = SafeTensorsFile.read(file)) {
            assertEquals(List.of(), read.names());
        }
    }

    @Test
    void aMissingNameIsReportedWithSomeAvailableNames() throws IOException {
        Path file = dir.resolve("many.safetensors");
        List<SafeTensor> tensors = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            tensors.add(SafeTensor.ofInts("layer" + i, new long[0], new int[] {i}));
        }
        SafeTensorsFile.write(file, tensors);
        try (SafeTensorsFile read = SafeTensorsFile.read(file)) {
            var e = assertThrows(IllegalArgumentException.class, () -> read.get("layer99"));
            assertEquals("tensor 'layer99' not found in " + file + "; it has 12 tensors: layer0, layer1, layer2, "
                    + "layer3, layer4, layer5, layer6, layer7, layer8, layer9, ... (2 more)", e.getMessage());
        }
    }

    @Test
    void accessAfterCloseThrowsInsteadOfCrashing() throws IOException {
        Path file = dir.resolve("closed.safetensors");
        SafeTensorsFile.write(file, List.of(SafeTensor.ofFloats("w", new long[] {2}, new float[] {1, 2})),
                Map.of("k", "v"));
        SafeTensorsFile read = SafeTensorsFile.read(file);
        SafeTensor w = read.get("w");
        read.close();
        read.close(); // idempotent

        assertThrows(IllegalStateException.class, w::toFloatArray);
        var e = assertThrows(IllegalStateException.class, () -> read.get("w"));
        assertEquals(file + " is closed", e.getMessage());
        assertThrows(IllegalStateException.class, read::tensors);
        assertEquals(List.of("w"), read.names());
        assertEquals(Map.of("k", "v"), read.metadata());
    }

    @Test
    void readTensorsAreReadOnly() throws IOException {
        Path file = dir.resolve("ro.safetensors");
        SafeTensorsFile.write(file, List.of(SafeTensor.ofFloats("w", new long[] {1}, new float[] {1})));
        try (SafeTensorsFile read = SafeTensorsFile.read(file)) {
            assertTrue(read.get("w").data().isReadOnly());
            assertThrows(IllegalArgumentException.class,
                    () -> read.get("w").data().set(ValueLayout.JAVA_BYTE, 0, (byte) 1));
        }
    }

    private List<Path> listDir() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }

    private static SafeTensor randomTensor(String name, SafeDType dtype, long[] shape, Random random) {
        long numel = 1;
        for (long d : shape) {
            numel *= d;
        }
        byte[] bytes = new byte[Math.toIntExact(numel * dtype.byteSize())];
        random.nextBytes(bytes);
        return SafeTensor.ofBytes(name, dtype, shape, bytes);
    }
}
