package org.nnpan.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Restarts {@code java -jar nnpan-engine.jar} with the Vector API module. The SIMD GEMM and convolution kernels
 * need {@code --add-modules jdk.incubator.vector}, which a jar manifest cannot request, so without this a user's
 * first command would quietly run on the slower paths. The child JVM gets the parent's JVM options and arguments,
 * shares its terminal, and its exit code is passed on; the cost is one extra JVM start (a fraction of a second).
 *
 * <p>Set {@code -Dnnpan.relaunch=false} (or start java with the module yourself) to run in the first JVM.
 */
final class VectorRelaunch {
    /** System property that turns the restart off; the child gets it too, so it never restarts again. */
    static final String PROPERTY = "nnpan.relaunch";
    private static final String MODULE = "jdk.incubator.vector";

    private VectorRelaunch() {
    }

    /**
     * The child's command line, or empty when this JVM already has the module, the restart is switched off, or the
     * module does not exist in this JDK.
     */
    static Optional<List<String>> command(String[] args) {
        if (SystemInfo.vectorApiEnabled() || "false".equals(System.getProperty(PROPERTY))
                || ModuleFinder.ofSystem().find(MODULE).isEmpty()
                || ModuleFinder.ofSystem().find("java.management").isEmpty()) {
            return Optional.empty();
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return Optional.of(command(java.toString(), ManagementFactory.getRuntimeMXBean().getInputArguments(),
                System.getProperty("java.class.path"), args));
    }

    /** {@code java <parent's options> --add-modules jdk.incubator.vector ... -cp CLASSPATH Main ARGS}. */
    static List<String> command(String java, List<String> jvmOptions, String classPath, String[] args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(jvmOptions);
        cmd.add("--add-modules=" + MODULE);
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-D" + PROPERTY + "=false");
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * Runs the child with this process's standard streams and returns its exit code, or empty if it could not be
     * started (then the caller runs in this JVM).
     */
    static OptionalInt run(List<String> command) {
        try {
            Process child = new ProcessBuilder(command).inheritIO().start();
            // Ctrl-C reaches both processes (same process group); this hook covers a plain kill of the parent.
            Thread stop = new Thread(child::destroy);
            Runtime.getRuntime().addShutdownHook(stop);
            int code = child.waitFor();
            Runtime.getRuntime().removeShutdownHook(stop);
            return OptionalInt.of(code);
        } catch (IOException e) {
            System.err.println("note: could not restart java with --add-modules " + MODULE + " (" + e.getMessage()
                    + "); running without the SIMD kernels");
            return OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalInt.of(Main.EXIT_FAILURE);
        }
    }
}
