package org.nnpan.data;

import java.io.IOException;
import java.io.Serial;

/**
 * A data set's files are not where they were looked for. The message is a single line that says where the search
 * went and how to fix it, fit to show a user as it is.
 */
public final class DatasetNotFoundException extends IOException {

    @Serial
    private static final long serialVersionUID = 1L;

    public DatasetNotFoundException(String message) {
        super(message);
    }
}
