package org.nnpan.experiment;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The build's version and git commit, from a resource Maven filters at build time ({@code build.properties}).
 *
 * @param version the project version
 * @param commit  the abbreviated git commit, with {@code -dirty} if the tree had changes, or {@code unknown} when
 *                built outside a git checkout
 */
public record BuildInfo(String version, String commit) {

    /** This build's. */
    public static BuildInfo current() {
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            String commit = p.getProperty("commit", "unknown");
            boolean dirty = Boolean.parseBoolean(p.getProperty("dirty", "false"));
            return new BuildInfo(p.getProperty("version", "unknown"),
                    dirty && !commit.equals("unknown") ? commit + "-dirty" : commit);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
