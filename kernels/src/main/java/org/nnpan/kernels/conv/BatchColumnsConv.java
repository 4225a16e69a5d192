package org.nnpan.kernels.conv;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.nnpan.kernels.gemm.Gemm;
import org.nnpan.kernels.gemm.Gemms;
import org.nnpan.kernels.parallel.Parallel;

/**
 * float32 convolution of small feature maps as one GEMM over the whole batch. With fewer output positions per image
 * than a register tile has columns (VGG's 2x2 and 4x4 maps against a 32-wide tile), per-image products waste most of
 * every tile, and a per-image weight gradient reads and writes the whole gradient (9 MiB for a 512-channel layer)
 * for a reduction of only 4 or 16 positions. Here the columns of all images sit side by side in one
 * {@code colRows x (batch * outHW)} matrix, which is small precisely because the maps are, so the three products
 * are single well-shaped GEMMs: {@code Y = W * C}, {@code dC = W^T * dY} (then col2im) and {@code dW = dY * C^T}.
 */
final class BatchColumnsConv {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

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
        MemorySegment cols = batchColumns(g, batch, x, xOffset);
        MemorySegment out = MemorySegment.ofArray(new float[outChannels * n]);
        gemm().sgemm(false, false, outChannels, n, k, 1f, w, wOffset, k, cols, 0, n, 0f, out, 0, n);
        moveImages(g, batch, outChannels, out, 0, y, yOffset, false);
    }

    /** {@code gx = conv(x, w)}'s input gradient for the output gradient {@code gy}, as {@link BatchConv#inputGrad}. */
    static void inputGrad(ConvGeometry g, int batch, int outChannels, MemorySegment gy, long gyOffset,
                          MemorySegment w, long wOffset, MemorySegment gx, long gxOffset) {
        int k = Math.toIntExact(g.colRows());
        int n = columns(g, batch);
        int hw = Math.toIntExact(g.colCols());
        MemorySegment gyAll = MemorySegment.ofArray(new float[outChannels * n]);
        moveImages(g, batch, outChannels, gyAll, 0, gy, gyOffset, true);
        MemorySegment gCols = MemorySegment.ofArray(new float[k * n]);
        gemm().sgemm(true, false, k, n, outChannels, 1f, w, wOffset, k, gyAll, 0, n, 0f, gCols, 0, n);
        Parallel.get().parallelFor(batch, grain(batch, gx), (lo, hi) -> {
            MemorySegment image = MemorySegment.ofArray(new float[k * hw]);
            for (long b = lo; b < hi; b++) {
                for (int r = 0; r < k; r++) {
                    MemorySegment.copy(gCols, ((long) r * n + b * hw) * Float.BYTES, image, (long) r * hw * Float.BYTES,
                            (long) hw * Float.BYTES);
                }
                long at = gxOffset + b * g.inputSize();
                gx.asSlice(at * Float.BYTES, g.inputSize() * Float.BYTES).fill((byte) 0);
                Im2col.F32.col2im(g, image, 0, gx, at);
            }
        });
    }

    /** The weight gradient for input {@code x} and output gradient {@code gy}, as {@link BatchConv#weightGrad}. */
    static void weightGrad(ConvGeometry g, int batch, int outChannels, MemorySegment x, long xOffset,
                           MemorySegment gy, long gyOffset, MemorySegment gw, long gwOffset) {
        int k = Math.toIntExact(g.colRows());
        int n = columns(g, batch);
        MemorySegment cols = batchColumns(g, batch, x, xOffset);
        MemorySegment gyAll = MemorySegment.ofArray(new float[outChannels * n]);
        moveImages(g, batch, outChannels, gyAll, 0, gy, gyOffset, true);
        gemm().sgemm(false, true, outChannels, k, n, 1f, gyAll, 0, n, cols, 0, n, 0f, gw, gwOffset, k);
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

    /** The {@code colRows x (batch * outHW)} column matrix of all images, image {@code b} in columns {@code b * outHW...}. */
    private static MemorySegment batchColumns(ConvGeometry g, int batch, MemorySegment x, long xOffset) {
        int k = Math.toIntExact(g.colRows());
        int hw = Math.toIntExact(g.colCols());
        long n = (long) batch * hw;
        MemorySegment cols = MemorySegment.ofArray(new float[Math.toIntExact(k * n)]);
        Parallel.get().parallelFor(batch, grain(batch, x), (lo, hi) -> {
            MemorySegment image = MemorySegment.ofArray(new float[k * hw]);
            for (long b = lo; b < hi; b++) {
                Im2col.F32.im2col(g, x, xOffset + b * g.inputSize(), image, 0);
                for (int r = 0; r < k; r++) {
                    MemorySegment.copy(image, (long) r * hw * Float.BYTES, cols, (r * n + b * hw) * Float.BYTES,
                            (long) hw * Float.BYTES);
                }
            }
        });
        return cols;
    }

    /**
     * Moves between a {@code [batch, channels, outHW]} tensor at {@code images[imagesOffset]} and the
     * {@code channels x (batch * outHW)} matrix {@code matrix}: into the matrix with {@code toMatrix}, else out of it.
     */
    private static void moveImages(ConvGeometry g, int batch, int channels, MemorySegment matrix, long matrixOffset,
                                   MemorySegment images, long imagesOffset, boolean toMatrix) {
        long hw = g.colCols();
        long n = batch * hw;
        long bytes = hw * Float.BYTES;
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < channels; c++) {
                long inMatrix = (matrixOffset + c * n + b * hw) * Float.BYTES;
                long inImages = (imagesOffset + ((long) b * channels + c) * hw) * Float.BYTES;
                if (toMatrix) {
                    MemorySegment.copy(images, inImages, matrix, inMatrix, bytes);
                } else {
                    MemorySegment.copy(matrix, inMatrix, images, inImages, bytes);
                }
            }
        }
    }
}
