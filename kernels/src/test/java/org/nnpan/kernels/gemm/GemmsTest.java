package org.nnpan.kernels.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.nnpan.nativebind.blas.Cblas;

class GemmsTest {

    @Test
    void automaticChoicePrefersWideVectorsThenNativeThenVector() {
        Gemms.Choice choice = Gemms.choose(null);
        // Surefire runs with --add-modules jdk.incubator.vector.
        assertTrue(Gemms.vectorApiAvailable());
        boolean wide = VectorGemm.lanes() >= 16;
        assertEquals(wide || !Cblas.isAvailable() ? "vector" : "native", choice.gemm().name());
        assertEquals(choice.gemm().name(), Gemms.choose(" ").gemm().name());
        assertFalse(Gemms.describe().isBlank());
        assertEquals(Gemms.best().name(), Gemms.describe().substring(0, Gemms.best().name().length()));
    }

    @Test
    void propertyForcesAChoice() {
        assertInstanceOf(VectorGemm.class, Gemms.choose("vector").gemm());
        assertInstanceOf(ScalarGemm.class, Gemms.choose("scalar").gemm());
        assertTrue(Gemms.choose("scalar").description().contains("forced by -Dnnpan.gemm=scalar"));
        if (Cblas.isAvailable()) {
            assertInstanceOf(NativeGemm.class, Gemms.choose("native").gemm());
        } else {
            assertThrows(IllegalStateException.class, () -> Gemms.choose("native"));
        }
    }

    @Test
    void unknownNameListsTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Gemms.choose("cuda"));
        assertTrue(e.getMessage().contains("native, vector, scalar"), e.getMessage());
        assertTrue(e.getMessage().contains("'cuda'"), e.getMessage());
    }

    /** Without --add-modules jdk.incubator.vector the engine must still pick and run a GEMM. */
    @Test
    void worksWithoutTheVectorModule() throws Exception {
        String out = probe();
        assertTrue(out.contains("right=true"), out);
        assertTrue(out.contains("chosen=" + (Cblas.isAvailable() ? "native" : "scalar")), out);
        assertTrue(probe("-Dnnpan.gemm=scalar").contains("chosen=scalar right=true"));
        String forced = probe("-Dnnpan.gemm=vector");
        assertTrue(forced.contains("IllegalStateException") && forced.contains("--add-modules jdk.incubator.vector"),
                forced);
    }

    private static String probe(String... jvmOptions) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), GemmsProbe.class.getName()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "probe timed out");
        return out;
    }
}
