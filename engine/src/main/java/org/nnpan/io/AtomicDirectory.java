package org.nnpan.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A directory that is only ever replaced as a whole, such as a checkpoint: the new contents are written to
 * {@code <dir>.next}, the old directory is renamed to {@code <dir>.prev}, the new one is renamed into place and the
 * old one deleted. An interruption at any moment leaves {@code <dir>} or {@code <dir>.prev} complete, and
 * {@link #latest} finds it; files of two versions never mix.
 */
public final class AtomicDirectory {
    private final Path current;
    private final Path previous;
    private final Path next;

    /** The directory {@code dir}, with its siblings {@code dir.next} and {@code dir.prev}. */
    public AtomicDirectory(Path dir) {
        this.current = dir;
        this.previous = dir.resolveSibling(dir.getFileName() + ".prev");
        this.next = dir.resolveSibling(dir.getFileName() + ".next");
    }

    /** Fills an empty directory with a new version. */
    @FunctionalInterface
    public interface Contents {
        /** Writes everything into {@code directory}. */
        void writeTo(Path directory) throws IOException;
    }

    /** Writes what {@code contents} puts into an empty directory (parents created), then makes it the directory. */
    public void replace(Contents contents) throws IOException {
        deleteTree(next);
        Files.createDirectories(next);
        contents.writeTo(next);
        if (Files.exists(current)) {
            // Only now is the older copy no longer needed: the current one stays complete until it is renamed.
            deleteTree(previous);
            Files.move(current, previous, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(next, current, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(previous);
    }

    /**
     * The newest complete version: the directory itself if it holds the file {@code marker}, else its {@code .prev}
     * if that does, else null.
     */
    public Path latest(String marker) {
        if (Files.isRegularFile(current.resolve(marker))) {
            return current;
        }
        return Files.isRegularFile(previous.resolve(marker)) ? previous : null;
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
