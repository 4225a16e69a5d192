package org.nnpan.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Preparing the directories that commands write into, with one-line errors that name them. */
public final class OutputDirectories {
    private OutputDirectories() {
    }

    /**
     * Creates {@code dir} (and its parents) if missing and checks that it can be written.
     *
     * @param what names the directory in errors, e.g. {@code "--out directory"}
     * @throws IllegalArgumentException "cannot create WHAT DIR: …" or "WHAT DIR is not writable"
     */
    public static void prepare(Path dir, String what) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot create " + what + " " + dir + ": " + e, e);
        }
        if (!Files.isWritable(dir)) {
            throw new IllegalArgumentException(what + " " + dir + " is not writable");
        }
    }
}
