package org.nnpan.kernels.conv;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.nnpan.kernels.memory.NativeSegments;
import org.nnpan.kernels.parallel.ThreadScratch;

/**
 * One float32 NCHW image staged in a Java array with its zero padding made explicit, so that every receptive-field
 * row is a plain array run: element {@code (c, ih, iw)} of the image sits at {@code c * planeSize + (ih + padH) *
 * width + iw + padW}. The border is zeroed once; {@link #load} only overwrites the interior, so one instance serves a
 * whole batch. Rows may be widened with extra zero columns on the right. An optional zero tail after the last plane
 * lets kernels that read whole padded rows run past its end. The arrays are the calling thread's scratch (see
 * {@link #forThread}), so staging allocates nothing per call.
 */
final class PaddedImage implements StagedImage {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /** Index 0 holds {@link #storeInterior}'s unpadded copy; image {@code i} is at {@code i + 1}. */
    private static final ThreadScratch SCRATCH = new ThreadScratch();

    private final ConvGeometry g;
    /** Row length with padding. */
    final int width;
    /** Elements of one padded channel plane. */
    final int planeSize;
    /** The padded image: its first {@code channels * planeSize + slack} elements (the array may be longer). */
    final float[] data;

    private PaddedImage(ConvGeometry g, int slack, int index, int minWidth) {
        this.g = g;
        this.width = width(g, minWidth);
        this.planeSize = planeSize(g, width);
        int size = Math.addExact(Math.multiplyExact(g.channels(), planeSize), slack);
        this.data = SCRATCH.zeroed(index + 1, size);
    }

    /**
     * The calling thread's staging image number {@code index} for geometry {@code g}, followed by {@code slack} zeros:
     * valid until this thread asks for the same index again. A kernel that stages several images at once gives each
     * its own index.
     */
    static PaddedImage forThread(ConvGeometry g, int slack, int index) {
        return new PaddedImage(g, slack, index, 0);
    }

    /**
     * {@link #forThread} with rows of at least {@code minWidth} elements, the extra columns zero: a kernel that reads
     * whole vectors along output rows shorter than a vector reads those columns instead of the next row.
     */
    static PaddedImage forThread(ConvGeometry g, int slack, int index, int minWidth) {
        return new PaddedImage(g, slack, index, minWidth);
    }

    @Override
    public float[] data() {
        return data;
    }

    /**
     * Copies the image's rows from the segment straight into their padded places, a vector at a time (the last one
     * masked): a bulk copy into an array and a {@code System.arraycopy} per row took 1.1–1.5× as long on 8x8 to
     * 32x32 maps.
     */
    @Override
    public void load(MemorySegment x, long offset) {
        MemorySegment src = NativeSegments.typed(x);
        int h = g.height();
        for (int c = 0; c < g.channels(); c++) {
            copyRows(src, offset + (long) c * h * g.width(), h, g.width(), data,
                    c * planeSize + g.padH() * width + g.padW(), width);
        }
    }

    /**
     * Copies {@code rows} consecutive rows of {@code w} floats from element {@code from} of the native segment
     * {@code src} to {@code dst}, row {@code r} at {@code to + r * stride}, a vector at a time (the last one masked);
     * what lies between the rows in {@code dst} is left as it is.
     */
    static void copyRows(MemorySegment src, long from, int rows, int w, float[] dst, int to, int stride) {
        int whole = FLOATS.loopBound(w);
        VectorMask<Float> tail = FLOATS.indexInRange(whole, w);
        for (int r = 0; r < rows; r++) {
            long row = (from + (long) r * w) * Float.BYTES;
            int at = to + r * stride;
            int j = 0;
            for (; j < whole; j += FLOATS.length()) {
                FloatVector.fromMemorySegment(FLOATS, src, row + (long) j * Float.BYTES, ORDER).intoArray(dst, at + j);
            }
            if (j < w) {
                FloatVector.fromMemorySegment(FLOATS, src, row + (long) j * Float.BYTES, ORDER, tail)
                        .intoArray(dst, at + j, tail);
            }
        }
    }

    /**
     * Writes the interior of {@code padded}, an array in this image's padded layout, to the image at element
     * {@code offset} of {@code x}: the adjoint of {@link #load}'s placement, for kernels that accumulate a gradient in
     * the padded layout and drop what lands in the padding.
     */
    void storeInterior(float[] padded, MemorySegment x, long offset) {
        int rawSize = Math.toIntExact(g.inputSize());
        float[] raw = SCRATCH.floats(0, rawSize);
        int h = g.height();
        int w = g.width();
        for (int c = 0; c < g.channels(); c++) {
            for (int ih = 0; ih < h; ih++) {
                System.arraycopy(padded, c * planeSize + (ih + g.padH()) * width + g.padW(), raw, (c * h + ih) * w, w);
            }
        }
        MemorySegment.copy(raw, 0, NativeSegments.typed(x), F32, offset * Float.BYTES, rawSize);
    }

    /**
     * For each row {@code (c*KH + kh)*KW + kw} of the column matrix, the offset in {@link #data} of the element its
     * tap reads for output position 0.
     */
    @Override
    public int[] tapOffsets() {
        return tapOffsets(g, width, planeSize);
    }

    /**
     * {@link #tapOffsets()} of the images {@code forThread(g, slack, index, minWidth)} stages, without staging one: for
     * work a call does once before its tasks stage their images.
     */
    static int[] tapOffsets(ConvGeometry g, int minWidth) {
        int width = width(g, minWidth);
        return tapOffsets(g, width, planeSize(g, width));
    }

    private static int[] tapOffsets(ConvGeometry g, int width, int planeSize) {
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

    /** Elements per staged row: the padded image row, or {@code minWidth} if that is longer. */
    private static int width(ConvGeometry g, int minWidth) {
        return Math.max(g.width() + 2 * g.padW(), minWidth);
    }

    private static int planeSize(ConvGeometry g, int width) {
        return Math.multiplyExact(g.height() + 2 * g.padH(), width);
    }

    @Override
    public int positionOffset(int oh, int ow) {
        return oh * g.strideH() * width + ow * g.strideW();
    }

    /**
     * {@link #positionOffset} of every output position in row-major order, padded to {@code length} with position 0's
     * (padded rows of a tile read real pixels and are never stored).
     */
    int[] positionOffsets(int length) {
        int[] offsets = new int[length];
        for (int oh = 0; oh < g.outH(); oh++) {
            for (int ow = 0; ow < g.outW(); ow++) {
                offsets[oh * g.outW() + ow] = positionOffset(oh, ow);
            }
        }
        Arrays.fill(offsets, g.outH() * g.outW(), length, offsets[0]);
        return offsets;
    }
}
