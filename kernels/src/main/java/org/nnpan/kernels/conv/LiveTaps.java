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

    /**
     * Where block {@code b}'s {@code MR}-row panels of live weight columns start in the buffer that {@link #gather}
     * fills; panel {@code ir} at {@code + ir * depth[b]}.
     */
    final int[] weightStart;
    /** The live taps' image offsets, block {@code b}'s from {@link #tapStart}{@code [b]}. */
    final int[] taps;
    final int[] tapStart;
    /** Live taps per block. */
    final int[] depth;
    private final boolean[] live;
    private final int rowsPadded;
    private final int kc;

    private LiveTaps(boolean[] live, int[] taps, int[] tapStart, int[] depth, int rowsPadded, int kc, int offset) {
        this.live = live;
        this.taps = taps;
        this.tapStart = tapStart;
        this.depth = depth;
        this.rowsPadded = rowsPadded;
        this.kc = kc;
        this.weightStart = new int[depth.length];
        for (int b = 0; b < depth.length; b++) {
            weightStart[b] = offset + rowsPadded * tapStart[b];
        }
    }

    /**
     * The live taps of a tile over output rows {@code oh0} and {@code oh1}, or {@code null} when every tap reads a real
     * row, for weights packed in {@code rowsPadded}-row panels per {@code kc}-deep block (as {@code
     * VectorBatchConv.packWeight} lays them out) and gathered at {@code offset} of a buffer; {@code tapOffsets} are the
     * staged image's.
     */
    static LiveTaps of(ConvGeometry g, int oh0, int oh1, int[] tapOffsets, int rowsPadded, int kc, int offset) {
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
        int[] liveTaps = new int[count];
        int[] tapStart = new int[blocks];
        int[] depth = new int[blocks];
        int at = 0;
        for (int b = 0; b < blocks; b++) {
            tapStart[b] = at;
            for (int j = b * kc; j < Math.min(k, (b + 1) * kc); j++) {
                if (live[j]) {
                    liveTaps[at++] = tapOffsets[j];
                }
            }
            depth[b] = at - tapStart[b];
        }
        return new LiveTaps(live, liveTaps, tapStart, depth, rowsPadded, kc, offset);
    }

    /** Floats {@link #gather} writes. */
    int weightSize() {
        return rowsPadded * taps.length;
    }

    /** The buffer index after the last float {@link #gather} writes. */
    int weightEnd() {
        return weightStart[0] + weightSize();
    }

    /** Copies the live columns of {@code packedWeight}'s panels into {@code buffer}, from {@link #weightStart}. */
    void gather(float[] packedWeight, float[] buffer) {
        int k = live.length;
        for (int b = 0; b < depth.length; b++) {
            int pc = b * kc;
            int blockDepth = Math.min(kc, k - pc);
            for (int ir = 0; ir < rowsPadded; ir += MR) {
                int from = pc * rowsPadded + ir * blockDepth;
                int to = weightStart[b] + ir * depth[b];
                for (int p = 0; p < blockDepth; p++) {
                    if (live[pc + p]) {
                        System.arraycopy(packedWeight, from + p * MR, buffer, to, MR);
                        to += MR;
                    }
                }
            }
        }
    }

    /** Whether kernel row {@code kh} of output row {@code oh} reads a row of the image rather than its padding. */
    private static boolean realRow(ConvGeometry g, int oh, int kh) {
        int row = oh * g.strideH() + kh - g.padH();
        return row >= 0 && row < g.height();
    }
}
