package org.nnpan.io.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Builds safetensors files byte by byte, so tests control every byte a reader sees. */
final class SafeTensorsBytes {
    private SafeTensorsBytes() {
    }

    /** The 8-byte little-endian length prefix for a header of {@code headerLength} bytes. */
    static byte[] lengthPrefix(long headerLength) {
        return ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLength).array();
    }

    /** A file's bytes: the length prefix, {@code header} as UTF-8 (unpadded), then {@code data}. */
    static byte[] file(String header, byte[] data) {
        return concat(lengthPrefix(header.getBytes(StandardCharsets.UTF_8).length),
                header.getBytes(StandardCharsets.UTF_8), data);
    }

    /** Writes {@code bytes} to {@code name} in {@code dir}. */
    static Path write(Path dir, String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    static byte[] concat(byte[]... parts) {
        ByteBuffer out = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(p -> p.length).sum());
        for (byte[] part : parts) {
            out.put(part);
        }
        return out.array();
    }
}
