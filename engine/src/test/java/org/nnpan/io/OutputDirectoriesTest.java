package org.nnpan.io;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputDirectoriesTest {
    @Test
    void createsMissingParentsAndNamesTheDirectoryWhenItCannot(@TempDir Path root) throws IOException {
        Path nested = root.resolve("a/b/c");
        OutputDirectories.prepare(nested, "run directory");
        assertTrue(Files.isDirectory(nested));
        OutputDirectories.prepare(nested, "run directory"); // an existing directory is fine

        Path blocked = Files.writeString(root.resolve("file"), "x").resolve("sub");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OutputDirectories.prepare(blocked, "--out directory"));
        assertTrue(e.getMessage().startsWith("cannot create --out directory " + blocked + ": "), e.getMessage());
    }
}
