package org.nnpan.kernels.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The choice between the vector and scalar {@link KeyBlocks}, their agreement, and top-k without the module. */
class KeyBlocksTest {

    private static final KeyBlocks VECTOR = KeyBlocks.vector();
    private static final KeyBlocks SCALAR = KeyBlocks.scalar();

    @Test
    void vectorIsChosenWhenTheModuleIsThereUnlessForcedOff() {
        // Surefire runs with --add-modules jdk.incubator.vector.
        assertTrue(KeyBlocks.vectorApiAvailable());
        assertSame(VECTOR, KeyBlocks.best());
        assertEquals("vector", KeyBlocks.choose(null).name());
        assertEquals("vector", KeyBlocks.choose(" ").name());
        assertEquals("vector", KeyBlocks.choose("auto").name());
        assertEquals("vector", KeyBlocks.choose("on").name());
        assertEquals("scalar", KeyBlocks.choose("off").name());
        assertEquals("scalar", KeyBlocks.choose(" off ").name());
    }

    @Test
    void unknownSimdValueListsTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeyBlocks.choose("avx"));
        assertTrue(e.getMessage().contains("nnpan.simd must be one of auto, on, off, got 'avx'"), e.getMessage());
    }

    /** The primitives agree on every block length (whole vectors, tails, single elements) and score shape. */
    @Test
    void scalarPrimitivesMatchTheVectorOnes() {
        Random random = new Random(42);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment offHeap = arena.allocate(3L * KeyBlocks.BLOCK * Float.BYTES);
            for (int trial = 0; trial < 2000; trial++) {
                RandomScores shape = RandomScores.values()[trial % RandomScores.values().length];
                int length = switch (trial % 4) {
                    case 0 -> 1 + random.nextInt(40);
                    case 1 -> KeyBlocks.BLOCK - random.nextInt(40);
                    default -> 1 + random.nextInt(KeyBlocks.BLOCK);
                };
                long base = random.nextInt(KeyBlocks.BLOCK); // an odd start, so the vector loads are unaligned
                float[] values = shape.fill((int) base + length, random);
                MemorySegment scores = MemorySegment.ofArray(values);
                if (random.nextBoolean()) {
                    MemorySegment.copy(values, 0, offHeap, ValueLayout.JAVA_FLOAT, 0, values.length);
                    scores = offHeap;
                }
                int flip = random.nextBoolean() ? 0 : -1;
                String where = "trial " + trial + ", " + shape + ", length " + length + ", flip " + flip;

                int[] vectorKeys = VECTOR.buffer();
                int[] scalarKeys = SCALAR.buffer();
                VECTOR.fill(scores, base, length, flip, vectorKeys);
                SCALAR.fill(scores, base, length, flip, scalarKeys);
                int[] expectedKeys = new int[length];
                for (int i = 0; i < length; i++) {
                    expectedKeys[i] = ScoreKeys.key(values[(int) base + i], flip);
                }
                assertArrayEquals(expectedKeys, Arrays.copyOf(vectorKeys, length), where);
                assertArrayEquals(expectedKeys, Arrays.copyOf(scalarKeys, length), where);

                int key = expectedKeys[random.nextInt(length)];
                // A prefix of one of the keys, so that some match: none to all of the bits.
                int prefixMask = (int) (0xffffffffL << (32 - random.nextInt(33)));
                int prefix = ScoreKeys.unsigned(key) & prefixMask;
                int[] vectorMatched = VECTOR.buffer();
                int[] scalarMatched = SCALAR.buffer();
                int vectorCount = VECTOR.gatherMatching(vectorKeys, length, prefixMask, prefix, vectorMatched);
                int scalarCount = SCALAR.gatherMatching(scalarKeys, length, prefixMask, prefix, scalarMatched);
                assertEquals(vectorCount, scalarCount, where);
                assertArrayEquals(Arrays.copyOf(vectorMatched, vectorCount), Arrays.copyOf(scalarMatched, scalarCount),
                        where);

                assertEquals(VECTOR.countEqual(vectorKeys, length, key), SCALAR.countEqual(scalarKeys, length, key),
                        where);

                int tieLimit = random.nextInt(length + 1);
                int[] vectorMask = VECTOR.buffer();
                int[] scalarMask = SCALAR.buffer();
                VECTOR.markKept(vectorKeys, length, key, tieLimit, vectorMask);
                SCALAR.markKept(scalarKeys, length, key, tieLimit, scalarMask);
                assertArrayEquals(Arrays.copyOf(vectorMask, length), Arrays.copyOf(scalarMask, length), where);
            }
        }
    }

    /** The scalar keys of NaNs, quiet or signalling, lie in the edge buckets that make the selection scan for NaN. */
    @Test
    void scalarKeysOfNaNHaveAnAllOnesExponent() {
        int[] nans = {0x7fc00000, 0x7f800001, 0x7fbfffff, 0xffc00001, 0xff800001, 0xffffffff};
        for (int bits : nans) {
            for (int flip : new int[] {0, -1}) {
                int signAndExponent = ScoreKeys.unsigned(ScoreKeys.keyOfBits(bits, flip)) >>> 23;
                assertTrue(signAndExponent == 0 || signAndExponent == 0x1ff, Integer.toHexString(bits));
            }
        }
    }

    /** Without --add-modules jdk.incubator.vector, TopK must still load and give the oracle's answers. */
    @Test
    void topKWorksWithoutTheVectorModule() throws Exception {
        String out = probe(false);
        assertTrue(out.contains("vectorModule=false chosen=scalar right=true"), out);
        String forced = probe(false, "-Dnnpan.simd=on");
        assertTrue(forced.contains("IllegalStateException") && forced.contains("--add-modules jdk.incubator.vector"),
                forced);
    }

    @Test
    void simdOffForcesTheScalarPathInAFreshJvm() throws Exception {
        String out = probe(true, "-Dnnpan.simd=off");
        assertTrue(out.contains("vectorModule=true chosen=scalar right=true"), out);
    }

    /**
     * Selecting on native segments creates no heap segment, not even while the Vector API still runs interpreted: the
     * JVM's first heap segment invalidates every compiled method that assumed native segments were the only kind, and
     * in a Panning run that came with the first step's selection (166 methods recompiled, a quarter of the command's
     * CPU).
     */
    @Test
    void nativeSelectionLoadsNoHeapSegmentClass() throws Exception {
        String out = probe(true, List.of("native"), "-Xlog:class+load=info");
        assertTrue(out.contains("native right=true"), out);
        assertTrue(out.contains("jdk.internal.foreign.NativeMemorySegmentImpl"), "class loading was not logged");
        assertFalse(out.contains("jdk.internal.foreign.HeapMemorySegmentImpl"),
                "a heap segment was created on the native selection path");
    }

    private static String probe(boolean vectorModule, String... jvmOptions)
            throws IOException, InterruptedException {
        return probe(vectorModule, List.of(), jvmOptions);
    }

    private static String probe(boolean vectorModule, List<String> probeArguments, String... jvmOptions)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (vectorModule) {
            command.add("--add-modules=jdk.incubator.vector");
        }
        // Three threads on any machine, so the parallel loops split and merge.
        command.add("-Dnnpan.threads=3");
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), TopKProbe.class.getName()));
        command.addAll(probeArguments);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "probe timed out");
        return out;
    }
}
