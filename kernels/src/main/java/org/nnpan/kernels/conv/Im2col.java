package org.nnpan.kernels.conv;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Lowering of 2-D convolution to GEMM, for one NCHW image: {@link #im2col} unfolds every receptive field into a
 * column of a {@code (C*KH*KW) x (OH*OW)} row-major matrix, so that {@code conv(x) = W * im2col(x)} with {@code W}
 * the {@code OC x (C*KH*KW)} weight matrix; {@link #col2im} is its adjoint, which scatters the columns back and adds
 * overlapping contributions (the input gradient is {@code col2im(W^T * dY)}).
 *
 * <p>Row {@code (c*KH + kh)*KW + kw}, column {@code oh*OW + ow} holds input element
 * {@code (c, oh*strideH - padH + kh, ow*strideW - padW + kw)}, or 0 where that lies in the padding. Each input
 * plane and each row of the column matrix is staged through a Java array with one bulk copy, so the per-element
 * work is plain array loops along {@code ow}, which the JIT vectorises at stride 1. Offsets are in elements.
 * Single-threaded: callers parallelise over images.
 */
public enum Im2col {

    /** float32 elements. */
    F32(ValueLayout.JAVA_FLOAT_UNALIGNED) {
        @Override
        Object newArray(int length) {
            return new float[length];
        }

        @Override
        void zero(Object array, int from, int count) {
            float[] a = (float[]) array;
            for (int t = from; t < from + count; t++) {
                a[t] = 0;
            }
        }

        @Override
        void gather(Object plane, int from, int stride, Object row, int to, int count) {
            float[] src = (float[]) plane;
            float[] dst = (float[]) row;
            if (stride == 1) {
                for (int t = 0; t < count; t++) {
                    dst[to + t] = src[from + t];
                }
            } else {
                for (int t = 0; t < count; t++) {
                    dst[to + t] = src[from + t * stride];
                }
            }
        }

        @Override
        void scatterAdd(Object row, int from, Object plane, int to, int stride, int count) {
            float[] src = (float[]) row;
            float[] dst = (float[]) plane;
            if (stride == 1) {
                for (int t = 0; t < count; t++) {
                    dst[to + t] += src[from + t];
                }
            } else {
                for (int t = 0; t < count; t++) {
                    dst[to + t * stride] += src[from + t];
                }
            }
        }
    },

    /** float64 elements. */
    F64(ValueLayout.JAVA_DOUBLE_UNALIGNED) {
        @Override
        Object newArray(int length) {
            return new double[length];
        }

        @Override
        void zero(Object array, int from, int count) {
            double[] a = (double[]) array;
            for (int t = from; t < from + count; t++) {
                a[t] = 0;
            }
        }

        @Override
        void gather(Object plane, int from, int stride, Object row, int to, int count) {
            double[] src = (double[]) plane;
            double[] dst = (double[]) row;
            if (stride == 1) {
                for (int t = 0; t < count; t++) {
                    dst[to + t] = src[from + t];
                }
            } else {
                for (int t = 0; t < count; t++) {
                    dst[to + t] = src[from + t * stride];
                }
            }
        }

        @Override
        void scatterAdd(Object row, int from, Object plane, int to, int stride, int count) {
            double[] src = (double[]) row;
            double[] dst = (double[]) plane;
            if (stride == 1) {
                for (int t = 0; t < count; t++) {
                    dst[to + t] += src[from + t];
                }
            } else {
                for (int t = 0; t < count; t++) {
                    dst[to + t * stride] += src[from + t];
                }
            }
        }
    };

    private final ValueLayout layout;

    Im2col(ValueLayout layout) {
        this.layout = layout;
    }

    /** A new zeroed primitive array of this element type. */
    abstract Object newArray(int length);

    /** {@code array[from : from+count] = 0}. */
    abstract void zero(Object array, int from, int count);

    /** {@code row[to + t] = plane[from + t*stride]} for {@code t < count}. */
    abstract void gather(Object plane, int from, int stride, Object row, int to, int count);

    /** {@code plane[to + t*stride] += row[from + t]} for {@code t < count}. */
    abstract void scatterAdd(Object row, int from, Object plane, int to, int stride, int count);

    /**
     * Writes the column matrix of image {@code x} (elements {@code [xOffset, xOffset + g.inputSize())}) to
     * {@code cols} (elements {@code [colsOffset, colsOffset + g.colSize())}), overwriting it.
     *
     * @throws IllegalArgumentException if a segment is too small or an offset negative
     */
    public void im2col(ConvGeometry g, MemorySegment x, long xOffset, MemorySegment cols, long colsOffset) {
        checkSize("x", x, xOffset, g.inputSize());
        checkSize("cols", cols, colsOffset, g.colSize());
        Object plane = newArray(planeSize(g));
        Object row = newArray(rowSize(g));
        for (int c = 0; c < g.channels(); c++) {
            copyPlane(g, x, xOffset, c, plane, true);
            for (int k = 0; k < g.kernelH() * g.kernelW(); k++) {
                Runs runs = new Runs(g, k);
                for (int oh = 0; oh < g.outH(); oh++) {
                    int start = oh * runs.outW;
                    int ih = runs.inputRow(oh);
                    if (ih < 0) {
                        zero(row, start, runs.outW);
                        continue;
                    }
                    zero(row, start, runs.from);
                    gather(plane, runs.planeIndex(ih), runs.stride, row, start + runs.from, runs.to - runs.from);
                    zero(row, start + runs.to, runs.outW - runs.to);
                }
                copyRow(g, row, cols, colsOffset, c * g.kernelH() * g.kernelW() + k, false);
            }
        }
    }

    /**
     * Adds the adjoint of {@link #im2col} of {@code cols} into image {@code x}: every column element is added to the
     * input element it was copied from; elements from the padding are dropped. {@code x} is accumulated into, not
     * overwritten, so zero it first for a plain col2im.
     *
     * @throws IllegalArgumentException if a segment is too small or an offset negative
     */
    public void col2im(ConvGeometry g, MemorySegment cols, long colsOffset, MemorySegment x, long xOffset) {
        checkSize("cols", cols, colsOffset, g.colSize());
        checkSize("x", x, xOffset, g.inputSize());
        Object plane = newArray(planeSize(g));
        Object row = newArray(rowSize(g));
        for (int c = 0; c < g.channels(); c++) {
            copyPlane(g, x, xOffset, c, plane, true);
            for (int k = 0; k < g.kernelH() * g.kernelW(); k++) {
                copyRow(g, row, cols, colsOffset, c * g.kernelH() * g.kernelW() + k, true);
                Runs runs = new Runs(g, k);
                for (int oh = 0; oh < g.outH(); oh++) {
                    int ih = runs.inputRow(oh);
                    if (ih >= 0) {
                        scatterAdd(row, oh * runs.outW + runs.from, plane, runs.planeIndex(ih), runs.stride,
                                runs.to - runs.from);
                    }
                }
            }
            copyPlane(g, x, xOffset, c, plane, false);
        }
    }

    private static int planeSize(ConvGeometry g) {
        return Math.multiplyExact(g.height(), g.width());
    }

    private static int rowSize(ConvGeometry g) {
        return Math.toIntExact(g.colCols());
    }

    /** Copies channel {@code c} of image {@code x} into {@code plane} ({@code in}) or back out of it. */
    private void copyPlane(ConvGeometry g, MemorySegment x, long xOffset, int c, Object plane, boolean in) {
        int size = planeSize(g);
        long bytes = (xOffset + (long) c * size) * layout.byteSize();
        if (in) {
            MemorySegment.copy(x, layout, bytes, plane, 0, size);
        } else {
            MemorySegment.copy(plane, 0, x, layout, bytes, size);
        }
    }

    /** Copies row {@code r} of the column matrix into {@code row} ({@code in}) or back out of it. */
    private void copyRow(ConvGeometry g, Object row, MemorySegment cols, long colsOffset, long r, boolean in) {
        int size = rowSize(g);
        long bytes = (colsOffset + r * size) * layout.byteSize();
        if (in) {
            MemorySegment.copy(cols, layout, bytes, row, 0, size);
        } else {
            MemorySegment.copy(row, 0, cols, layout, bytes, size);
        }
    }

    /**
     * Where the row of kernel offset {@code k = kh*KW + kw} reads the input: in output row {@code oh}, columns
     * {@code [from, to)} read input row {@link #inputRow} from {@link #planeIndex} on, every {@code stride} elements;
     * the other columns, and whole output rows whose input row is in the padding, are padding.
     */
    private static final class Runs {
        final int outW;
        final int stride;
        final int from;
        final int to;
        private final int kh;
        private final int shift;
        private final ConvGeometry g;

        Runs(ConvGeometry g, int k) {
            this.g = g;
            this.outW = g.outW();
            this.stride = g.strideW();
            this.kh = k / g.kernelW();
            // Input column of output column ow: ow*stride + shift, inside when in [0, width).
            this.shift = k % g.kernelW() - g.padW();
            this.from = Math.min(outW, shift >= 0 ? 0 : Math.ceilDiv(-shift, stride));
            int end = shift >= g.width() ? 0 : Math.min(outW, (g.width() - 1 - shift) / stride + 1);
            this.to = Math.max(from, end);
        }

        /** The input row read by output row {@code oh}, or -1 if it is in the padding. */
        int inputRow(int oh) {
            int ih = oh * g.strideH() - g.padH() + kh;
            return ih >= 0 && ih < g.height() ? ih : -1;
        }

        /** Index in the channel plane of the element read by column {@code from} of a row reading input row ih. */
        int planeIndex(int ih) {
            return ih * g.width() + from * stride + shift;
        }
    }

    private void checkSize(String name, MemorySegment segment, long offset, long elements) {
        if (segment == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        if (offset < 0) {
            throw new IllegalArgumentException(name + "Offset must be >= 0, got " + offset);
        }
        long available = segment.byteSize() / layout.byteSize();
        if (offset + elements > available) {
            throw new IllegalArgumentException(name + " is too small: needs " + (offset + elements)
                    + " elements from offset " + offset + ", the segment holds " + available);
        }
    }
}
