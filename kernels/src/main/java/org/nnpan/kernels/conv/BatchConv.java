package org.nnpan.kernels.conv;

import java.lang.foreign.MemorySegment;

/**
 * float32 convolution of a whole NCHW batch without materialising a column matrix: each thread stages one
 * zero-padded image at a time and packs GEMM panels straight from it ("implicit GEMM"), with the weight matrix
 * packed once per call. Offsets count elements; all segments hold contiguous float32 data and are native (off-heap,
 * as every tensor's storage is): a heap segment is an {@link IllegalArgumentException} naming the argument.
 *
 * <p>Implementations run images in parallel on {@link org.nnpan.kernels.parallel.Parallel}; every output element is
 * computed by one thread in a fixed order, so results do not depend on the thread count.
 */
public interface BatchConv {

    /**
     * {@code y[b] = conv(x[b], w)} for every image {@code b < batch}: x is {@code [batch, C, H, W]} with {@code C, H, W}
     * from {@code g}, w is {@code [outChannels, C, KH, KW]}, y is {@code [batch, outChannels, OH, OW]} (overwritten).
     */
    void forward(ConvGeometry g, int batch, int outChannels, MemorySegment x, long xOffset,
                 MemorySegment w, long wOffset, MemorySegment y, long yOffset);

    /**
     * The gradient of {@link #forward} with respect to its input, for geometries {@link #supportsInputGrad} accepts:
     * {@code gx} ({@code [batch, C, H, W]}, overwritten) from {@code gy} ({@code [batch, outChannels, OH, OW]}). At
     * stride 1 this is the forward convolution of {@code gy} with the spatially flipped, channel-transposed weight and
     * padding {@code K - 1 - pad}; strided, one stride-1 sum per phase of the input. Neither needs col2im.
     */
    void inputGrad(ConvGeometry g, int batch, int outChannels, MemorySegment gy, long gyOffset,
                   MemorySegment w, long wOffset, MemorySegment gx, long gxOffset);

    /**
     * The gradient of {@link #forward} with respect to its weight: {@code gw} ({@code [outChannels, C, KH, KW]},
     * overwritten) from {@code x} and {@code gy}. Images are split into contiguous chunks (a number fixed by the batch
     * and the thread count) whose partial sums are added in chunk order, so the result depends only on the thread
     * count.
     */
    void weightGrad(ConvGeometry g, int batch, int outChannels, MemorySegment x, long xOffset,
                    MemorySegment gy, long gyOffset, MemorySegment gw, long gwOffset);

    /** Whether {@link #inputGrad} handles {@code g}: a stride above 1, or padding below the kernel size. */
    static boolean supportsInputGrad(ConvGeometry g) {
        return g.strideH() > 1 || g.strideW() > 1 || g.padH() < g.kernelH() && g.padW() < g.kernelW();
    }

    /** The geometry of {@link #inputGrad}'s forward convolution: over {@code gy}'s planes, padding {@code K - 1 - pad}. */
    static ConvGeometry transposed(ConvGeometry g, int outChannels) {
        return new ConvGeometry(outChannels, g.outH(), g.outW(), g.kernelH(), g.kernelW(), 1, 1,
                g.kernelH() - 1 - g.padH(), g.kernelW() - 1 - g.padW());
    }
}
