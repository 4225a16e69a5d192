package org.nnpan.io.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Interoperation with the reference implementation (the {@code safetensors} Python package).
 *
 * <p>The fixture was written by {@code tests/reference/make_safetensors_fixture.py} with safetensors 0.8.0
 * and PyTorch; the values asserted here are the ones that script saves.
 */
class SafeTensorsInteropTest {
    private static final String FIXTURE = "/fixtures/safetensors/reference.safetensors";

    @TempDir
    Path dir;

    @Test
    void readsEveryValueTheReferenceWrote() throws IOException {
        try (SafeTensorsFile file = SafeTensorsFile.read(fixture())) {
            assertEquals(Map.of("producer", "nnpan-fixture"), file.metadata());
            // The reference lays tensors out by descending alignment, then name.
            assertEquals(List.of("i64", "step", "f64", "empty", "weight", "i32", "bf16", "f16", "i16", "i8", "u8",
                    "mask"), file.names());

            assertTensor(file.get("weight"), SafeDType.F32, 2, 3);
            assertArrayEquals(new float[] {-1, -0.5f, 0, 0.5f, 1, 1.5f}, file.get("weight").toFloatArray());
            assertTensor(file.get("f64"), SafeDType.F64, 3);
            assertArrayEquals(new double[] {0.1, -2.0, 1e300}, file.get("f64").toDoubleArray());
            assertTensor(file.get("f16"), SafeDType.F16, 5);
            assertArrayEquals(new float[] {1, -2.5f, 65504, 0x1p-14f, 0x1p-24f}, file.get("f16").toFloatArray());
            assertTensor(file.get("bf16"), SafeDType.BF16, 4);
            assertArrayEquals(new float[] {1, -3.140625f, 0x1p-130f, 0x1p100f}, file.get("bf16").toFloatArray());
            assertTensor(file.get("i64"), SafeDType.I64, 4);
            assertArrayEquals(new long[] {Long.MIN_VALUE, Long.MAX_VALUE, 0, -1}, file.get("i64").toLongArray());
            assertTensor(file.get("i32"), SafeDType.I32, 3);
            assertArrayEquals(new int[] {Integer.MIN_VALUE, Integer.MAX_VALUE, 7}, file.get("i32").toIntArray());
            assertTensor(file.get("i16"), SafeDType.I16, 2);
            assertArrayEquals(new int[] {-32768, 32767}, file.get("i16").toIntArray());
            assertTensor(file.get("i8"), SafeDType.I8, 3);
            assertArrayEquals(new int[] {-128, 127, 0}, file.get("i8").toIntArray());
            assertTensor(file.get("u8"), SafeDType.U8, 3);
            assertArrayEquals(new int[] {0, 255, 128}, file.get("u8").toIntArray());
            assertTensor(file.get("mask"), SafeDType.BOOL, 2, 2);
            assertArrayEquals(new int[] {1, 0, 0, 1}, file.get("mask").toIntArray());
            assertTensor(file.get("step"), SafeDType.I64);
            assertArrayEquals(new long[] {42}, file.get("step").toLongArray());
            assertTensor(file.get("empty"), SafeDType.F32, 0, 4);
            assertEquals(0, file.get("empty").toFloatArray().length);
        }
    }

    @Test
    void rewritingTheReferenceFileKeepsItsHeaderAndData() throws IOException {
        Path copy = dir.resolve("copy.safetensors");
        try (SafeTensorsFile file = SafeTensorsFile.read(fixture())) {
            SafeTensorsFile.write(copy, file.tensors(), file.metadata());
        }
        Layout reference = Layout.of(Files.readAllBytes(fixture()));
        Layout ours = Layout.of(Files.readAllBytes(copy));
        ObjectMapper json = new ObjectMapper();
        assertEquals(json.readTree(reference.header()), json.readTree(ours.header()));
        assertArrayEquals(reference.data(), ours.data());
        assertEquals(0, ours.header().length % 8);
    }

    /** A tiny file built from the format's definition alone, checked against both reader and writer. */
    @Test
    void matchesTheSpecificationByteForByte() throws IOException {
        String header = "{\"__metadata__\":{\"k\":\"v\"},"
                + "\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        byte[] data = {0, 0, (byte) 0x80, 0x3F, 0, 0, 0, (byte) 0xC0}; // 1.0f, -2.0f little-endian
        Path handMade = SafeTensorsBytes.write(dir, "hand.safetensors", SafeTensorsBytes.file(header, data));
        try (SafeTensorsFile file = SafeTensorsFile.read(handMade)) {
            assertEquals(Map.of("k", "v"), file.metadata());
            assertArrayEquals(new float[] {1, -2}, file.get("x").toFloatArray());
        }

        Path written = dir.resolve("written.safetensors");
        SafeTensorsFile.write(written, List.of(SafeTensor.ofFloats("x", new long[] {2}, new float[] {1, -2})),
                Map.of("k", "v"));
        Layout ours = Layout.of(Files.readAllBytes(written));
        ObjectMapper json = new ObjectMapper();
        assertEquals(json.readTree(header), json.readTree(ours.header()));
        assertArrayEquals(data, ours.data());
    }

    private static void assertTensor(SafeTensor tensor, SafeDType dtype, long... shape) {
        assertEquals(dtype, tensor.dtype(), tensor.name());
        assertArrayEquals(shape, tensor.shape(), tensor.name());
    }

    private static Path fixture() {
        try {
            return Path.of(SafeTensorsInteropTest.class.getResource(FIXTURE).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A file split by its length prefix into header bytes and data bytes. */
    private record Layout(byte[] header, byte[] data) {
        static Layout of(byte[] file) {
            int headerLength = Math.toIntExact(ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong());
            return new Layout(Arrays.copyOfRange(file, 8, 8 + headerLength),
                    Arrays.copyOfRange(file, 8 + headerLength, file.length));
        }
    }
}
