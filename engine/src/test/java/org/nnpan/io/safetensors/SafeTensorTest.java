package org.nnpan.io.safetensors;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SafeTensorTest {

    @Test
    void factoriesRejectValueCountsThatDoNotMatchTheShape() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> SafeTensor.ofFloats("fc.weight", new long[] {2, 3}, new float[5]));
        assertEquals("tensor 'fc.weight': shape [2, 3] has 6 elements but 5 values were given", e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> SafeTensor.ofBytes("m", SafeDType.F16, new long[] {4}, new byte[4]));
        assertEquals("tensor 'm': shape [4] of F16 needs 8 bytes but 4 were given", e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> SafeTensor.ofLongs("n", new long[] {-1}, new long[0]));
        assertEquals("tensor 'n': shape [-1] has a negative dimension", e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> SafeTensor.ofInts("big", new long[] {1L << 40, 1L << 40}, new int[0]));
        assertEquals("tensor 'big': shape [1099511627776, 1099511627776] is too large", e.getMessage());
    }

    @Test
    void constructorRejectsDataOfTheWrongSize() {
        MemorySegment data = MemorySegment.ofArray(new byte[20]);
        var e = assertThrows(IllegalArgumentException.class,
                () -> new SafeTensor("w", SafeDType.F32, new long[] {2, 3}, data));
        assertEquals("tensor 'w': shape [2, 3] of F32 needs 24 bytes but data has 20", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SafeTensor("", SafeDType.U8, new long[0],
                MemorySegment.ofArray(new byte[1])));
    }

    @Test
    void scalarsHaveOneElementAndZeroSizeTensorsNone() {
        assertEquals(1, SafeTensor.ofDoubles("s", new long[0], new double[] {2.5}).numel());
        assertEquals(0, SafeTensor.ofFloats("z", new long[] {3, 0, 2}, new float[0]).numel());
        assertEquals(0, SafeTensor.ofFloats("z", new long[] {3, 0, 2}, new float[0]).toFloatArray().length);
    }

    @Test
    void shapeIsCopiedInAndOut() {
        long[] shape = {2};
        SafeTensor t = SafeTensor.ofInts("i", shape, new int[] {1, 2});
        shape[0] = 7;
        t.shape()[0] = 9;
        assertArrayEquals(new long[] {2}, t.shape());
    }

    @Test
    void dataIsLittleEndian() {
        SafeTensor t = SafeTensor.ofInts("i", new long[] {1}, new int[] {0x01020304});
        assertArrayEquals(new byte[] {4, 3, 2, 1}, t.data().toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void halfPrecisionConvertsExactly() {
        // 1.0, -2.5, 65504 (largest F16), 2^-24 (smallest subnormal F16)
        SafeTensor f16 = SafeTensor.ofBytes("h", SafeDType.F16, new long[] {4},
                shortsLittleEndian(0x3C00, 0xC100, 0x7BFF, 0x0001));
        assertArrayEquals(new float[] {1f, -2.5f, 65504f, 0x1p-24f}, f16.toFloatArray());
        assertArrayEquals(new double[] {1, -2.5, 65504, 0x1p-24}, f16.toDoubleArray());

        // 1.0, -3.140625, 2^-130 (subnormal), NaN
        SafeTensor bf16 = SafeTensor.ofBytes("b", SafeDType.BF16, new long[] {4},
                shortsLittleEndian(0x3F80, 0xC049, 0x0008, 0x7FC0));
        assertArrayEquals(new float[] {1f, -3.140625f, 0x1p-130f, Float.NaN}, bf16.toFloatArray());
    }

    @Test
    void doublesRoundToNearestFloat() {
        SafeTensor t = SafeTensor.ofDoubles("d", new long[] {3}, new double[] {0.1, 1e300, -0.0});
        assertArrayEquals(new float[] {0.1f, Float.POSITIVE_INFINITY, -0.0f}, t.toFloatArray());
        assertArrayEquals(new double[] {0.1, 1e300, -0.0}, t.toDoubleArray());
        assertArrayEquals(new double[] {1.5f, -0.25f},
                SafeTensor.ofFloats("f", new long[] {2}, new float[] {1.5f, -0.25f}).toDoubleArray());
    }

    @Test
    void integersWidenWithTheirSignednessAndBooleansBecomeZeroOrOne() {
        byte[] raw = {(byte) 0xFF, 0, 2};
        assertArrayEquals(new long[] {-1, 0, 2},
                SafeTensor.ofBytes("i8", SafeDType.I8, new long[] {3}, raw).toLongArray());
        assertArrayEquals(new int[] {255, 0, 2},
                SafeTensor.ofBytes("u8", SafeDType.U8, new long[] {3}, raw).toIntArray());
        assertArrayEquals(new int[] {1, 0, 1},
                SafeTensor.ofBytes("mask", SafeDType.BOOL, new long[] {3}, raw).toIntArray());
        assertArrayEquals(new long[] {-32768, 32767},
                SafeTensor.ofBytes("i16", SafeDType.I16, new long[] {2}, shortsLittleEndian(0x8000, 0x7FFF))
                        .toLongArray());
        assertArrayEquals(new long[] {Integer.MIN_VALUE, 5},
                SafeTensor.ofInts("i32", new long[] {2}, new int[] {Integer.MIN_VALUE, 5}).toLongArray());
        assertArrayEquals(new int[] {-3, Integer.MAX_VALUE},
                SafeTensor.ofLongs("i64", new long[] {2}, new long[] {-3, Integer.MAX_VALUE}).toIntArray());
    }

    @Test
    void narrowingAnI64ThatDoesNotFitAnIntFails() {
        SafeTensor t = SafeTensor.ofLongs("idx", new long[] {2}, new long[] {1, 1L << 40});
        var e = assertThrows(ArithmeticException.class, t::toIntArray);
        assertEquals("tensor 'idx': element 1 = 1099511627776 does not fit an int", e.getMessage());
    }

    @Test
    void conversionsRejectTheWrongKindOfDtype() {
        SafeTensor ints = SafeTensor.ofLongs("step", new long[0], new long[] {1});
        var e = assertThrows(IllegalStateException.class, ints::toFloatArray);
        assertEquals("tensor 'step' has dtype I64; toFloatArray() needs F64, F32, F16 or BF16", e.getMessage());
        assertThrows(IllegalStateException.class, ints::toDoubleArray);

        SafeTensor floats = SafeTensor.ofFloats("w", new long[0], new float[] {1});
        e = assertThrows(IllegalStateException.class, floats::toIntArray);
        assertEquals("tensor 'w' has dtype F32; toIntArray() needs an integer dtype or BOOL", e.getMessage());
        assertThrows(IllegalStateException.class, floats::toLongArray);
    }

    @Test
    void equalityComparesNameDtypeShapeAndBytes() {
        SafeTensor a = SafeTensor.ofFloats("w", new long[] {2}, new float[] {1, 2});
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment offHeap = arena.allocate(8);
            MemorySegment.copy(a.data(), 0, offHeap, 0, 8);
            SafeTensor b = new SafeTensor("w", SafeDType.F32, new long[] {2}, offHeap);
            assertEquals(a, b);
            assertEquals(a.hashCode(), b.hashCode());
        }
        assertNotEquals(a, SafeTensor.ofFloats("w", new long[] {2}, new float[] {1, 3}));
        assertNotEquals(a, SafeTensor.ofFloats("w", new long[] {1, 2}, new float[] {1, 2}));
        assertNotEquals(a, SafeTensor.ofFloats("v", new long[] {2}, new float[] {1, 2}));
        assertEquals("SafeTensor[name=w, dtype=F32, shape=[2]]", a.toString());
    }

    @Test
    void dtypesKnowTheirSizeAndName() {
        assertEquals(2, SafeDType.BF16.byteSize());
        assertEquals(1, SafeDType.BOOL.byteSize());
        assertEquals("BF16", SafeDType.BF16.formatName());
        assertEquals(SafeDType.I64, SafeDType.fromFormatName("I64").orElseThrow());
        assertEquals(Optional.empty(), SafeDType.fromFormatName("U32"));
    }

    static byte[] shortsLittleEndian(int... values) {
        byte[] out = new byte[values.length * 2];
        for (int i = 0; i < values.length; i++) {
            out[2 * i] = (byte) values[i];
            out[2 * i + 1] = (byte) (values[i] >>> 8);
        }
        return out;
    }
}
