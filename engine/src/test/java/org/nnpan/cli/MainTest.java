package org.nnpan.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MainTest {

    private static String[] run(String... args) {
        return CliRun.main(args);
    }

    @Test
    void helpListsCommandsAndExitsZero() {
        String[] r = run("--help");
        assertEquals("0", r[0]);
        assertTrue(r[1].contains("info"), r[1]);
        assertTrue(r[1].contains("Usage: nnpan-engine"), r[1]);
    }

    @Test
    void versionNamesTheProjectVersion() {
        String[] r = run("--version");
        assertEquals("0", r[0]);
        assertTrue(r[1].startsWith("nnpan-engine " + Main.version()), r[1]);
        assertTrue(!Main.version().contains("${"), "version resource was not filtered: " + Main.version());
    }

    @Test
    void unknownCommandIsAUsageError() {
        String[] r = run("no-such-command");
        assertEquals("2", r[0]);
        assertTrue(r[1].contains("no-such-command"), r[1]);
    }

    @Test
    void infoReportsThreadsAndBackend() {
        String[] r = run("info");
        assertEquals("0", r[0]);
        assertTrue(r[1].contains("threads"), r[1]);
        assertTrue(r[1].contains("backend       cpu"), r[1]);
        assertTrue(r[1].contains("gemm          "), r[1]);
    }
}
