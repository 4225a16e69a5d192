package org.nnpan.io.safetensors;

import java.util.Optional;

/** The element types nnpan reads and writes, named as in the safetensors header's {@code "dtype"}. */
public enum SafeDType {
    /** IEEE 754 binary64. */
    F64(8, true),
    /** IEEE 754 binary32. */
    F32(4, true),
    /** IEEE 754 binary16. */
    F16(2, true),
    /** bfloat16: the upper 16 bits of a binary32. */
    BF16(2, true),
    /** Signed 64-bit integer. */
    I64(8, false),
    /** Signed 32-bit integer. */
    I32(4, false),
    /** Signed 16-bit integer. */
    I16(2, false),
    /** Signed 8-bit integer. */
    I8(1, false),
    /** Unsigned 8-bit integer. */
    U8(1, false),
    /** Boolean, one byte per element; any non-zero byte is true. */
    BOOL(1, false);

    private final int byteSize;
    private final boolean floatingPoint;

    SafeDType(int byteSize, boolean floatingPoint) {
        this.byteSize = byteSize;
        this.floatingPoint = floatingPoint;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** Whether elements are floating-point numbers (F64, F32, F16, BF16). */
    public boolean isFloatingPoint() {
        return floatingPoint;
    }

    /** The name the format uses in a header, e.g. {@code "BF16"}. */
    public String formatName() {
        return name();
    }

    /** The dtype a header calls {@code formatName}, or empty for one nnpan does not support. */
    public static Optional<SafeDType> fromFormatName(String formatName) {
        for (SafeDType dtype : values()) {
            if (dtype.formatName().equals(formatName)) {
                return Optional.of(dtype);
            }
        }
        return Optional.empty();
    }
}
