package org.nnpan.io.safetensors;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file is not valid safetensors. Checked, as an {@link IOException}, because a corrupt or truncated
 * file is an I/O failure callers already handle when reading; the message names the file and the
 * problem, e.g. {@code "model.safetensors: tensor 'fc.weight': unknown dtype 'U32'"}.
 */
public final class SafeTensorsFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    /** A problem with {@code file}, described by {@code problem}. */
    public SafeTensorsFormatException(Path file, String problem) {
        this(file, problem, null);
    }

    /** A problem with {@code file}, described by {@code problem} and caused by {@code cause}. */
    public SafeTensorsFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file that is malformed. */
    public Path file() {
        return file;
    }
}
