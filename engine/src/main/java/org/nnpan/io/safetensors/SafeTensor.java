package org.nnpan.io.safetensors;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * One named tensor of a safetensors file: its dtype, shape and raw data.
 *
 * <p>{@code data} holds exactly {@code numel() * dtype.byteSize()} bytes, little-endian and row-major,
 * and is not copied: a tensor {@linkplain SafeTensorsFile#get read from a file} views the file's
 * mapping read-only and is valid only while that file is open, and one built here from an off-heap
 * segment is written from that segment without a heap copy. The {@code to...Array()} methods copy the
 * elements out, converting where noted.
 *
 * <p>Two tensors are equal when their names, dtypes, shapes and data bytes are.
 *
 * @param name  the tensor's name in the file, not empty
 * @param dtype the element type
 * @param shape the dimensions, each {@code >= 0}; {@code []} for a scalar (copied in and out)
 * @param data  the elements' bytes
 */
public record SafeTensor(String name, SafeDType dtype, long[] shape, MemorySegment data) {
    // Unaligned: a tensor's offset within a file need not be a multiple of its element size.
    private static final ValueLayout.OfDouble LE_F64 =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat LE_F32 =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE_I64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_I32 =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_I16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The largest array the JVM reliably allocates. */
    private static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    /**
     * Checks that {@code data} has the size {@code dtype} and {@code shape} call for.
     *
     * @throws IllegalArgumentException naming the tensor, if the name is empty, a dimension is negative
     *                                  or the data's size does not match
     */
    public SafeTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(data, "data");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("tensor name must not be empty");
        }
        shape = shape.clone();
        long needed = byteSize(name, dtype, shape);
        if (data.byteSize() != needed) {
            throw new IllegalArgumentException("tensor '%s': shape %s of %s needs %d bytes but data has %d"
                    .formatted(name, Arrays.toString(shape), dtype, needed, data.byteSize()));
        }
    }

    /** A copy of the dimensions. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The number of elements: the product of the dimensions, 1 for a scalar. */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d; // cannot overflow: the constructor checked the byte size
        }
        return n;
    }

    /** An F32 tensor holding {@code values}. */
    public static SafeTensor ofFloats(String name, long[] shape, float[] values) {
        MemorySegment data = allocate(name, SafeDType.F32, shape, values.length);
        MemorySegment.copy(values, 0, data, LE_F32, 0, values.length);
        return new SafeTensor(name, SafeDType.F32, shape, data);
    }

    /** An F64 tensor holding {@code values}. */
    public static SafeTensor ofDoubles(String name, long[] shape, double[] values) {
        MemorySegment data = allocate(name, SafeDType.F64, shape, values.length);
        MemorySegment.copy(values, 0, data, LE_F64, 0, values.length);
        return new SafeTensor(name, SafeDType.F64, shape, data);
    }

    /** An I64 tensor holding {@code values}. */
    public static SafeTensor ofLongs(String name, long[] shape, long[] values) {
        MemorySegment data = allocate(name, SafeDType.I64, shape, values.length);
        MemorySegment.copy(values, 0, data, LE_I64, 0, values.length);
        return new SafeTensor(name, SafeDType.I64, shape, data);
    }

    /** An I32 tensor holding {@code values}. */
    public static SafeTensor ofInts(String name, long[] shape, int[] values) {
        MemorySegment data = allocate(name, SafeDType.I32, shape, values.length);
        MemorySegment.copy(values, 0, data, LE_I32, 0, values.length);
        return new SafeTensor(name, SafeDType.I32, shape, data);
    }

    /**
     * A tensor of any dtype from its raw little-endian bytes, e.g. F16, BF16, U8 or BOOL ones.
     *
     * @throws IllegalArgumentException naming the tensor, the shape and the length, if {@code bytes}
     *                                  does not hold exactly {@code numel * dtype.byteSize()} bytes
     */
    public static SafeTensor ofBytes(String name, SafeDType dtype, long[] shape, byte[] bytes) {
        long needed = byteSize(name, dtype, shape);
        if (bytes.length != needed) {
            throw new IllegalArgumentException("tensor '%s': shape %s of %s needs %d bytes but %d were given"
                    .formatted(name, Arrays.toString(shape), dtype, needed, bytes.length));
        }
        MemorySegment data = Arena.ofAuto().allocate(bytes.length);
        MemorySegment.copy(bytes, 0, data, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return new SafeTensor(name, dtype, shape, data);
    }

    /**
     * The elements as floats: F32 as stored; F16 and BF16 exactly; F64 rounded to nearest.
     *
     * @throws IllegalStateException if the dtype is not a floating-point one, or the tensor is too large
     *                               for a Java array
     */
    public float[] toFloatArray() {
        requireFloatingPoint("toFloatArray()");
        float[] out = new float[arrayLength()];
        if (dtype == SafeDType.F32) {
            MemorySegment.copy(data, LE_F32, 0, out, 0, out.length);
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) floatingPointAt(i);
            }
        }
        return out;
    }

    /**
     * The elements as doubles, from any floating-point dtype, exactly.
     *
     * @throws IllegalStateException if the dtype is not a floating-point one, or the tensor is too large
     *                               for a Java array
     */
    public double[] toDoubleArray() {
        requireFloatingPoint("toDoubleArray()");
        double[] out = new double[arrayLength()];
        if (dtype == SafeDType.F64) {
            MemorySegment.copy(data, LE_F64, 0, out, 0, out.length);
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = floatingPointAt(i);
            }
        }
        return out;
    }

    /**
     * The elements as longs, from any integer dtype or BOOL (as 0 or 1), exactly; U8 is unsigned.
     *
     * @throws IllegalStateException if the dtype is a floating-point one, or the tensor is too large for
     *                               a Java array
     */
    public long[] toLongArray() {
        requireInteger("toLongArray()");
        long[] out = new long[arrayLength()];
        if (dtype == SafeDType.I64) {
            MemorySegment.copy(data, LE_I64, 0, out, 0, out.length);
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = integerAt(i);
            }
        }
        return out;
    }

    /**
     * The elements as ints, from any integer dtype or BOOL (as 0 or 1); U8 is unsigned.
     *
     * @throws IllegalStateException if the dtype is a floating-point one, or the tensor is too large for
     *                               a Java array
     * @throws ArithmeticException   naming the tensor and the element, if an I64 value does not fit an int
     */
    public int[] toIntArray() {
        requireInteger("toIntArray()");
        int[] out = new int[arrayLength()];
        if (dtype == SafeDType.I32) {
            MemorySegment.copy(data, LE_I32, 0, out, 0, out.length);
        } else {
            for (int i = 0; i < out.length; i++) {
                long value = integerAt(i);
                if ((int) value != value) {
                    throw new ArithmeticException("tensor '%s': element %d = %d does not fit an int"
                            .formatted(name, i, value));
                }
                out[i] = (int) value;
            }
        }
        return out;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SafeTensor that
                && name.equals(that.name)
                && dtype == that.dtype
                && Arrays.equals(shape, that.shape)
                && data.mismatch(that.data) == -1;
    }

    /** Hashes the name, dtype and shape; not the data, which may be large. */
    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return "SafeTensor[name=%s, dtype=%s, shape=%s]".formatted(name, dtype, Arrays.toString(shape));
    }

    /**
     * {@code numel * dtype.byteSize()}.
     *
     * @throws IllegalArgumentException naming the tensor, if a dimension is negative or the size overflows
     */
    static long byteSize(String name, SafeDType dtype, long[] shape) {
        long bytes = dtype.byteSize();
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(
                        "tensor '%s': shape %s has a negative dimension".formatted(name, Arrays.toString(shape)));
            }
            try {
                bytes = Math.multiplyExact(bytes, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(
                        "tensor '%s': shape %s is too large".formatted(name, Arrays.toString(shape)), e);
            }
        }
        return bytes;
    }

    /** Storage for a factory's values, after checking that their count matches the shape. */
    private static MemorySegment allocate(String name, SafeDType dtype, long[] shape, int length) {
        long bytes = byteSize(name, dtype, shape);
        if (bytes / dtype.byteSize() != length) {
            throw new IllegalArgumentException("tensor '%s': shape %s has %d elements but %d values were given"
                    .formatted(name, Arrays.toString(shape), bytes / dtype.byteSize(), length));
        }
        return Arena.ofAuto().allocate(bytes, dtype.byteSize());
    }

    private int arrayLength() {
        long n = numel();
        if (n > MAX_ARRAY_LENGTH) {
            throw new IllegalStateException(
                    "tensor '%s' has %d elements, too many for one Java array".formatted(name, n));
        }
        return (int) n;
    }

    private void requireFloatingPoint(String method) {
        if (!dtype.isFloatingPoint()) {
            throw new IllegalStateException("tensor '%s' has dtype %s; %s needs F64, F32, F16 or BF16"
                    .formatted(name, dtype, method));
        }
    }

    private void requireInteger(String method) {
        if (dtype.isFloatingPoint()) {
            throw new IllegalStateException("tensor '%s' has dtype %s; %s needs an integer dtype or BOOL"
                    .formatted(name, dtype, method));
        }
    }

    private double floatingPointAt(long index) {
        return switch (dtype) {
            case F64 -> data.getAtIndex(LE_F64, index);
            case F32 -> data.getAtIndex(LE_F32, index);
            case F16 -> Float.float16ToFloat(data.getAtIndex(LE_I16, index));
            // bfloat16 is the high half of a binary32; the shift drops the short's sign extension.
            case BF16 -> Float.intBitsToFloat(data.getAtIndex(LE_I16, index) << 16);
            default -> throw new AssertionError(dtype);
        };
    }

    private long integerAt(long index) {
        return switch (dtype) {
            case I64 -> data.getAtIndex(LE_I64, index);
            case I32 -> data.getAtIndex(LE_I32, index);
            case I16 -> data.getAtIndex(LE_I16, index);
            case I8 -> data.get(ValueLayout.JAVA_BYTE, index);
            case U8 -> Byte.toUnsignedLong(data.get(ValueLayout.JAVA_BYTE, index));
            case BOOL -> data.get(ValueLayout.JAVA_BYTE, index) != 0 ? 1 : 0;
            default -> throw new AssertionError(dtype);
        };
    }
}
