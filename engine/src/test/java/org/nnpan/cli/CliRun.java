package org.nnpan.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

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

    /** {@code nnpan-engine prune args}: {exit code, stdout + stderr}. */
    static String[] prune(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "prune";
        System.arraycopy(args, 0, all, 1, args.length);
        return main(all);
    }
}
