package org.nnpan.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole-directory replacement: the newest complete version is always found, whatever was interrupted. */
class AtomicDirectoryTest {
    private static final String MARKER = "state.txt";

    private static AtomicDirectory.Contents version(String text) {
        return dir -> Files.writeString(dir.resolve(MARKER), text);
    }

    private static String latestText(AtomicDirectory d) throws IOException {
        return Files.readString(d.latest(MARKER).resolve(MARKER));
    }

    @Test
    void everyReplacementLeavesOnlyTheNewVersion(@TempDir Path root) throws IOException {
        Path dir = root.resolve("a/checkpoint");
        AtomicDirectory d = new AtomicDirectory(dir);
        assertNull(d.latest(MARKER));
        for (int i = 1; i <= 3; i++) {
            d.replace(version("v" + i));
            assertEquals(dir, d.latest(MARKER));
            assertEquals("v" + i, latestText(d));
            assertFalse(Files.exists(root.resolve("a/checkpoint.prev")));
            assertFalse(Files.exists(root.resolve("a/checkpoint.next")));
        }
    }

    @Test
    void aFailedWriteKeepsTheCurrentVersion(@TempDir Path root) throws IOException {
        AtomicDirectory d = new AtomicDirectory(root.resolve("checkpoint"));
        d.replace(version("v1"));
        assertThrows(IOException.class, () -> d.replace(dir -> {
            Files.writeString(dir.resolve(MARKER), "half");
            throw new IOException("disk full");
        }));
        assertEquals("v1", latestText(d));
        d.replace(version("v2"));
        assertEquals("v2", latestText(d));
    }

    @Test
    void anInterruptedSwapLeavesThePreviousVersionUntilTheNextIsInPlace(@TempDir Path root) throws IOException {
        // The state a crash between the two renames leaves: only checkpoint.prev is complete.
        Files.createDirectories(root.resolve("checkpoint.prev"));
        Files.writeString(root.resolve("checkpoint.prev").resolve(MARKER), "v1");
        AtomicDirectory d = new AtomicDirectory(root.resolve("checkpoint"));
        assertEquals(root.resolve("checkpoint.prev"), d.latest(MARKER));
        assertThrows(IOException.class, () -> d.replace(dir -> {
            throw new IOException("killed");
        }));
        assertEquals("v1", latestText(d));
        d.replace(version("v2"));
        assertEquals(root.resolve("checkpoint"), d.latest(MARKER));
        assertFalse(Files.exists(root.resolve("checkpoint.prev")));
    }
}
