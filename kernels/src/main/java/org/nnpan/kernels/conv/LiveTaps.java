package org.nnpan.kernels.conv;

import static org.nnpan.kernels.gemm.SgemmKernel.MR;

/**
 * The weight panels and tap offsets of one register tile of {@link VectorBatchConv}'s in-place convolution, restricted
 * to the taps that read a real image row for at least one of the tile's two output rows. The others read only the
 * zero padding above or below the image (an input gradient's transposed convolution pads a 5x5 kernel by 4, so on
 * LeNet-5's 8x8 maps a quarter of all products are with padding rows), and dropping them from each
 * {@code KC}-deep chain leaves every sum as it was: {@code fma(w, 0, s) = s} for finite {@code w} and any
 * {@code s} but {@code -0}, which a chain started at {@code +0} reaches only by underflowing below the smallest
 * subnormal float. Chains stay cut at the same tap indices, so they are added in the same order.
 */
final class LiveTaps {

    /** The live columns of the packed weight, per block {@code b} from {@link #weightStart}{@code [b]}. */
    final float[] weight;
    /** Where block {@code b}'s {@code MR}-row panels start in {@link #weight}; panel {@code ir} at {@code + ir * depth[b]}. */
    final int[] weightStart;
    /** The live taps' image offsets, block {@code b}'s from {@link #tapStart}{@code [b]}. */
    final int[] taps;
    final int[] tapStart;
    /** Live taps per block. */
    final int[] depth;

    private LiveTaps(float[] weight, int[] weightStart, int[] taps, int[] tapStart, int[] depth) {
        this.weight = weight;
        this.weightStart = weightStart;
        this.taps = taps;
        this.tapStart = tapStart;
        this.depth = depth;
    }

    /**
     * The live taps of a tile over output rows {@code oh0} and {@code oh1}, or {@code null} when every tap reads a real
     * row. {@code packedWeight} holds {@code rowsPadded}-row panels per {@code kc}-deep block as {@code
     * VectorBatchConv.packWeight} lays them out; {@code tapOffsets} are the staged image's.
     */
    static LiveTaps of(ConvGeometry g, int oh0, int oh1, int[] tapOffsets, float[] packedWeight, int rowsPadded,
                       int kc) {
        int k = tapOffsets.length;
        int taps = g.kernelH() * g.kernelW();
        boolean[] live = new boolean[k];
        int count = 0;
        for (int j = 0; j < k; j++) {
            int kh = j % taps / g.kernelW();
            live[j] = realRow(g, oh0, kh) || realRow(g, oh1, kh);
            count += live[j] ? 1 : 0;
        }
        if (count == k) {
            return null;
        }
        int blocks = (k + kc - 1) / kc;
        float[] weight = new float[rowsPadded * count];
        int[] liveTaps = new int[count];
        int[] weightStart = new int[blocks];
        int[] tapStart = new int[blocks];
        int[] depth = new int[blocks];
        int at = 0;
        for (int b = 0; b < blocks; b++) {
            int pc = b * kc;
            int blockDepth = Math.min(kc, k - pc);
            tapStart[b] = at;
            for (int p = 0; p < blockDepth; p++) {
                if (live[pc + p]) {
                    liveTaps[at++] = tapOffsets[pc + p];
                }
            }
            depth[b] = at - tapStart[b];
            weightStart[b] = rowsPadded * tapStart[b];
            for (int ir = 0; ir < rowsPadded; ir += MR) {
                int from = pc * rowsPadded + ir * blockDepth;
                int to = weightStart[b] + ir * depth[b];
                for (int p = 0; p < blockDepth; p++) {
                    if (live[pc + p]) {
                        System.arraycopy(packedWeight, from + p * MR, weight, to, MR);
                        to += MR;
                    }
                }
            }
        }
        return new LiveTaps(weight, weightStart, liveTaps, tapStart, depth);
    }

    /** Whether kernel row {@code kh} of output row {@code oh} reads a row of the image rather than its padding. */
    private static boolean realRow(ConvGeometry g, int oh, int kh) {
        int row = oh * g.strideH() + kh - g.padH();
        return row >= 0 && row < g.height();
    }
}
