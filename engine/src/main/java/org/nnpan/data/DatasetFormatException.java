package org.nnpan.data;

import java.io.IOException;
import java.io.Serial;
import java.nio.file.Path;

/** A data file that exists but is not what its format requires; the message names the file and the problem. */
public final class DatasetFormatException extends IOException {

    @Serial
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public DatasetFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    /** The offending file. */
    public Path file() {
        return file;
    }
}
