package org.nnpan.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The checkpoint directory of a run, replaced as a whole like {@link org.nnpan.train.Checkpoint}'s: the new one is
 * written to {@code checkpoint.next}, the old one renamed to {@code checkpoint.prev}, the new one renamed into place
 * and the old one deleted, so an interruption at any moment leaves a complete checkpoint to resume from.
 */
final class RunCheckpoint {
    private final Path current;
    private final Path previous;
    private final Path partial;

    RunCheckpoint(Path runDirectory) {
        this.current = runDirectory.resolve("checkpoint");
        this.previous = runDirectory.resolve("checkpoint.prev");
        this.partial = runDirectory.resolve("checkpoint.next");
    }

    /** Writes what {@code contents} puts into an empty directory, then makes it the checkpoint. */
    void write(Contents contents) throws IOException {
        deleteTree(partial);
        deleteTree(previous);
        Files.createDirectories(partial);
        contents.writeTo(partial);
        if (Files.exists(current)) {
            Files.move(current, previous, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(partial, current, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(previous);
    }

    /** The directory of the newest complete checkpoint, or null when there is none. */
    Path latest() {
        if (Files.isDirectory(current)) {
            return current;
        }
        return Files.isDirectory(previous) ? previous : null;
    }

    /** Fills a checkpoint directory. */
    @FunctionalInterface
    interface Contents {
        void writeTo(Path directory) throws IOException;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
