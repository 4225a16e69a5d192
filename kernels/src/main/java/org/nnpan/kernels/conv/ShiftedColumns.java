package org.nnpan.kernels.conv;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.nnpan.kernels.memory.NativeSegments;
import org.nnpan.kernels.parallel.ThreadScratch;

/**
 * One float32 NCHW image staged once per horizontal shift: plane {@code (c, s)} holds rows {@code firstRow ...} of
 * channel {@code c}, each cut to the {@code cut} elements from column {@code firstShift + s}, zero outside the image.
 * Element {@code (c, ih, firstShift + s + j)} sits at {@code ((c * shifts + s) * rows + ih - firstRow) * cut + j}, so
 * for a kernel that reads row {@code i + dh} and column {@code j + dw} for output position {@code p = i * cut + j},
 * the element is at {@link #offset}{@code (c, dh, dw) + p}: any run of consecutive output positions is a run of
 * consecutive floats for every tap, across output rows too. Kernels read whole vectors of positions in place from it
 * however short the rows are (8x8 maps are half a 16-float vector), at the price of copying the image once per
 * shift, which is cheaper than packing every tile's panel from rows of 8.
 *
 * <p>Two uses: a stride-1 convolution ({@link #forThread(ConvGeometry, int)}: one shift per kernel column, rows with
 * their padding) and the phases of a strided input gradient ({@link #forPhases}). The zeros are at the same places
 * for every image, so they are written once and {@link #load} only overwrites the rest; one instance serves a whole
 * batch. A zero tail lets a partial last tile read past the last plane (those lanes are never stored). The arrays are
 * the calling thread's scratch, so staging allocates nothing per call.
 */
final class ShiftedColumns implements StagedImage {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Index 0 holds the unpadded copy; index 1 the staged planes. */
    private static final ThreadScratch SCRATCH = new ThreadScratch();

    /** The stride-1 convolution whose taps {@link #tapOffsets()} gives, or null for phases. */
    private final ConvGeometry conv;
    private final int channels;
    private final int height;
    private final int width;
    private final int shifts;
    private final int firstShift;
    private final int cut;
    private final int firstRow;
    private final int rows;
    /** Elements of one staged plane: {@code rows * cut}. */
    private final int planeSize;
    /** The staged planes, followed by the zero tail (the array may be longer). */
    private final float[] data;
    private final float[] raw;
    private final int rawSize;

    private ShiftedColumns(ConvGeometry conv, int channels, int height, int width, int shifts, int firstShift,
                           int cut, int firstRow, int rows, int tail) {
        this.conv = conv;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.shifts = shifts;
        this.firstShift = firstShift;
        this.cut = cut;
        this.firstRow = firstRow;
        this.rows = rows;
        this.planeSize = Math.multiplyExact(rows, cut);
        int planes = Math.multiplyExact(channels, shifts);
        this.data = SCRATCH.zeroed(1, Math.addExact(Math.multiplyExact(planes, planeSize), tail));
        this.rawSize = Math.multiplyExact(channels, Math.multiplyExact(height, width));
        this.raw = SCRATCH.floats(0, rawSize);
    }

    /**
     * The calling thread's staging for the input of stride-1 convolution {@code g}, followed by {@code tail} zeros: one
     * shift per kernel column, rows cut to {@code outW}, the padding rows included. Valid until this thread asks for
     * another.
     *
     * @throws IllegalArgumentException if {@code g} has a stride other than 1
     */
    static ShiftedColumns forThread(ConvGeometry g, int tail) {
        if (g.strideH() != 1 || g.strideW() != 1) {
            throw new IllegalArgumentException("shifted-column staging needs stride 1, got " + g);
        }
        return new ShiftedColumns(g, g.channels(), g.height(), g.width(), g.kernelW(), -g.padW(), g.outW(), -g.padH(),
                g.height() + 2 * g.padH(), tail);
    }

    /**
     * The calling thread's staging of a {@code channels x height x width} image for row offsets {@code dh} in
     * {@code [dhMin, dhMax]} and column offsets {@code dw} in {@code [dwMin, dwMax]} of a {@code gridH x gridW} grid of
     * output positions, followed by {@code tail} zeros. Valid until this thread asks for another.
     */
    static ShiftedColumns forPhases(int channels, int height, int width, int gridH, int gridW, int dhMin, int dhMax,
                                    int dwMin, int dwMax, int tail) {
        return new ShiftedColumns(null, channels, height, width, dwMax - dwMin + 1, dwMin, gridW, dhMin,
                gridH + dhMax - dhMin, tail);
    }

    @Override
    public float[] data() {
        return data;
    }

    @Override
    public void load(MemorySegment x, long offset) {
        MemorySegment.copy(NativeSegments.typed(x), F32, offset * Float.BYTES, raw, 0, rawSize);
        // Rows outside the image and the columns before first / from end stay zero.
        int rowFirst = Math.max(0, -firstRow);
        int rowEnd = Math.min(rows, height - firstRow);
        for (int s = 0; s < shifts; s++) {
            int shift = firstShift + s;
            int first = Math.max(0, -shift);
            int end = Math.min(cut, width - shift);
            if (end <= first) {
                continue;
            }
            for (int c = 0; c < channels; c++) {
                int plane = (c * shifts + s) * planeSize + first;
                int from = (c * height + firstRow) * width + first + shift;
                if (cut == width && rowEnd > rowFirst) {
                    // Rows as wide as the image's: the plane's rows are one run of the image at a fixed offset, so one
                    // copy (a copy per row of 8 was most of an 8x8 staging), then the columns it wrapped into zeroed.
                    System.arraycopy(raw, from + rowFirst * width, data, plane + rowFirst * cut,
                            (rowEnd - rowFirst - 1) * cut + end - first);
                    for (int r = rowFirst; r < rowEnd - 1; r++) {
                        for (int i = plane + r * cut + end - first; i < plane + (r + 1) * cut; i++) {
                            data[i] = 0f;
                        }
                    }
                    continue;
                }
                for (int r = rowFirst; r < rowEnd; r++) {
                    System.arraycopy(raw, from + r * width, data, plane + r * cut, end - first);
                }
            }
        }
    }

    /**
     * The offset of the element that output position 0 reads at row offset {@code dh} and column offset {@code dw}
     * of channel {@code c}.
     */
    int offset(int c, int dh, int dw) {
        return (c * shifts + dw - firstShift) * planeSize + (dh - firstRow) * cut;
    }

    /**
     * For each row {@code (c*KH + kh)*KW + kw} of the stride-1 convolution's column matrix, the offset of its element
     * for output position 0.
     *
     * @throws IllegalStateException for a staging {@link #forPhases}
     */
    @Override
    public int[] tapOffsets() {
        if (conv == null) {
            throw new IllegalStateException("a phase staging has no convolution taps; use offset(c, dh, dw)");
        }
        int[] taps = new int[Math.toIntExact(conv.colRows())];
        int r = 0;
        for (int c = 0; c < channels; c++) {
            for (int kh = 0; kh < conv.kernelH(); kh++) {
                for (int kw = 0; kw < conv.kernelW(); kw++) {
                    taps[r++] = offset(c, kh - conv.padH(), kw - conv.padW());
                }
            }
        }
        return taps;
    }

    /** Output positions are consecutive: {@code oh * cut + ow}. */
    @Override
    public int positionOffset(int oh, int ow) {
        return oh * cut + ow;
    }
}
