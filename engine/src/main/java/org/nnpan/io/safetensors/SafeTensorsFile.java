package org.nnpan.io.safetensors;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.stream.Collectors;

/**
 * A safetensors file, memory-mapped for reading; also the entry point for writing one.
 *
 * <p>{@link #read} maps the whole file and checks its header; tensors are then views of the mapping
 * (no copy). The mapping lives until {@link #close}: after that {@link #get} and {@link #tensors} throw
 * {@link IllegalStateException}, and so does any access to the data of tensors obtained earlier, rather
 * than touching unmapped memory. Names, metadata and {@link #contains} stay available. An open file may be
 * used from several threads. Replace mapped files only by {@link #write} (which renames a new file into
 * place); truncating one in place while it is mapped makes reads of it fail.
 *
 * <p>Tensors are listed in data-offset order, a stable order although the format leaves the header's key
 * order unspecified.
 */
public final class SafeTensorsFile implements AutoCloseable {
    private static final int LENGTH_PREFIX_BYTES = Long.BYTES;
    private static final ValueLayout.OfLong LE_U64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Staging buffer size for writing tensor data of any memory kind to a channel. */
    private static final int WRITE_CHUNK_BYTES = 1 << 20;
    /** How many available names a "not found" message lists. */
    private static final int NAMES_IN_MESSAGES = 10;

    private final Path path;
    private final Arena arena;
    private final SequencedMap<String, SafeTensor> tensors;
    private final Map<String, String> metadata;

    private SafeTensorsFile(Path path, Arena arena, SequencedMap<String, SafeTensor> tensors,
                            Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /**
     * Maps {@code path} and checks its header and offsets.
     *
     * @throws SafeTensorsFormatException naming the file and the problem, if it is not valid safetensors
     * @throws IOException                if it cannot be opened or mapped
     */
    public static SafeTensorsFile read(Path path) throws IOException {
        // Shared, so that tensors can be read from any thread, and closing is safe even while they are.
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < LENGTH_PREFIX_BYTES) {
                throw new SafeTensorsFormatException(path,
                        "file too short: %d bytes, need at least 8 for the header length".formatted(size));
            }
            MemorySegment file = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long headerBytes = file.get(LE_U64, 0);
            long afterPrefix = size - LENGTH_PREFIX_BYTES;
            if (Long.compareUnsigned(headerBytes, afterPrefix) > 0) {
                throw new SafeTensorsFormatException(path,
                        "header length %s exceeds the %d bytes after the length prefix"
                                .formatted(Long.toUnsignedString(headerBytes), afterPrefix));
            }
            if (headerBytes > SafeTensorsHeader.MAX_HEADER_BYTES) {
                throw new SafeTensorsFormatException(path, "header length %d exceeds the format's limit of %d bytes"
                        .formatted(headerBytes, SafeTensorsHeader.MAX_HEADER_BYTES));
            }
            byte[] json = file.asSlice(LENGTH_PREFIX_BYTES, headerBytes).toArray(ValueLayout.JAVA_BYTE);
            MemorySegment data = file.asSlice(LENGTH_PREFIX_BYTES + headerBytes).asReadOnly();
            SafeTensorsHeader header = SafeTensorsHeader.decode(path, json, data.byteSize());
            SequencedMap<String, SafeTensor> tensors = new LinkedHashMap<>();
            for (SafeTensorsHeader.TensorEntry entry : header.tensors()) {
                MemorySegment bytes = data.asSlice(entry.begin(), entry.end() - entry.begin());
                tensors.put(entry.name(), new SafeTensor(entry.name(), entry.dtype(), entry.shape(), bytes));
            }
            return new SafeTensorsFile(path, arena, tensors, header.metadata());
        } catch (Throwable failure) {
            arena.close();
            throw failure;
        }
    }

    /** Writes {@code tensors} with no metadata; see {@link #write(Path, Collection, Map)}. */
    public static void write(Path path, Collection<SafeTensor> tensors) throws IOException {
        write(path, tensors, Map.of());
    }

    /**
     * Writes {@code tensors}, with their data laid out in iteration order, and {@code metadata} to
     * {@code path} atomically: a temporary file beside it is written, forced to disk and renamed over it,
     * so readers (including a {@link SafeTensorsFile} still mapping the old file) never see a partial one.
     * Tensor data is streamed from its segments, on- or off-heap, without copying whole tensors.
     *
     * @throws IllegalArgumentException on duplicate tensor names or a tensor named {@code "__metadata__"};
     *                                  nothing is written then
     * @throws IOException              if writing fails; {@code path} is then left as it was
     */
    public static void write(Path path, Collection<SafeTensor> tensors, Map<String, String> metadata)
            throws IOException {
        List<SafeTensor> ordered = List.copyOf(tensors);
        byte[] header = SafeTensorsHeader.encode(ordered, metadata);
        AtomicFiles.write(path, channel -> {
            ByteBuffer prefix = ByteBuffer.allocate(LENGTH_PREFIX_BYTES + header.length)
                    .order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).put(header).flip();
            writeFully(channel, prefix);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment staging = arena.allocate(WRITE_CHUNK_BYTES);
                for (SafeTensor tensor : ordered) {
                    writeSegment(channel, tensor.data(), staging);
                }
            }
        });
    }

    /** The file this was read from. */
    public Path path() {
        return path;
    }

    /** The tensor names, in data-offset order. */
    public List<String> names() {
        return List.copyOf(tensors.sequencedKeySet());
    }

    /** Whether the file has a tensor called {@code name}. */
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /**
     * The tensor called {@code name}, viewing the mapping.
     *
     * @throws IllegalArgumentException listing some available names, if there is none called {@code name}
     * @throws IllegalStateException    if this file is closed
     */
    public SafeTensor get(String name) {
        requireOpen();
        SafeTensor tensor = tensors.get(name);
        if (tensor == null) {
            throw new IllegalArgumentException("tensor '%s' not found in %s; it has %d tensors: %s"
                    .formatted(name, path, tensors.size(), someNames()));
        }
        return tensor;
    }

    /**
     * All tensors, in data-offset order, viewing the mapping.
     *
     * @throws IllegalStateException if this file is closed
     */
    public List<SafeTensor> tensors() {
        requireOpen();
        return List.copyOf(tensors.sequencedValues());
    }

    /** The {@code "__metadata__"} entries, empty if the file has none. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Unmaps the file; idempotent. */
    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "SafeTensorsFile[" + path + ", " + tensors.size() + " tensors]";
    }

    private void requireOpen() {
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException(path + " is closed");
        }
    }

    private String someNames() {
        String listed = tensors.sequencedKeySet().stream().limit(NAMES_IN_MESSAGES).collect(Collectors.joining(", "));
        int more = tensors.size() - NAMES_IN_MESSAGES;
        return more > 0 ? listed + ", ... (" + more + " more)" : listed;
    }

    /**
     * Copies {@code data} to the channel through an off-heap staging buffer, which works for segments of
     * every kind (native, mapped, any heap array) where {@link MemorySegment#asByteBuffer} does not.
     */
    private static void writeSegment(FileChannel channel, MemorySegment data, MemorySegment staging)
            throws IOException {
        for (long done = 0; done < data.byteSize(); ) {
            long chunk = Math.min(staging.byteSize(), data.byteSize() - done);
            MemorySegment.copy(data, done, staging, 0, chunk);
            writeFully(channel, staging.asSlice(0, chunk).asByteBuffer());
            done += chunk;
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }
}
