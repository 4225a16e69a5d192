package org.nnpan.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class VectorRelaunchTest {

    @Test
    void childKeepsTheParentsOptionsAndArgumentsAndAddsTheModule() {
        List<String> cmd = VectorRelaunch.command("/jdk/bin/java", List.of("-Xmx2g", "-Dx=1"), "nnpan-engine.jar",
                new String[] {"train", "--model", "lenet5"});
        assertEquals(List.of("/jdk/bin/java", "-XX:+UseSerialGC", VectorRelaunch.YOUNG_SIZE, "-Xmx2g", "-Dx=1",
                "--add-modules=jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Dnnpan.relaunch=false", "-cp", "nnpan-engine.jar",
                "org.nnpan.cli.Main", "train", "--model", "lenet5"), cmd);
    }

    @Test
    void heapDefaultsGiveWayToTheUsersOwnChoices() {
        assertEquals(List.of("-XX:+UseSerialGC", VectorRelaunch.YOUNG_SIZE), VectorRelaunch.heapDefaults(List.of()));
        for (String gc : List.of("-XX:+UseG1GC", "-XX:+UseZGC", "-XX:+UseParallelGC", "-XX:-UseSerialGC")) {
            assertEquals(List.of(VectorRelaunch.YOUNG_SIZE), VectorRelaunch.heapDefaults(List.of("-Xmx1g", gc)), gc);
        }
        for (String young : List.of("-Xmn256m", "-XX:NewSize=32m", "-XX:MaxNewSize=1g", "-XX:NewRatio=3")) {
            assertEquals(List.of("-XX:+UseSerialGC"), VectorRelaunch.heapDefaults(List.of(young)), young);
        }
        assertEquals(List.of(), VectorRelaunch.heapDefaults(List.of("-XX:+UseG1GC", "-Xmn1g")));
    }

    /** A plain {@code java -cp ... Main info} (no module flag) must end up with the Vector API on. */
    @Test
    void aPlainStartRunsWithTheVectorApi() throws Exception {
        assertTrue(info().contains("vector API    enabled"), info());
        String off = info("-Dnnpan.relaunch=false");
        assertTrue(off.contains("vector API    not enabled"), off);
    }

    private static String info(String... jvmOptions) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "info"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out;
    }
}
