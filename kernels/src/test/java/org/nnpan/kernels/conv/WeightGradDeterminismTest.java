package org.nnpan.kernels.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The vector weight gradient gives the same bits whether the Vector API runs interpreted (the first calls of every
 * process) or compiled by C2: a run's results must not depend on when the JIT got to a kernel. Each side runs in its
 * own child JVM, so what this JVM has compiled already cannot hide a difference.
 */
class WeightGradDeterminismTest {

    @Test
    void rowKernelInterpretedAndCompiledAgreeBitForBit() throws Exception {
        assertTrue(RowDotWeightGrad.preferredFor(WeightGradProbe.GEOMETRY, WeightGradProbe.OUT_CHANNELS),
                "the probe's shape must exercise the row dot-product kernel");
        assertSameBits("rows");
    }

    @Test
    void tileKernelInterpretedAndCompiledAgreeBitForBit() throws Exception {
        assertFalse(RowDotWeightGrad.preferredFor(WeightGradProbe.TILE_GEOMETRY, WeightGradProbe.TILE_OUT_CHANNELS),
                "the probe's tile shape must exercise the register-tile kernel");
        assertSameBits("tiles");
    }

    private static void assertSameBits(String shape) throws Exception {
        String interpreted = probe(List.of("-Xint"), 0, shape);
        String compiled = probe(List.of(), 5000, shape);
        assertTrue(interpreted.contains("kernel=VectorBatchConv crc="), interpreted);
        assertEquals(interpreted, compiled);
    }

    private static String probe(List<String> jvmOptions, int warmup, String shape)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), WeightGradProbe.class.getName(),
                Integer.toString(warmup), shape));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "probe timed out");
        return out.lines().filter(l -> l.startsWith("kernel=")).findFirst().orElse(out);
    }
}
