package org.nnpan.kernels.conv;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.nnpan.kernels.parallel.ThreadScratch;

/**
 * One float32 NCHW image of a stride-1 convolution staged once per kernel column: plane {@code (c, kw)} holds the
 * zero-padded image's rows, each cut to the {@code outW} elements that kernel column {@code kw} reads, so element
 * {@code (c, ih, kw + ow)} of the padded image sits at {@code ((c * KW + kw) * paddedH + ih) * outW + ow}. In that
 * layout the receptive-field element of tap {@code (c, kh, kw)} for output position {@code p = oh * outW + ow} is at
 * {@code tapOffsets()[tap] + p}: any run of consecutive output positions is a run of consecutive floats for every
 * tap, across output rows too. Kernels read whole vectors of positions in place from it however short the rows are
 * (ResNet's and LeNet-5's 8x8 maps, half a 16-float vector), at the price of copying the image {@code KW} times, which
 * is cheaper than packing every tile's panel from rows of 8.
 *
 * <p>The padding is zeroed once; {@link #load} only overwrites the interior, so one instance serves a whole batch. A
 * zero tail of one register tile's width lets a partial last tile read past the last plane (those lanes are never
 * stored). The arrays are the calling thread's scratch, so staging allocates nothing per call.
 */
final class ShiftedColumns implements StagedImage {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Index 0 holds the unpadded copy; index 1 the staged planes. */
    private static final ThreadScratch SCRATCH = new ThreadScratch();

    private final ConvGeometry g;
    /** Elements of one staged plane: {@code paddedH * outW}. */
    private final int planeSize;
    /** The staged planes, followed by the zero tail (the array may be longer). */
    private final float[] data;
    private final float[] raw;
    private final int rawSize;

    private ShiftedColumns(ConvGeometry g, int tail) {
        if (g.strideH() != 1 || g.strideW() != 1) {
            throw new IllegalArgumentException("shifted-column staging needs stride 1, got " + g);
        }
        this.g = g;
        this.planeSize = Math.multiplyExact(g.height() + 2 * g.padH(), g.outW());
        int planes = Math.multiplyExact(g.channels(), g.kernelW());
        this.data = SCRATCH.zeroed(1, Math.addExact(Math.multiplyExact(planes, planeSize), tail));
        this.rawSize = Math.toIntExact(g.inputSize());
        this.raw = SCRATCH.floats(0, rawSize);
    }

    /**
     * The calling thread's staging for stride-1 geometry {@code g}, followed by {@code tail} zeros: valid until this
     * thread asks for one again.
     *
     * @throws IllegalArgumentException if {@code g} has a stride other than 1
     */
    static ShiftedColumns forThread(ConvGeometry g, int tail) {
        return new ShiftedColumns(g, tail);
    }

    @Override
    public float[] data() {
        return data;
    }

    @Override
    public void load(MemorySegment x, long offset) {
        MemorySegment.copy(x, F32, offset * Float.BYTES, raw, 0, rawSize);
        int h = g.height();
        int w = g.width();
        int outW = g.outW();
        for (int kw = 0; kw < g.kernelW(); kw++) {
            // Output column ow reads input column ow + kw - padW; the ones outside the image stay zero.
            int first = Math.max(0, g.padW() - kw);
            int end = Math.min(outW, w + g.padW() - kw);
            if (end <= first) {
                continue;
            }
            int from = first + kw - g.padW();
            for (int c = 0; c < g.channels(); c++) {
                int plane = (c * g.kernelW() + kw) * planeSize + g.padH() * outW + first;
                for (int ih = 0; ih < h; ih++) {
                    System.arraycopy(raw, (c * h + ih) * w + from, data, plane + ih * outW, end - first);
                }
            }
        }
    }

    /** Rows {@code (c*KH + kh)*KW + kw} of the column matrix read plane {@code (c, kw)} from row {@code kh}. */
    @Override
    public int[] tapOffsets() {
        int[] taps = new int[Math.toIntExact(g.colRows())];
        int r = 0;
        for (int c = 0; c < g.channels(); c++) {
            for (int kh = 0; kh < g.kernelH(); kh++) {
                for (int kw = 0; kw < g.kernelW(); kw++) {
                    taps[r++] = (c * g.kernelW() + kw) * planeSize + kh * g.outW();
                }
            }
        }
        return taps;
    }

    /** Output positions are consecutive: {@code oh * outW + ow}. */
    @Override
    public int positionOffset(int oh, int ow) {
        return oh * g.outW() + ow;
    }
}
