package org.nnpan.kernels.conv;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One float32 NCHW image staged in a Java array with its zero padding made explicit, so that every receptive-field
 * row is a plain array run: element {@code (c, ih, iw)} of the image sits at {@code c * planeSize + (ih + padH) *
 * width + iw + padW}. The border is zeroed once; {@link #load} only overwrites the interior, so one instance serves a
 * whole batch. An optional zero tail after the last plane lets kernels that read whole padded rows run past its end.
 */
final class PaddedImage {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final ConvGeometry g;
    /** Row length with padding. */
    final int width;
    /** Elements of one padded channel plane. */
    final int planeSize;
    /** The padded image. */
    final float[] data;
    /** The unpadded image, copied from the segment in one bulk copy. */
    private final float[] raw;

    /** An image of geometry {@code g} followed by {@code slack} zeros. */
    PaddedImage(ConvGeometry g, int slack) {
        this.g = g;
        this.width = g.width() + 2 * g.padW();
        this.planeSize = Math.multiplyExact(g.height() + 2 * g.padH(), width);
        this.data = new float[Math.addExact(Math.multiplyExact(g.channels(), planeSize), slack)];
        this.raw = new float[Math.toIntExact(g.inputSize())];
    }

    /** Stages the image at element {@code offset} of {@code x}. */
    void load(MemorySegment x, long offset) {
        MemorySegment.copy(x, F32, offset * Float.BYTES, raw, 0, raw.length);
        int h = g.height();
        int w = g.width();
        for (int c = 0; c < g.channels(); c++) {
            for (int ih = 0; ih < h; ih++) {
                System.arraycopy(raw, (c * h + ih) * w, data, c * planeSize + (ih + g.padH()) * width + g.padW(), w);
            }
        }
    }

    /**
     * For each row {@code (c*KH + kh)*KW + kw} of the column matrix, the offset in {@link #data} of the element its
     * tap reads for output position 0.
     */
    int[] tapOffsets() {
        int[] taps = new int[Math.toIntExact(g.colRows())];
        int r = 0;
        for (int c = 0; c < g.channels(); c++) {
            for (int kh = 0; kh < g.kernelH(); kh++) {
                for (int kw = 0; kw < g.kernelW(); kw++) {
                    taps[r++] = c * planeSize + kh * width + kw;
                }
            }
        }
        return taps;
    }

    /** Offset of output position {@code (oh, ow)}'s receptive field relative to a tap's offset. */
    int positionOffset(int oh, int ow) {
        return oh * g.strideH() * width + ow * g.strideW();
    }
}
