package org.nnpan.kernels.conv;

import static org.nnpan.kernels.gemm.SgemmKernel.L;
import static org.nnpan.kernels.gemm.SgemmKernel.MR;
import static org.nnpan.kernels.gemm.SgemmKernel.NR;
import static org.nnpan.kernels.gemm.SgemmKernel.SPECIES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
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
 * {@code (oh, ow)} lands at {@code (oh + kh, ow + kw)}: one output row at a time, its {@code outW} positions onto
 * consecutive elements (masked vector adds, cut where a row crosses a tile), with no col2im index arithmetic and no
 * column matrix. Only whole tiles are multiplied: on that 8x8 map, 1.01 times the real products (its 500 rows
 * padded to 504).
 *
 * <p>Summation order, the im2col path's exactly: each tap's contribution is a chain of fused multiply-adds over the
 * output channels, restarted every {@value #KC} (the GEMM's blocks, added in order), and an input element is
 * {@code 0 +} its taps' contributions in ascending {@code (c, kh, kw)}, as col2im adds them: a panel of {@code MR}
 * rows is completed over all positions before its rows are added, one after another, and the tiles' padding
 * positions are never added, so results are bit-identical to {@code col2im(W^T * gY)}.
 */
final class ScatterInputGrad {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Depth of the register kernel's chains over output channels, as in the GEMM. */
    private static final int KC = 256;
    /** This path is taken where it multiplies at most this share of the transposed convolution's products. */
    private static final double PREFERRED_COST = 0.75;

    private static final ThreadScratch CALL = new ThreadScratch();
    private static final int WEIGHT_T = 0;
    private static final ThreadScratch TASK = new ThreadScratch();
    private static final int GRADIENT = 0;
    private static final int PADDED_INPUT = 1;
    private static final int TILE = 2;
    private static final int RESULT = 3;
    private static final int PANEL = 4;

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

    /** Row width of the padded input. */
    private static int rowWidth(ConvGeometry g) {
        return g.width() + 2 * g.padW();
    }

    /** Output positions rounded up to whole tiles. */
    private static int positionsPadded(ConvGeometry g) {
        return Math.toIntExact(Math.ceilDiv(g.colCols(), NR) * NR);
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
        // Row (c, kh, kw) of W^T adds output row oh's positions from target[row] + oh * width of the padded input.
        int[] target = new int[k];
        for (int c = 0, j = 0; c < g.channels(); c++) {
            for (int kh = 0; kh < g.kernelH(); kh++) {
                for (int kw = 0; kw < g.kernelW(); kw++) {
                    target[j++] = c * plane + kh * width + kw;
                }
            }
        }
        RowPieces pieces = new RowPieces(g.outH(), g.outW(), width);
        int[] rows = new int[outChannels];
        for (int o = 0; o < outChannels; o++) {
            rows[o] = o * positions;
        }
        int outHW = Math.toIntExact(g.colCols());
        long grain = Parallel.poolCanAccess(gy, gx) ? 1 : batch;
        Parallel.get().balancedFor(batch, grain, (start, end) -> {
            MemorySegment in = NativeSegments.typed(gy);
            MemorySegment out = NativeSegments.typed(gx);
            // Only real positions are written per image: each channel's padding to whole tiles stays zero.
            float[] gradient = TASK.zeroed(GRADIENT, outChannels * positions);
            float[] padded = TASK.floats(PADDED_INPUT, g.channels() * plane);
            float[] tile = TASK.floats(TILE, MR * NR);
            float[] panel = TASK.floats(PANEL, MR * positions);
            float[] result = TASK.floats(RESULT, Math.toIntExact(g.inputSize()));
            for (long b = start; b < end; b++) {
                long image = gyOffset + b * outChannels * outHW;
                for (int o = 0; o < outChannels; o++) {
                    MemorySegment.copy(in, F32, (image + (long) o * outHW) * Float.BYTES, gradient, rows[o], outHW);
                }
                Arrays.fill(padded, 0, g.channels() * plane, 0f);
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
                    pieces.scatter(panel, target, ir, Math.min(MR, k - ir), padded);
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
     * The output rows of a panel cut into pieces that lie in one tile and fit one vector, with where each lands: a
     * panel stores its tiles one after another ({@code MR x NR} each), so an output row that crosses a tile boundary
     * is two pieces.
     */
    private static final class RowPieces {
        /** Half a vector: LeNet-5's 8-wide rows. */
        private static final VectorSpecies<Float> HALF = SPECIES.withShape(VectorShape.forBitSize(
                SPECIES.vectorBitSize() / 2));
        /** Per piece: offset of its first position in a panel's row 0, in the tile-major layout. */
        private final int[] from;
        /** Per piece: offset of its first element from a row's target in the padded input. */
        private final int[] to;
        /** Per piece: its length, at most one vector. */
        private final int[] length;

        RowPieces(int outH, int outW, int width) {
            int[] f = new int[outH * (outW + 2)];
            int[] t = new int[f.length];
            int[] l = new int[f.length];
            int n = 0;
            for (int oh = 0; oh < outH; oh++) {
                for (int p = oh * outW, end = p + outW; p < end; ) {
                    l[n] = Math.min(Math.min(end, (p / NR + 1) * NR) - p, L);
                    f[n] = p / NR * MR * NR + p % NR;
                    t[n] = oh * width + p - oh * outW;
                    p += l[n++];
                }
            }
            from = Arrays.copyOf(f, n);
            to = Arrays.copyOf(t, n);
            length = Arrays.copyOf(l, n);
        }

        /**
         * Adds the first {@code live} rows of a panel, each over all output positions, into the padded input, row by
         * row: each input element receives its taps in ascending {@code (c, kh, kw)}, as col2im adds them. Pieces of a
         * whole or half vector take one vector add, others a plain loop (masked adds with per-piece masks ran slower
         * than the products they saved).
         */
        void scatter(float[] panel, int[] target, int ir, int live, float[] padded) {
            for (int r = 0; r < live; r++) {
                int row = target[ir + r];
                for (int i = 0; i < from.length; i++) {
                    int at = row + to[i];
                    int src = from[i] + r * NR;
                    if (length[i] == L) {
                        FloatVector.fromArray(SPECIES, padded, at).add(FloatVector.fromArray(SPECIES, panel, src))
                                .intoArray(padded, at);
                    } else if (length[i] == HALF.length()) {
                        FloatVector.fromArray(HALF, padded, at).add(FloatVector.fromArray(HALF, panel, src))
                                .intoArray(padded, at);
                    } else {
                        for (int e = 0; e < length[i]; e++) {
                            padded[at + e] += panel[src + e];
                        }
                    }
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
        float[] weight = VectorBatchConv.read(w, wOffset, (long) outChannels * k);
        float[] transposed = CALL.floats(WEIGHT_T, outChannels * k);
        for (int o = 0; o < outChannels; o++) {
            for (int j = 0; j < k; j++) {
                transposed[j * outChannels + o] = weight[o * k + j];
            }
        }
        return VectorBatchConv.packWeight(transposed, k, rowsPadded, outChannels);
    }
}
