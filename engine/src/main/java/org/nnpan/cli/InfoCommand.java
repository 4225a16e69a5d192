package org.nnpan.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.nnpan.backend.Backends;
import org.nnpan.data.Datasets;
import org.nnpan.kernels.parallel.Parallel;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code nnpan-engine info}: what this JVM and machine give the engine. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show the JDK, thread pool, SIMD support, compute backends and datasets found.")
final class InfoCommand implements Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.printf("nnpan-engine %s%n", Main.version());
        out.printf("JDK           %s (%s)%n", Runtime.version(), System.getProperty("java.vm.vendor"));
        Parallel pool = Parallel.get();
        out.printf("threads       %d intra-op (set with --threads or -Dnnpan.threads=N); idle ones spin %d µs before "
                + "sleeping (-Dnnpan.spinMicros=N)%n", pool.threads(), pool.spinMicros());
        out.printf("backend       %s (default for new tensors)%n", Backends.current().name());
        for (String line : SystemInfo.lines()) {
            out.println(line);
        }
        for (String name : Datasets.names()) {
            out.printf("%-13s %s%n", name, Datasets.availability(name));
        }
        return 0;
    }
}
