package org.nnpan.kernels.conv;

import static org.nnpan.kernels.gemm.SgemmKernel.L;
import static org.nnpan.kernels.gemm.SgemmKernel.MR;
import static org.nnpan.kernels.gemm.SgemmKernel.NR;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.nnpan.kernels.gemm.SgemmKernel;
import org.nnpan.kernels.memory.NativeSegments;
import org.nnpan.kernels.parallel.Parallel;
import org.nnpan.kernels.parallel.ThreadScratch;

/**
 * The input gradient of a strided float32 convolution without a column matrix or col2im. Input element
 * {@code (c, ih, iw)} receives tap {@code (kh, kw)} only from output position {@code ((ih + padH - kh) / strideH,
 * (iw + padW - kw) / strideW)}, when both divisions are exact. So the input splits into {@code strideH x strideW}
 * phases ({@code ih = strideH * i + ph}, {@code iw = strideW * j + pw}), and each phase is a sum of stride-1 reads of
 * the output gradient at offsets {@code (dh, dw) = ((ph + padH - kh) / strideH, (pw + padW - kw) / strideW)}, one per
 * tap of matching parity (ResNet's 3x3 stride-2 downsampling: one, two, two and four taps). The output gradient is
 * staged once per column offset ({@link ShiftedColumns}) and read in place by the GEMM's register kernel, a phase's
 * grid positions as its columns and the input channels as its rows.
 *
 * <p>Summation order, the im2col path's exactly: each tap's contribution is a chain of fused multiply-adds over the
 * output channels, restarted every {@value #KC} ({@code VectorGemm}'s blocks, added in order), and an input element
 * is {@code 0 +} its taps' contributions in tap order ({@code (kh, kw)} ascending, as col2im adds them). Reads
 * outside the output gradient see zeros, which add {@code +0} for finite weights and leave the sum as it is, so
 * results are bit-identical to {@code col2im(W^T * gY)} whenever the weights are finite.
 */
final class PhaseInputGrad {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** The depth of {@code VectorGemm}'s blocks: its chains over output channels restart here. */
    private static final int KC = 256;

    private static final ThreadScratch CALL = new ThreadScratch();
    private static final int PACKED_WEIGHT = 0;
    private static final ThreadScratch TASK = new ThreadScratch();
    private static final int SUM = 0;
    private static final int TILE = 1;
    private static final int BLOCK = 2;
    private static final int IMAGE = 3;

    private PhaseInputGrad() {
    }

    /** {@code gx} ({@code [batch, C, H, W]}, overwritten) from {@code gy}, as {@link BatchConv#inputGrad}. */
    static void compute(ConvGeometry g, int batch, int outChannels, MemorySegment gy, long gyOffset, MemorySegment w,
                        long wOffset, MemorySegment gx, long gxOffset) {
        Phases phases = new Phases(g);
        int c = g.channels();
        int rowsPadded = Math.ceilDiv(c, MR) * MR;
        float[] packed = packWeight(g, outChannels, rowsPadded, w, wOffset);
        int outHW = Math.toIntExact(g.colCols());
        int[][] phaseTaps = new int[g.strideH() * g.strideW()][];
        for (int ph = 0; ph < g.strideH(); ph++) {
            for (int pw = 0; pw < g.strideW(); pw++) {
                phaseTaps[ph * g.strideW() + pw] = phases.taps(ph, pw);
            }
        }
        long grain = Parallel.poolCanAccess(gy, gx) ? 1 : batch;
        Parallel.get().balancedFor(batch, grain, (start, end) -> {
            MemorySegment out = NativeSegments.typed(gx);
            ShiftedColumns staged = ShiftedColumns.forPhases(outChannels, g.outH(), g.outW(), phases.gridH,
                    phases.gridW, phases.dhMin, phases.dhMax, phases.dwMin, phases.dwMax, NR);
            float[] data = staged.data();
            int[][] rows = phases.tapRows(staged, outChannels);
            float[] sum = TASK.floats(SUM, MR * NR);
            float[] tile = TASK.floats(TILE, MR * NR);
            float[] block = TASK.floats(BLOCK, MR * NR);
            float[] image = TASK.floats(IMAGE, Math.toIntExact(g.inputSize()));
            for (long b = start; b < end; b++) {
                staged.load(gy, gyOffset + b * outChannels * outHW);
                computeImage(phases, phaseTaps, packed, rowsPadded, outChannels, data, rows, sum, tile, block, image);
                MemorySegment.copy(image, 0, out, F32, (gxOffset + b * g.inputSize()) * Float.BYTES,
                        Math.toIntExact(g.inputSize()));
            }
        });
    }

    /**
     * One image's input gradient into {@code image} from its staged output gradient ({@code data}, {@code rows} its
     * per-tap offsets). A method of its own, called per image, so that C2 compiles it within a scoring run's first
     * calls: as the body of the per-chunk task (a few dozen calls per run) it reached C2 only in calls 4 or 5, after
     * three on-stack replacements.
     */
    private static void computeImage(Phases phases, int[][] phaseTaps, float[] packed, int rowsPadded,
                                     int outChannels, float[] data, int[][] rows, float[] sum, float[] tile,
                                     float[] block, float[] image) {
        ConvGeometry g = phases.g;
        int c = g.channels();
        int tapSize = rowsPadded * outChannels;
        int positions = phases.gridH * phases.gridW;
        for (int ph = 0; ph < g.strideH(); ph++) {
            for (int pw = 0; pw < g.strideW(); pw++) {
                int[] taps = phaseTaps[ph * g.strideW() + pw];
                for (int n0 = 0; n0 < positions; n0 += NR) {
                    int cols = Math.min(NR, positions - n0);
                    // A half-width last tile repeats its first half (never stored).
                    int offset1 = cols > L ? n0 + L : n0;
                    for (int ir = 0; ir < c; ir += MR) {
                        Arrays.fill(sum, 0f);
                        for (int t : taps) {
                            addTap(packed, t * tapSize, rowsPadded, ir, outChannels, data, rows[t], n0, offset1, sum,
                                    tile, block);
                        }
                        phases.scatter(sum, ir, Math.min(MR, c - ir), n0, cols, ph, pw, image);
                    }
                }
            }
        }
    }

    /**
     * Adds one tap's contribution to a tile's {@code sum}: the chain over output channels, block by block as
     * {@code VectorGemm} runs it (later blocks, in {@code block}, added to the first in {@code tile}), then added as a
     * whole.
     */
    private static void addTap(float[] packed, int tapStart, int rowsPadded, int ir, int depth, float[] data,
                               int[] rows, int offset0, int offset1, float[] sum, float[] tile, float[] block) {
        for (int pc = 0; pc < depth; pc += KC) {
            int kc = Math.min(KC, depth - pc);
            SgemmKernel.multiplyInPlaceB(kc, packed, tapStart + pc * rowsPadded + ir * kc, data, rows, pc, offset0,
                    offset1, pc == 0 ? tile : block);
            if (pc > 0) {
                addInto(tile, block);
            }
        }
        addInto(sum, tile);
    }

    /** {@code sum[i] = sum[i] + tile[i]} over a tile (a loop C2 vectorises). */
    private static void addInto(float[] sum, float[] tile) {
        for (int i = 0; i < MR * NR; i++) {
            sum[i] += tile[i];
        }
    }

    /**
     * Per tap {@code (kh, kw)}, the {@code C x O} matrix {@code W^T} as the kernel's A panels: per {@link #KC}-deep block
     * of output channels, {@code MR}-row panels stored column by column, rows past {@code C} zero. Tap {@code t}'s block
     * {@code pc} starts at {@code t * rowsPadded * O + pc * rowsPadded}.
     */
    private static float[] packWeight(ConvGeometry g, int outChannels, int rowsPadded, MemorySegment w, long wOffset) {
        MemorySegment weight = NativeSegments.typed(w);
        int c = g.channels();
        int taps = g.kernelH() * g.kernelW();
        float[] packed = CALL.zeroed(PACKED_WEIGHT, taps * rowsPadded * outChannels);
        for (int t = 0; t < taps; t++) {
            for (int pc = 0; pc < outChannels; pc += KC) {
                int kc = Math.min(KC, outChannels - pc);
                for (int ir = 0; ir < c; ir += MR) {
                    int panel = t * rowsPadded * outChannels + pc * rowsPadded + ir * kc;
                    for (int p = 0; p < kc; p++) {
                        for (int i = 0; i < MR && ir + i < c; i++) {
                            long at = wOffset + ((long) (pc + p) * c + ir + i) * taps + t;
                            packed[panel + p * MR + i] = weight.getAtIndex(F32, at);
                        }
                    }
                }
            }
        }
        return packed;
    }

    /** The phase grid of a geometry: its size, every tap's offsets and which taps each phase has. */
    private static final class Phases {
        private final ConvGeometry g;
        /** Rows and columns of a phase's grid: the first phase's, the largest. */
        final int gridH;
        final int gridW;
        final int dhMin;
        final int dhMax;
        final int dwMin;
        final int dwMax;

        Phases(ConvGeometry g) {
            this.g = g;
            this.gridH = Math.ceilDiv(g.height(), g.strideH());
            this.gridW = Math.ceilDiv(g.width(), g.strideW());
            // Kernel row kh serves phase floorMod(kh - padH, strideH); its offset falls as kh grows.
            this.dhMin = dh(g.kernelH() - 1);
            this.dhMax = dh(0);
            this.dwMin = dw(g.kernelW() - 1);
            this.dwMax = dw(0);
        }

        /** The output-row offset of kernel row {@code kh} in the phase it serves. */
        int dh(int kh) {
            return Math.floorDiv(Math.floorMod(kh - g.padH(), g.strideH()) + g.padH() - kh, g.strideH());
        }

        /** The output-column offset of kernel column {@code kw} in the phase it serves. */
        int dw(int kw) {
            return Math.floorDiv(Math.floorMod(kw - g.padW(), g.strideW()) + g.padW() - kw, g.strideW());
        }

        /**
         * Per tap {@code kh * KW + kw}, the offset in {@code staged} of every output channel's element for grid
         * position 0. (A method of its own: inside the per-chunk task its loop made C2 compile that task, with the
         * per-image work it calls inlined, twice within a scoring run's measured calls.)
         */
        int[][] tapRows(ShiftedColumns staged, int outChannels) {
            int[][] rows = new int[g.kernelH() * g.kernelW()][outChannels];
            for (int kh = 0; kh < g.kernelH(); kh++) {
                for (int kw = 0; kw < g.kernelW(); kw++) {
                    int t = kh * g.kernelW() + kw;
                    for (int o = 0; o < outChannels; o++) {
                        rows[t][o] = staged.offset(o, dh(kh), dw(kw));
                    }
                }
            }
            return rows;
        }

        /** Phase {@code (ph, pw)}'s taps {@code kh * KW + kw}, ascending (col2im's order). */
        int[] taps(int ph, int pw) {
            int[] taps = new int[g.kernelH() * g.kernelW()];
            int n = 0;
            for (int kh = 0; kh < g.kernelH(); kh++) {
                for (int kw = 0; kw < g.kernelW(); kw++) {
                    if (Math.floorMod(kh - g.padH(), g.strideH()) == ph
                            && Math.floorMod(kw - g.padW(), g.strideW()) == pw) {
                        taps[n++] = kh * g.kernelW() + kw;
                    }
                }
            }
            return Arrays.copyOf(taps, n);
        }

        /**
         * Writes rows {@code [0, rows)} of a tile (input channels from {@code c0}, grid positions {@code [n0, n0 +
         * cols)} of phase {@code (ph, pw)}) to their elements of the image, skipping grid positions outside it.
         */
        void scatter(float[] tile, int c0, int rows, int n0, int cols, int ph, int pw, float[] image) {
            int h = g.height();
            int w = g.width();
            for (int q = 0; q < cols; ) {
                int i = (n0 + q) / gridW;
                int j = (n0 + q) % gridW;
                int run = Math.min(gridW - j, cols - q);
                int ih = g.strideH() * i + ph;
                if (ih < h) {
                    for (int r = 0; r < rows; r++) {
                        int to = ((c0 + r) * h + ih) * w;
                        int from = r * NR + q;
                        for (int t = 0, iw = g.strideW() * j + pw; t < run && iw < w; t++, iw += g.strideW()) {
                            image[to + iw] = tile[from + t];
                        }
                    }
                }
                q += run;
            }
        }
    }
}
