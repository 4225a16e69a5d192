package org.nnpan.data;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/** File helpers shared by the readers. */
final class DataFiles {

    private DataFiles() {
    }

    /**
     * The whole content of {@code file}, gunzipped if it starts with the gzip magic bytes {@code 1f 8b} (the name is
     * not consulted, so a compressed file without {@code .gz} and a plain one with it both read correctly).
     */
    static byte[] readMaybeGzipped(Path file) throws IOException {
        byte[] raw = Files.readAllBytes(file);
        if (raw.length < 2 || raw[0] != (byte) 0x1f || raw[1] != (byte) 0x8b) {
            return raw;
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
            return in.readAllBytes();
        } catch (ZipException | EOFException e) {
            throw new DatasetFormatException(file, "corrupt gzip data (" + e.getMessage() + ")");
        }
    }

    /** {@code dir/baseName} if it is a regular file, else {@code dir/baseName.gz} if that is, else null. */
    static Path findPlainOrGzipped(Path dir, String baseName) {
        for (String name : new String[] {baseName, baseName + ".gz"}) {
            Path candidate = dir.resolve(name);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** Fails unless {@code label} lies in {@code [0, numClasses)}. */
    static void checkLabel(Path file, String what, int label, int numClasses) throws DatasetFormatException {
        if (label >= numClasses) {
            throw new DatasetFormatException(file, what + " is " + label + ", outside [0, " + numClasses + ")");
        }
    }
}
