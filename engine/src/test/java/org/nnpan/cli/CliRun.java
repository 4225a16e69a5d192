package org.nnpan.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** Runs CLI commands in-process for tests and captures what they print. */
final class CliRun {
    private CliRun() {
    }

    /** {@code nnpan-engine args} through {@link Main#run}, stdout and stderr captured: {exit code, output}. */
    static String[] main(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(buf, true, StandardCharsets.UTF_8);
        System.setOut(capture);
        System.setErr(capture);
        try {
            return new String[] {Integer.toString(Main.run(args)), buf.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    /** {@code prune args} on picocli's own writers: {exit code, stdout + stderr}. */
    static String[] prune(String... args) {
        StringWriter text = new StringWriter();
        CommandLine cli = new CommandLine(new PruneCommand());
        cli.setOut(new PrintWriter(text, true));
        cli.setErr(new PrintWriter(text, true));
        int code = cli.execute(args);
        return new String[] {Integer.toString(code), text.toString()};
    }
}
