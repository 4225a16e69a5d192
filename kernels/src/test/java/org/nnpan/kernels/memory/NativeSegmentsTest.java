package org.nnpan.kernels.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class NativeSegmentsTest {

    @Test
    void segmentsOfEveryArenaKindAreNativeAndHeapOnesAreNot() {
        try (Arena confined = Arena.ofConfined(); Arena shared = Arena.ofShared()) {
            for (MemorySegment s : new MemorySegment[] {confined.allocate(8), shared.allocate(8),
                    Arena.ofAuto().allocate(8), Arena.global().allocate(8).asSlice(4)}) {
                assertTrue(NativeSegments.isNative(s), s::toString);
                assertSame(s, NativeSegments.typed(s));
                NativeSegments.require(s, "kernel", "x");
            }
        }
        MemorySegment heap = MemorySegment.ofArray(new float[2]);
        assertFalse(NativeSegments.isNative(heap));
        assertThrows(ClassCastException.class, () -> NativeSegments.typed(heap));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NativeSegments.require(heap, "vector batch convolution", "gy"));
        assertTrue(e.getMessage().startsWith("vector batch convolution: gy is not a native segment"), e.getMessage());
    }

    @Test
    void copyOfIsAnAlignedNativeCopy() {
        float[] values = {1f, -0f, Float.NaN, 3.5f, Float.MIN_VALUE};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment copy = NativeSegments.copyOf(MemorySegment.ofArray(values), arena);
            assertTrue(NativeSegments.isNative(copy));
            assertEquals(0, copy.address() % Double.BYTES);
            assertArrayEquals(values, copy.toArray(ValueLayout.JAVA_FLOAT));
        }
    }
}
