package org.nnpan.kernels.conv;

/**
 * The shape of a 2-D convolution over one image in NCHW layout: input {@code channels x height x width}, kernel
 * {@code kernelH x kernelW}, zero padding {@code padH}/{@code padW} on both sides, dilation 1.
 *
 * @throws IllegalArgumentException if a size or stride is below 1, a padding is negative, or the padded input is
 *     smaller than the kernel
 */
public record ConvGeometry(int channels, int height, int width, int kernelH, int kernelW,
                           int strideH, int strideW, int padH, int padW) {

    public ConvGeometry {
        positive("channels", channels);
        positive("height", height);
        positive("width", width);
        positive("kernelH", kernelH);
        positive("kernelW", kernelW);
        positive("strideH", strideH);
        positive("strideW", strideW);
        if (padH < 0 || padW < 0) {
            throw new IllegalArgumentException("padding must be >= 0, got padH " + padH + ", padW " + padW);
        }
        if (height + 2L * padH < kernelH || width + 2L * padW < kernelW) {
            throw new IllegalArgumentException("kernel " + kernelH + "x" + kernelW + " is larger than the padded input "
                    + (height + 2L * padH) + "x" + (width + 2L * padW));
        }
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + value);
        }
    }

    /** Output height: {@code (height + 2 padH - kernelH) / strideH + 1}. */
    public int outH() {
        return (height + 2 * padH - kernelH) / strideH + 1;
    }

    /** Output width: {@code (width + 2 padW - kernelW) / strideW + 1}. */
    public int outW() {
        return (width + 2 * padW - kernelW) / strideW + 1;
    }

    /** Whether the kernel is 3x3 with stride 1 and padding 1 on both axes, so the output map is the input's size. */
    public boolean isSame3x3() {
        return kernelH == 3 && kernelW == 3 && strideH == 1 && strideW == 1 && padH == 1 && padW == 1;
    }

    /** Elements of one input image: {@code channels * height * width}. */
    public long inputSize() {
        return (long) channels * height * width;
    }

    /** Rows of the column matrix: {@code channels * kernelH * kernelW}. */
    public long colRows() {
        return (long) channels * kernelH * kernelW;
    }

    /** Columns of the column matrix: {@code outH * outW}. */
    public long colCols() {
        return (long) outH() * outW();
    }

    /** Elements of the column matrix: {@link #colRows()} times {@link #colCols()}. */
    public long colSize() {
        return colRows() * colCols();
    }
}
