package org.nnpan.io.safetensors;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces a file atomically: readers see the old content or the complete new one, never a partial
 * write, and a failed write leaves the old file and no temporary behind.
 */
final class AtomicFiles {
    /** Writes a file's whole content to an open channel. */
    @FunctionalInterface
    interface ContentWriter {
        void writeTo(FileChannel channel) throws IOException;
    }

    private AtomicFiles() {
    }

    /**
     * Writes {@code content} to a temporary file beside {@code target}, forces it to disk and renames it
     * over {@code target}, falling back to a plain replacing move where the file system has no atomic one.
     */
    static void write(Path target, ContentWriter content) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path directory = absolute.getParent();
        // Hidden and random, so concurrent writers and directory listings ignore it. Not createTempFile:
        // that makes the file owner-only, and the rename would give the target those permissions.
        Path temp = directory.resolve(".%s.%s.tmp".formatted(absolute.getFileName(),
                Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36)));
        try {
            try (FileChannel channel =
                         FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                content.writeTo(channel);
                channel.force(true);
            }
            try {
                Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (Throwable failure) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException cleanup) {
                failure.addSuppressed(cleanup);
            }
            throw failure;
        }
        syncDirectory(directory);
    }

    /** Makes the rename itself durable; best effort, since not every platform can open a directory. */
    private static void syncDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // The file's content is already on disk; only the rename might be lost in a crash.
        }
    }
}
