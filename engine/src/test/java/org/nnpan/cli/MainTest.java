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
    void everyCommandsHelpRendersWithoutFormatWarnings() {
        // A lone '%' in a description is a format conversion to picocli: it warns and prints the raw text.
        java.util.List<String> commands = new java.util.ArrayList<>(
                new picocli.CommandLine(new Main()).getSubcommands().keySet());
        commands.add("");
        for (String command : commands) {
            String[] r = command.isEmpty() ? run("--help") : run(command, "--help");
            assertEquals("0", r[0], command + ": " + r[1]);
            assertTrue(!r[1].contains("picocli WARN") && !r[1].contains("%n"), command + ": " + r[1]);
        }
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
        assertTrue(r[1].contains("-Dnnpan.spinMicros"), r[1]);
        assertTrue(r[1].contains("backend       cpu"), r[1]);
        assertTrue(r[1].contains("gemm          "), r[1]);
    }

    @Test
    void infoSaysForEveryDatasetWhetherItIsThereOrHowToGetIt() {
        String out = run("info")[1];
        for (String name : org.nnpan.data.Datasets.names()) {
            assertTrue(out.lines().anyMatch(l -> l.startsWith(name + " ")), name + " missing in:\n" + out);
        }
        assertTrue(out.contains("synthetic     generated on demand"), out);
        assertTrue(out.contains("cifar10       no default location: download the CIFAR-10"), out);
        assertTrue(out.lines().anyMatch(l -> l.matches("fashion-mnist +(found in|not found in) /usr/share/datasets/"
                + "fashion-mnist.*")), out);
    }
}
