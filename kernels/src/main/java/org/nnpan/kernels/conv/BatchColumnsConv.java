package org.nnpan.kernels.conv;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.nnpan.kernels.gemm.Gemm;
import org.nnpan.kernels.gemm.Gemms;
import org.nnpan.kernels.memory.NativeScratch;
import org.nnpan.kernels.memory.NativeSegments;
import org.nnpan.kernels.parallel.Parallel;
import org.nnpan.kernels.parallel.ThreadScratch;

/**
 * float32 convolution of small feature maps as one GEMM over the whole batch. With fewer output positions per image
 * than a register tile has columns (VGG's 2x2 and 4x4 maps against a 32-wide tile), per-image products waste most of
 * every tile, and a per-image weight gradient reads and writes the whole gradient (9 MiB for a 512-channel layer)
 * for a reduction of only 4 or 16 positions. Here the columns of all images sit side by side in one
 * {@code colRows x (batch * outHW)} matrix, which is small precisely because the maps are, so the three products
 * are single well-shaped GEMMs: {@code Y = W * C}, {@code dC = W^T * dY} (then col2im) and {@code dW = dY * C^T} (with
 * {@code C^T} gathered as such).
 *
 * <p>Each image's columns are gathered straight into (and its col2im read straight from) the batch matrix through a
 * {@link PaddedImage}, one indexed copy per element; the matrices are the calling thread's native scratch, reused
 * across calls (native because the GEMM reads them: a heap segment there deoptimised every segment-reading kernel of
 * the JVM, see {@link NativeSegments}). A per-image column matrix copied row by row into the batch one cost as much
 * as the GEMM on 2x2 maps (4-float rows). Every element sees the same operations in the same order as {@code im2col}, the engine's GEMM and
 * {@code col2im} on fresh arrays.
 */
final class BatchColumnsConv {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** The calling thread's matrices, read and written by the pool's threads during a call. */
    private static final NativeScratch CALL = new NativeScratch();
    private static final int COLUMNS = 0;
    private static final int OUTPUT_MATRIX = 1;
    /** A task's col2im accumulator, in the padded layout of a {@link PaddedImage}. */
    private static final ThreadScratch TASK = new ThreadScratch();

    private BatchColumnsConv() {
    }

    /** Whether maps of {@code g} are small enough for this path: fewer output positions than {@code tileColumns}. */
    static boolean preferredFor(ConvGeometry g, int tileColumns) {
        return g.colCols() < tileColumns;
    }

    /** {@code y = conv(x, w)}, as {@link BatchConv#forward}. */
    static void forward(ConvGeometry g, int batch, int outChannels, MemorySegment x, long xOffset,
                        MemorySegment w, long wOffset, MemorySegment y, long yOffset) {
        int k = Math.toIntExact(g.colRows());
        int n = columns(g, batch);
        MemorySegment cols = batchColumns(g, batch, x, xOffset, false);
        MemorySegment out = CALL.floats(OUTPUT_MATRIX, (long) outChannels * n);
        gemm().sgemm(false, false, outChannels, n, k, 1f, w, wOffset, k, cols, 0, n, 0f, out, 0, n);
        moveImages(g, batch, outChannels, out, y, yOffset, false);
    }

    /** {@code gx = conv(x, w)}'s input gradient for the output gradient {@code gy}, as {@link BatchConv#inputGrad}. */
    static void inputGrad(ConvGeometry g, int batch, int outChannels, MemorySegment gy, long gyOffset,
                          MemorySegment w, long wOffset, MemorySegment gx, long gxOffset) {
        int k = Math.toIntExact(g.colRows());
        int n = columns(g, batch);
        MemorySegment gyAll = CALL.floats(OUTPUT_MATRIX, (long) outChannels * n);
        moveImages(g, batch, outChannels, gyAll, gy, gyOffset, true);
        MemorySegment columns = CALL.floats(COLUMNS, (long) k * n);
        gemm().sgemm(true, false, k, n, outChannels, 1f, w, wOffset, k, gyAll, 0, n, 0f, columns, 0, n);
        Parallel.get().balancedFor(batch, grain(batch, gx), (lo, hi) -> {
            Taps taps = new Taps(g);
            float[] image = TASK.floats(0, taps.paddedSize);
            MemorySegment gCols = NativeSegments.typed(columns);
            for (long b = lo; b < hi; b++) {
                Arrays.fill(image, 0, taps.paddedSize, 0f);
                // col2im's order: an input element is 0 + its taps' contributions in (c, kh, kw) order; those that
                // land in the padding are never read.
                int column = Math.toIntExact(b * taps.outHW);
                for (int r = 0; r < k; r++) {
                    int from = r * n + column;
                    int tap = taps.offsets[r];
                    for (int p = 0; p < taps.outHW; p++) {
                        image[tap + taps.positions[p]] += gCols.getAtIndex(F32, from + p);
                    }
                }
                taps.image.storeInterior(image, gx, gxOffset + b * g.inputSize());
            }
        });
    }

    /** The weight gradient for input {@code x} and output gradient {@code gy}, as {@link BatchConv#weightGrad}. */
    static void weightGrad(ConvGeometry g, int batch, int outChannels, MemorySegment x, long xOffset,
                           MemorySegment gy, long gyOffset, MemorySegment gw, long gwOffset) {
        int k = Math.toIntExact(g.colRows());
        int n = columns(g, batch);
        // C^T rather than C: the GEMM then packs its B panels with vector copies instead of a scalar transpose, the
        // same panels.
        MemorySegment colsT = batchColumns(g, batch, x, xOffset, true);
        MemorySegment gyAll = CALL.floats(OUTPUT_MATRIX, (long) outChannels * n);
        moveImages(g, batch, outChannels, gyAll, gy, gyOffset, true);
        gemm().sgemm(false, false, outChannels, k, n, 1f, gyAll, 0, n, colsT, 0, k, 0f, gw, gwOffset, k);
    }

    /** One image per task, or all on the caller when pool threads cannot access {@code images} (a confined arena). */
    private static long grain(int batch, MemorySegment images) {
        return Parallel.poolCanAccess(images) ? 1 : batch;
    }

    private static Gemm gemm() {
        return Gemms.best();
    }

    /** Columns of the batch matrix: every output position of every image. */
    private static int columns(ConvGeometry g, int batch) {
        return Math.toIntExact(batch * g.colCols());
    }

    /**
     * The {@code colRows x (batch * outHW)} column matrix of all images, image {@code b} in columns
     * {@code b * outHW...}, or with {@code transposed} its transpose: the calling thread's scratch, valid until its
     * next call here.
     */
    private static MemorySegment batchColumns(ConvGeometry g, int batch, MemorySegment x, long xOffset,
                                              boolean transposed) {
        int k = Math.toIntExact(g.colRows());
        int n = columns(g, batch);
        MemorySegment matrix = CALL.floats(COLUMNS, (long) k * n);
        Parallel.get().balancedFor(batch, grain(batch, x), (lo, hi) -> {
            MemorySegment cols = NativeSegments.typed(matrix);
            Taps taps = new Taps(g);
            float[] data = taps.image.data;
            for (long b = lo; b < hi; b++) {
                taps.image.load(x, xOffset + b * g.inputSize());
                int column = Math.toIntExact(b * taps.outHW);
                if (transposed) {
                    for (int p = 0; p < taps.outHW; p++) {
                        int to = (column + p) * k;
                        int position = taps.positions[p];
                        for (int r = 0; r < k; r++) {
                            cols.setAtIndex(F32, to + r, data[taps.offsets[r] + position]);
                        }
                    }
                } else {
                    for (int r = 0; r < k; r++) {
                        int to = r * n + column;
                        int tap = taps.offsets[r];
                        for (int p = 0; p < taps.outHW; p++) {
                            cols.setAtIndex(F32, to + p, data[tap + taps.positions[p]]);
                        }
                    }
                }
            }
        });
        return matrix;
    }

    /** A task's staged image with, per column-matrix row and per output position, where its element lies. */
    private static final class Taps {
        final PaddedImage image;
        final int[] offsets;
        final int[] positions;
        final int outHW;
        final int paddedSize;

        Taps(ConvGeometry g) {
            image = PaddedImage.forThread(g, 0, 0);
            offsets = image.tapOffsets();
            outHW = Math.toIntExact(g.colCols());
            positions = image.positionOffsets(outHW);
            paddedSize = g.channels() * image.planeSize;
        }
    }

    /**
     * Moves between a {@code [batch, channels, outHW]} tensor at {@code images[imagesOffset]} and the
     * {@code channels x (batch * outHW)} matrix {@code matrix}: into the matrix with {@code toMatrix}, else out of it.
     */
    private static void moveImages(ConvGeometry g, int batch, int channels, MemorySegment matrix,
                                   MemorySegment images, long imagesOffset, boolean toMatrix) {
        long bytes = g.colCols() * Float.BYTES;
        // Byte offsets of plane (b, c): start + b * perImage + c * perChannel. The direction is chosen here, not in
        // the loop, where C2 hoisted it as a loop predicate that trapped when the other direction first ran.
        long[] tensor = {imagesOffset * Float.BYTES, channels * bytes, bytes};
        long[] batchMatrix = {0, bytes, batch * bytes};
        long[] from = toMatrix ? tensor : batchMatrix;
        long[] to = toMatrix ? batchMatrix : tensor;
        MemorySegment source = toMatrix ? images : matrix;
        MemorySegment target = toMatrix ? matrix : images;
        Parallel.get().balancedFor(batch, grain(batch, images), (lo, hi) -> {
            MemorySegment src = NativeSegments.typed(source);
            MemorySegment dst = NativeSegments.typed(target);
            for (long b = lo; b < hi; b++) {
                for (int c = 0; c < channels; c++) {
                    MemorySegment.copy(src, from[0] + b * from[1] + c * from[2], dst, to[0] + b * to[1] + c * to[2],
                            bytes);
                }
            }
        });
    }
}
