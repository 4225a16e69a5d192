package org.nnpan.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * Restarts {@code java -jar nnpan-engine.jar} with the Vector API module. The SIMD GEMM and convolution kernels
 * need {@code --add-modules jdk.incubator.vector}, which a jar manifest cannot request, so without this a user's
 * first command would quietly run on the slower paths. The child JVM gets the parent's JVM options and arguments,
 * shares its terminal, and its exit code is passed on; the cost is one extra JVM start (a fraction of a second).
 *
 * <p>The child also gets nnpan's {@linkplain #heapDefaults heap settings} unless the user's own options choose a
 * collector or a young-generation size. Set {@code -Dnnpan.relaunch=false} (or start java with the module yourself)
 * to run in the first JVM, with the JVM's defaults.
 */
final class VectorRelaunch {
    /** System property that turns the restart off; the child gets it too, so it never restarts again. */
    static final String PROPERTY = "nnpan.relaunch";
    private static final String MODULE = "jdk.incubator.vector";
    /** JVM options that choose a garbage collector ({@code -XX:+UseG1GC}, {@code -XX:-UseSerialGC}, ...). */
    private static final Pattern CHOOSES_COLLECTOR = Pattern.compile("-XX:[+-]Use\\w+GC");
    /** JVM options that size the young generation. */
    private static final List<String> SIZES_YOUNG = List.of("-Xmn", "-XX:NewSize=", "-XX:MaxNewSize=", "-XX:NewRatio=");
    /** Young generation of the child: large enough that a training step's few MB of garbage rarely fills it. */
    static final String YOUNG_SIZE = "-Xmn64m";

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

    /** {@code java <heap defaults> <parent's options> --add-modules jdk.incubator.vector ... -cp CLASSPATH Main ARGS}. */
    static List<String> command(String java, List<String> jvmOptions, String classPath, String[] args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(heapDefaults(jvmOptions));
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
     * The serial collector with a {@value #YOUNG_SIZE} young generation, each unless {@code jvmOptions} already choose
     * a collector or size the young generation. Tensors live off-heap and the kernels reuse per-thread buffers, so
     * the heap holds a few MB of live objects; its garbage comes mostly from JIT warm-up (the Vector API boxes every
     * vector until a kernel is compiled). The JVM's default collector here, G1, grows its young generation to
     * hundreds of MB on that burst and keeps it, which was a third of a ResNet-20 training step's resident memory
     * (docs/benchmarks.md); a fixed small young generation costs a few short collections instead. The old
     * generation still grows to the JVM's default maximum heap for whatever a command keeps (datasets).
     */
    static List<String> heapDefaults(List<String> jvmOptions) {
        List<String> defaults = new ArrayList<>();
        if (jvmOptions.stream().noneMatch(o -> CHOOSES_COLLECTOR.matcher(o).matches())) {
            defaults.add("-XX:+UseSerialGC");
        }
        if (jvmOptions.stream().noneMatch(o -> SIZES_YOUNG.stream().anyMatch(o::startsWith))) {
            defaults.add(YOUNG_SIZE);
        }
        return defaults;
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
