package org.nnpan.kernels.conv;

import static org.nnpan.kernels.gemm.SgemmKernel.L;
import static org.nnpan.kernels.gemm.SgemmKernel.MR;
import static org.nnpan.kernels.gemm.SgemmKernel.NR;
import static org.nnpan.kernels.gemm.SgemmKernel.SPECIES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import org.nnpan.kernels.gemm.SgemmKernel;
import org.nnpan.kernels.memory.NativeSegments;
import org.nnpan.kernels.parallel.Parallel;
import org.nnpan.kernels.parallel.ThreadScratch;

/**
 * The input gradient of a stride-1 float32 convolution as {@code W^T * gY} scattered onto the input, for layers whose
 * padding is small against their kernel (LeNet-5's unpadded 5x5 layers). There the transposed convolution the other
 * paths run pads the output gradient by {@code kernel - 1 - pad} on every side and mostly multiplies that zero
 * border: on an 8x8 map with a 5x5 kernel, 2.9 times the real products. Here each product is one of
 * {@code W^T * gY}'s: per image, tiles of {@code MR} rows {@code (c, kh, kw)} by {@code NR} output positions are
 * computed by the GEMM's register kernel, over the output channels, with the output gradient read in place, and each
 * row is added straight into a padded copy of the input, where tap {@code (kh, kw)} of output position
 * {@code (oh, ow)} lands at {@code (oh + kh, ow + kw)}. The output positions are laid out in rows as wide as the
 * padded input (the extra columns zero), so a row lands on consecutive elements: whole-vector adds, no col2im
 * index arithmetic, and no column matrix. That costs {@code (W + 2 pad) / outW} times the real products (1.5 on that
 * 8x8 map).
 *
 * <p>Summation order, the im2col path's exactly: each tap's contribution is a chain of fused multiply-adds over the
 * output channels, restarted every {@value #KC} (the GEMM's blocks, added in order), and an input element is
 * {@code 0 +} its taps' contributions in ascending {@code (c, kh, kw)}, as col2im adds them: a panel of {@code MR}
 * rows is completed over all positions before its rows are added, one after another. The zero positions add
 * {@code +0} for finite weights, which changes no sum, so results are bit-identical to {@code col2im(W^T * gY)}.
 */
final class ScatterInputGrad {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Depth of the register kernel's chains over output channels, as in the GEMM. */
    private static final int KC = 256;
    /** This path is taken where it multiplies at most this share of the transposed convolution's products. */
    private static final double PREFERRED_COST = 0.75;

    private static final ThreadScratch CALL = new ThreadScratch();
    private static final int WEIGHT = 0;
    private static final int WEIGHT_T = 1;
    private static final ThreadScratch TASK = new ThreadScratch();
    private static final int GRADIENT = 0;
    private static final int PADDED_INPUT = 1;
    private static final int TILE = 2;
    private static final int STAGED = 3;
    private static final int RESULT = 4;
    private static final int PANEL = 5;

    private ScatterInputGrad() {
    }

    /**
     * Whether this path multiplies at most {@value #PREFERRED_COST} times the products {@link VectorBatchConv}'s
     * transposed convolution would (both counted with their padding to whole tiles and vectors, the transposed one's
     * rows widened as it widens them): stride 1 only, and in practice a padding well below the kernel's size.
     */
    static boolean preferredFor(ConvGeometry g, int outChannels) {
        if (g.strideH() != 1 || g.strideW() != 1) {
            return false;
        }
        ConvGeometry transposed = BatchConv.transposed(g, outChannels);
        double positions = VectorBatchConv.widensRows(transposed) ? (double) g.height() * Math.ceilDiv(g.width(), L) * L
                : Math.ceilDiv(g.height() * g.width(), NR) * (double) NR;
        double direct = Math.ceilDiv(g.channels(), MR) * (double) MR * transposed.colRows() * positions;
        double scatter = Math.ceilDiv(Math.toIntExact(g.colRows()), MR) * (double) MR * outChannels
                * positionsPadded(g);
        return scatter <= PREFERRED_COST * direct;
    }

    /** Row width of the padded input, and of the output positions' layout. */
    private static int rowWidth(ConvGeometry g) {
        return g.width() + 2 * g.padW();
    }

    /** Output positions in rows of {@link #rowWidth}, rounded up to whole tiles. */
    private static int positionsPadded(ConvGeometry g) {
        return Math.ceilDiv(g.outH() * rowWidth(g), NR) * NR;
    }

    /** {@code gx} ({@code [batch, C, H, W]}, overwritten) from {@code gy}, as {@link BatchConv#inputGrad}. */
    static void compute(ConvGeometry g, int batch, int outChannels, MemorySegment gy, long gyOffset, MemorySegment w,
                        long wOffset, MemorySegment gx, long gxOffset) {
        int k = Math.toIntExact(g.colRows());
        int rowsPadded = Math.ceilDiv(k, MR) * MR;
        float[] packed = packTransposed(w, wOffset, outChannels, k, rowsPadded);
        int width = rowWidth(g);
        int plane = (g.height() + 2 * g.padH()) * width;
        int positions = positionsPadded(g);
        // Row (c, kh, kw) of W^T adds output position n at target[row] + n of the padded input.
        int[] target = new int[k];
        for (int c = 0, j = 0; c < g.channels(); c++) {
            for (int kh = 0; kh < g.kernelH(); kh++) {
                for (int kw = 0; kw < g.kernelW(); kw++) {
                    target[j++] = c * plane + kh * width + kw;
                }
            }
        }
        // The last rows' zero positions reach past the last plane.
        int paddedSize = g.channels() * plane + positions - g.outH() * width + g.kernelW() - 1;
        int[] rows = new int[outChannels];
        for (int o = 0; o < outChannels; o++) {
            rows[o] = o * positions;
        }
        int outHW = Math.toIntExact(g.colCols());
        long grain = Parallel.poolCanAccess(gy, gx) ? 1 : batch;
        Parallel.get().balancedFor(batch, grain, (start, end) -> {
            MemorySegment in = NativeSegments.typed(gy);
            MemorySegment out = NativeSegments.typed(gx);
            // Only real positions are written per image: the zero columns and tail stay zero.
            float[] gradient = TASK.zeroed(GRADIENT, outChannels * positions);
            float[] padded = TASK.floats(PADDED_INPUT, paddedSize);
            float[] tile = TASK.floats(TILE, MR * NR);
            float[] panel = TASK.floats(PANEL, MR * positions);
            float[] staged = TASK.floats(STAGED, outChannels * outHW);
            float[] result = TASK.floats(RESULT, Math.toIntExact(g.inputSize()));
            for (long b = start; b < end; b++) {
                // The image's output gradient in one copy, then its rows spread to the positions' wider rows.
                MemorySegment.copy(in, F32, (gyOffset + b * outChannels * outHW) * Float.BYTES, staged, 0,
                        outChannels * outHW);
                for (int o = 0; o < outChannels; o++) {
                    copyRows(staged, o * outHW, g.outW(), gradient, rows[o], width, g.outW(), g.outH());
                }
                Arrays.fill(padded, 0f);
                for (int ir = 0; ir < k; ir += MR) {
                    for (int n0 = 0; n0 < positions; n0 += NR) {
                        // The panel holds its tiles one after another: tile n0 / NR at n0 * MR.
                        for (int pc = 0; pc < outChannels; pc += KC) {
                            int kc = Math.min(KC, outChannels - pc);
                            SgemmKernel.multiplyInPlaceB(kc, packed, pc * rowsPadded + ir * kc, gradient, rows, pc,
                                    n0, n0 + L, tile);
                            if (pc == 0) {
                                System.arraycopy(tile, 0, panel, n0 * MR, MR * NR);
                            } else {
                                SgemmKernel.addTile(tile, panel, n0 * MR, NR);
                            }
                        }
                    }
                    scatter(panel, positions, target, ir, Math.min(MR, k - ir), padded);
                }
                for (int c = 0; c < g.channels(); c++) {
                    copyRows(padded, c * plane + g.padH() * width + g.padW(), width, result, c * g.height() * g.width(),
                            g.width(), g.width(), g.height());
                }
                MemorySegment.copy(result, 0, out, F32, (gxOffset + b * g.inputSize()) * Float.BYTES,
                        Math.toIntExact(g.inputSize()));
            }
        });
    }

    /** Copies {@code count} rows of {@code length} floats, {@code fromStride} and {@code toStride} apart. */
    private static void copyRows(float[] from, int fromStart, int fromStride, float[] to, int toStart, int toStride,
                                 int length, int count) {
        for (int r = 0; r < count; r++) {
            int f = fromStart + r * fromStride;
            int t = toStart + r * toStride;
            for (int i = 0; i < length; i++) {
                to[t + i] = from[f + i];
            }
        }
    }

    /**
     * Adds the first {@code live} rows of a panel (its tiles one after another), each over all output positions, into
     * the padded input, row by row: each input element receives its taps in ascending {@code (c, kh, kw)}, as col2im
     * adds them.
     */
    private static void scatter(float[] panel, int positions, int[] target, int ir, int live, float[] padded) {
        for (int r = 0; r < live; r++) {
            int to = target[ir + r];
            for (int n0 = 0; n0 < positions; n0 += NR) {
                for (int v = 0; v < NR; v += L) {
                    FloatVector.fromArray(SPECIES, padded, to + n0 + v)
                            .add(FloatVector.fromArray(SPECIES, panel, n0 * MR + r * NR + v))
                            .intoArray(padded, to + n0 + v);
                }
            }
        }
    }

    /**
     * {@code W^T} ({@code k x O}, row {@code (c, kh, kw)}) as the register kernel's A panels, packed as
     * {@link VectorBatchConv} packs its weights: block {@code pc}'s panel {@code ir} starts at
     * {@code pc * rowsPadded + ir * kc}.
     */
    private static float[] packTransposed(MemorySegment w, long wOffset, int outChannels, int k, int rowsPadded) {
        float[] weight = CALL.floats(WEIGHT, outChannels * k);
        MemorySegment.copy(NativeSegments.typed(w), F32, wOffset * Float.BYTES, weight, 0, outChannels * k);
        float[] transposed = CALL.floats(WEIGHT_T, outChannels * k);
        for (int o = 0; o < outChannels; o++) {
            for (int j = 0; j < k; j++) {
                transposed[j * outChannels + o] = weight[o * k + j];
            }
        }
        return VectorBatchConv.packWeight(transposed, k, rowsPadded, outChannels);
    }
}
