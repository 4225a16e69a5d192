package org.nnpan.data;

import java.io.Serial;

/** Making a batch failed on the prefetch thread; the cause is the original failure. */
public final class DataLoaderException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    public DataLoaderException(String message, Throwable cause) {
        super(message, cause);
    }
}
