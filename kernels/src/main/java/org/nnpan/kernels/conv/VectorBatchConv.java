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
 * {@link BatchConv} on the Vector-API GEMM's register kernel. Per image, {@code Y = W * cols(X)} is computed one
 * panel of {@code NR} output positions at a time: the panel's {@code kc x NR} block of the column matrix is packed
 * straight from the {@link PaddedImage} (array copies along output rows at stride 1) into a buffer that stays in L1,
 * then multiplied by every {@code MR}-row panel of the weight matrix, which is packed once per call. Where each vector
 * of a panel's positions lies in one output row (stride 1 along rows, rows of whole vectors: ResNet's and VGG's 32x32
 * and 16x16 maps) the kernel reads the panel in place from the staged image instead, with no copy; rows that fill at
 * least three quarters of their vectors (12 or 24 wide) are staged widened to whole vectors and read in place too, and
 * there a tile skips the taps that read only padding rows ({@link LiveTaps}); other stride-1 maps (8x8) with up to 64
 * output channels are staged once per kernel column ({@link ShiftedColumns}), where a tile's positions are consecutive
 * floats across rows. The column matrix never exists in
 * memory, and images run in parallel. The weight gradient runs transposed, {@code gW^T = cols(X) * gY^T}, with
 * blocks of output positions as the reduction: the taps of the staged image are the A rows, read in place (one
 * broadcast per element, so the column matrix is never transposed), at stride 1 as runs of consecutive positions
 * (output rows of 16 or more, or whole blocks of a {@link ShiftedColumns} staging for shorter rows), and
 * {@code gY^T}, transposed once per image, gives the B panels; for the few shapes where that is not shared by enough
 * output channels,
 * {@link RowDotWeightGrad}'s in-place dot products are used instead. The input gradient is the forward kernel run on
 * the output gradient with the flipped weight, except for strided layers ({@link PhaseInputGrad}) and for layers whose
 * small padding would make that convolution mostly read a zero border ({@link ScatterInputGrad}). Maps with fewer
 * output positions than a tile has columns go to {@link BatchColumnsConv}. Every
 * buffer here is per-thread scratch reused across calls ({@link ThreadScratch}), so a call allocates (almost) nothing
 * on the Java heap. Takes native segments only (every tensor's storage is one; a heap segment is an
 * {@link IllegalArgumentException}), and each access goes through the native class ({@link NativeSegments}).
 */
final class VectorBatchConv implements BatchConv {

    private static final String KERNEL = "vector batch convolution";
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Depth of a packed block: a {@code KC x NR} panel must fit in L1, as in the GEMM. */
    private static final int KC = 256;
    /** Output channels up to which short stride-1 rows are read from a {@link ShiftedColumns} staging. */
    private static final int MAX_SHIFTED_OUT_CHANNELS = 64;
    /**
     * The shortest output rows the weight gradient reads as runs of a padded image ({@link
     * SgemmKernel#multiplyInPlaceARuns}): each run costs its bounds checks and a reshuffle of the accumulators, which
     * 8-wide rows did not pay back (one thread, paired calls: 64 channels on 8x8 maps 1.01-1.15x the time, 32 channels
     * on 16x16 0.91-0.93x). Shorter rows are staged per kernel column instead, one run per block.
     */
    private static final int MIN_ROW_RUN = 16;
    /** Weight-gradient sums per piece of the parallel loop that adds the chunks' partial sums. */
    private static final int REDUCE_GRAIN = 4096;

    /** Buffers of the calling thread that live through one call (read by the pool's threads during it). */
    private static final ThreadScratch CALL = new ThreadScratch();
    private static final int WEIGHT = 0;
    private static final int PACKED_WEIGHT = 1;
    private static final int FLIPPED_WEIGHT = 2;
    private static final int PARTIAL_SUMS = 3;
    private static final int LIVE_WEIGHT = 4;
    /** Buffers of one parallel task, on the thread that runs it. */
    private static final ThreadScratch TASK = new ThreadScratch();
    private static final int PANEL = 0;
    private static final int TILE = 1;
    private static final int PACKED_GRADIENT = 2;
    private static final int GRADIENT_COPY = 3;

    @Override
    public void forward(ConvGeometry g, int batch, int outChannels, MemorySegment x, long xOffset,
                        MemorySegment w, long wOffset, MemorySegment y, long yOffset) {
        requireNative(KERNEL, x, "x", w, "w", y, "y");
        if (TapGemmConv.handles(g)) {
            TapGemmConv.forward(g, batch, outChannels, x, xOffset, w, wOffset, y, yOffset);
            return;
        }
        if (BatchColumnsConv.preferredFor(g, NR)) {
            BatchColumnsConv.forward(g, batch, outChannels, x, xOffset, w, wOffset, y, yOffset);
            return;
        }
        convolve(g, batch, outChannels, x, xOffset, read(w, wOffset, outChannels * g.colRows()), y, yOffset);
    }

    @Override
    public void inputGrad(ConvGeometry g, int batch, int outChannels, MemorySegment gy, long gyOffset,
                          MemorySegment w, long wOffset, MemorySegment gx, long gxOffset) {
        requireNative(KERNEL, gy, "gy", w, "w", gx, "gx");
        if (!BatchConv.supportsInputGrad(g)) {
            throw new IllegalArgumentException("inputGrad needs a stride above 1 or padding below the kernel size, got "
                    + g);
        }
        if (TapGemmConv.handles(g)) {
            TapGemmConv.inputGrad(g, batch, outChannels, gy, gyOffset, w, wOffset, gx, gxOffset);
            return;
        }
        if (BatchColumnsConv.preferredFor(g, NR)) {
            BatchColumnsConv.inputGrad(g, batch, outChannels, gy, gyOffset, w, wOffset, gx, gxOffset);
            return;
        }
        if (ScatterInputGrad.preferredFor(g, outChannels)) {
            ScatterInputGrad.compute(g, batch, outChannels, gy, gyOffset, w, wOffset, gx, gxOffset);
            return;
        }
        if (g.strideH() > 1 || g.strideW() > 1) {
            PhaseInputGrad.compute(g, batch, outChannels, gy, gyOffset, w, wOffset, gx, gxOffset);
            return;
        }
        int c = g.channels();
        int taps = g.kernelH() * g.kernelW();
        float[] weight = read(w, wOffset, (long) outChannels * c * taps);
        float[] flipped = flip(weight, outChannels, c, taps, CALL.floats(FLIPPED_WEIGHT, outChannels * c * taps));
        convolve(BatchConv.transposed(g, outChannels), batch, c, gy, gyOffset, flipped, gx, gxOffset);
    }

    @Override
    public void weightGrad(ConvGeometry g, int batch, int outChannels, MemorySegment x, long xOffset,
                           MemorySegment gy, long gyOffset, MemorySegment gw, long gwOffset) {
        requireNative(KERNEL, x, "x", gy, "gy", gw, "gw");
        if (BatchColumnsConv.preferredFor(g, NR)) {
            BatchColumnsConv.weightGrad(g, batch, outChannels, x, xOffset, gy, gyOffset, gw, gwOffset);
            return;
        }
        if (RowDotWeightGrad.preferredFor(g, outChannels)) {
            RowDotWeightGrad.compute(g, batch, outChannels, x, xOffset, gy, gyOffset, gw, gwOffset);
            return;
        }
        // gW^T = cols(X) * gY^T: taps are the tile rows (read in place), output channels the tile columns.
        WeightGradPlan plan = WeightGradPlan.of(g, outChannels);
        int k = plan.k();
        int channelsPadded = plan.channelsPadded();
        int chunks = ChunkSums.count(batch, Parallel.poolCanAccess(x, gy));
        int sumSize = plan.taps().length * channelsPadded;
        float[] partial = CALL.floats(PARTIAL_SUMS, chunks * sumSize);
        int gradientSize = outChannels * plan.outHW();
        Parallel.get().forEachChunk(chunks, chunk -> {
            StagedImage image = plan.staging(g);
            float[] copy = TASK.floats(GRADIENT_COPY, gradientSize);
            float[] transposed = TASK.floats(PACKED_GRADIENT, channelsPadded * plan.outHW());
            float[] tile = TASK.floats(TILE, MR * NR);
            int sum = chunk * sumSize;
            long first = (long) batch * chunk / chunks;
            for (long b = first; b < (long) batch * (chunk + 1) / chunks; b++) {
                weightGradImage(plan, image, x, xOffset + b * g.inputSize(), gy, gyOffset + b * gradientSize, copy,
                        transposed, tile, partial, sum, b == first);
            }
        });
        float[] weight = CALL.floats(WEIGHT, outChannels * k);
        // gW = the chunks' sums added in chunk order (as ChunkSums.addInto would) and transposed, in one pass over
        // pieces of taps (each of at least REDUCE_GRAIN sums, so a small layer's runs inline) reading rows of channels.
        Parallel.get().balancedFor(k, Math.max(1, REDUCE_GRAIN / channelsPadded), (start, end) -> {
            for (int j = (int) start; j < end; j++) {
                int row = j * channelsPadded;
                for (int o = 0; o < outChannels; o++) {
                    float total = partial[row + o];
                    for (int c = 1; c < chunks; c++) {
                        total += partial[c * sumSize + row + o];
                    }
                    weight[o * k + j] = total;
                }
            }
        });
        MemorySegment.copy(weight, 0, NativeSegments.typed(gw), F32, gwOffset * Float.BYTES, outChannels * k);
    }

    /**
     * How the GEMM path's weight gradient reads a geometry's staged images, the same for every image and thread, so
     * computed once per call: in the per-chunk task, the offsets' loops had C2 compile that task (29-40 KB) within a
     * scoring run's measured calls. At stride 1 the kernel reads runs of consecutive positions
     * ({@link SgemmKernel#multiplyInPlaceARuns}, {@code runLength} positions a run): output rows of a padded image,
     * or for short rows whole blocks of {@code depth} positions of a staging per kernel column ({@code blockRuns}),
     * where consecutive positions are consecutive floats across rows too; otherwise position by position
     * ({@code positions}, and {@code runLength} 0).
     */
    private record WeightGradPlan(int k, int outHW, int depth, int runLength, boolean blockRuns, int[] taps,
                                  int[] positions, int[] runStarts, int outChannels, int channelsPadded,
                                  int[] channelStarts) {

        static WeightGradPlan of(ConvGeometry g, int outChannels) {
            int k = Math.toIntExact(g.colRows());
            int outHW = Math.toIntExact(g.colCols());
            int depth = Math.min(KC, outHW);
            int outW = g.outW();
            boolean rowRuns = g.strideW() == 1 && outW >= MIN_ROW_RUN && depth % outW == 0;
            boolean blockRuns = !rowRuns && g.strideH() == 1 && g.strideW() == 1;
            StagedImage layout = staging(g, blockRuns);
            int[] taps = paddedTaps(layout.tapOffsets(), Math.ceilDiv(k, MR) * MR);
            int runLength = rowRuns ? outW : blockRuns ? depth : 0;
            int[] positions = runLength == 0 ? ((PaddedImage) layout).positionOffsets(outHW) : null;
            int[] runStarts = runLength == 0 ? null : VectorBatchConv.runStarts(layout, outW, outHW, runLength);
            return new WeightGradPlan(k, outHW, depth, runLength, blockRuns, taps, positions, runStarts, outChannels,
                    Math.ceilDiv(outChannels, NR) * NR, VectorBatchConv.channelStarts(outHW));
        }

        /** The calling thread's staging for {@code g}'s images, as this plan reads them. */
        StagedImage staging(ConvGeometry g) {
            return staging(g, blockRuns);
        }

        private static StagedImage staging(ConvGeometry g, boolean blockRuns) {
            return blockRuns ? ShiftedColumns.forThread(g, 0) : PaddedImage.forThread(g, 0, 0);
        }
    }

    /**
     * One image's contribution to a chunk's sums {@code gW^T} (at {@code sum}, {@code channelsPadded} wide): stages the
     * image and transposes its {@code gY}, then per block of {@code depth} positions every {@code MR} taps (read in place
     * from the staged image as the plan says) times every {@code NR} output channels. With {@code first}, the image's
     * first block of positions starts the sums instead of a zero fill before them (every chunk has an image, and that
     * block covers every tile). A method of its own, so that the per-chunk task holds only the loop over images: with
     * the loops here in it, C2 compiled that task whole within a scoring run's measured calls; called per image, this
     * is compiled in its first calls.
     */
    private static void weightGradImage(WeightGradPlan plan, StagedImage image, MemorySegment x, long xAt,
                                        MemorySegment gy, long gyAt, float[] copy, float[] transposed, float[] tile,
                                        float[] partial, int sum, boolean first) {
        int outHW = plan.outHW();
        int depth = plan.depth();
        int runLength = plan.runLength();
        int k = plan.k();
        int channelsPadded = plan.channelsPadded();
        int[] taps = plan.taps();
        image.load(x, xAt);
        transposeGradient(gy, gyAt, plan.outChannels(), outHW, copy, plan.channelStarts(), transposed, 0);
        float[] data = image.data();
        for (int p0 = 0; p0 < outHW; p0 += depth) {
            int kc = Math.min(depth, outHW - p0);
            boolean start = first && p0 == 0;
            for (int q = 0; q < channelsPadded; q += NR) {
                int panel = q * outHW + p0 * NR;
                for (int j0 = 0; j0 < k; j0 += MR) {
                    if (runLength > 0) {
                        SgemmKernel.multiplyInPlaceARuns(kc, runLength, data, taps, j0, plan.runStarts(),
                                p0 / runLength, transposed, panel, tile);
                    } else {
                        SgemmKernel.multiplyInPlaceA(kc, data, taps, j0, plan.positions(), p0, transposed, panel,
                                tile);
                    }
                    if (start) {
                        SgemmKernel.startTile(tile, partial, sum + j0 * channelsPadded + q, channelsPadded);
                    } else {
                        SgemmKernel.addTile(tile, partial, sum + j0 * channelsPadded + q, channelsPadded);
                    }
                }
            }
        }
    }

    /**
     * Every segment a convolution kernel reads or writes is native: see {@link NativeSegments} for why. Shared with
     * {@link WinogradConv}, whose {@code kernel} name the message carries.
     */
    static void requireNative(String kernel, MemorySegment a, String aName, MemorySegment b, String bName,
                              MemorySegment c, String cName) {
        NativeSegments.require(a, kernel, aName);
        NativeSegments.require(b, kernel, bName);
        NativeSegments.require(c, kernel, cName);
    }

    /**
     * The staged offset of output positions {@code 0, run, 2 * run, ...} below {@code outHW} (rows {@code outW} wide):
     * where each run of positions starts in {@code image}.
     */
    private static int[] runStarts(StagedImage image, int outW, int outHW, int run) {
        int[] starts = new int[Math.ceilDiv(outHW, run)];
        for (int i = 0; i < starts.length; i++) {
            int p = i * run;
            starts[i] = image.positionOffset(p / outW, p % outW);
        }
        return starts;
    }

    /** The tap offsets padded to {@code length} with the first one: padded rows of a tile read real pixels, never stored. */
    private static int[] paddedTaps(int[] taps, int length) {
        int[] padded = Arrays.copyOf(taps, length);
        Arrays.fill(padded, taps.length, length, taps[0]);
        return padded;
    }

    /**
     * {@code gY^T} of the image whose {@code gY} starts at element {@code offset} of {@code gradient}, as the kernel's B
     * panels: per {@code NR} output channels, an {@code outHW x NR} panel stored position by position (panel
     * {@code q / NR} at {@code to + q * outHW}); channels past {@code channels} are zero. The image's {@code gY} is
     * copied into {@code copy} in one bulk copy, then each position's {@code L} channels are one gather (lanes
     * {@code channelStarts} apart) and one vector store: element by element it was a tenth of a 32-channel 16x16 weight
     * gradient. Channels of a last partial vector go one by one. Shared with {@link WinogradConv}'s weight gradient.
     */
    static void transposeGradient(MemorySegment gradient, long offset, int channels, int outHW, float[] copy,
                                  int[] channelStarts, float[] transposed, int to) {
        MemorySegment.copy(NativeSegments.typed(gradient), F32, offset * Float.BYTES, copy, 0, channels * outHW);
        int channelsPadded = Math.ceilDiv(channels, NR) * NR;
        for (int q = 0; q < channelsPadded; q += NR) {
            int panel = to + q * outHW;
            for (int c0 = q; c0 < q + NR; c0 += L) {
                if (c0 + L <= channels) {
                    for (int p = 0; p < outHW; p++) {
                        FloatVector.fromArray(SPECIES, copy, c0 * outHW + p, channelStarts, 0)
                                .intoArray(transposed, panel + p * NR + c0 - q);
                    }
                    continue;
                }
                for (int c = c0; c < c0 + L; c++) {
                    for (int p = 0; p < outHW; p++) {
                        transposed[panel + p * NR + c - q] = c < channels ? copy[c * outHW + p] : 0f;
                    }
                }
            }
        }
    }

    /** {@code 0, outHW, 2 outHW, ...}: where consecutive channels' rows of one image's {@code gY} start. */
    static int[] channelStarts(int outHW) {
        int[] starts = new int[L];
        for (int i = 0; i < L; i++) {
            starts[i] = i * outHW;
        }
        return starts;
    }

    /*
     * The weight's reorderings are loops of their own, apart from the kernels that use them: inside those (called a few
     * times per network call) each loop was compiled on its own stack frame and then the whole method again, both by C2
     * in the measured calls of a scoring run (≈ 0.13 s of C2 each); here they are two small compiles, and the callers
     * no longer reach C2 in those calls.
     */

    /**
     * {@code flipped[c][o][t] = weight[o][c][taps - 1 - t]}: the input gradient's kernel, channels swapped and turned
     * by 180 degrees (a spatial flip is a reversal of the tap index). Returns {@code flipped}.
     */
    private static float[] flip(float[] weight, int outChannels, int c, int taps, float[] flipped) {
        for (int o = 0; o < outChannels; o++) {
            for (int ci = 0; ci < c; ci++) {
                for (int t = 0; t < taps; t++) {
                    flipped[(ci * outChannels + o) * taps + t] = weight[(o * c + ci) * taps + taps - 1 - t];
                }
            }
        }
        return flipped;
    }

    /**
     * {@code W^T} as B panels, into the zeroed {@code packed}: per {@code NR} output channels a {@code k x NR} panel,
     * row by row (panel {@code q / NR} at {@code q * k}). Returns {@code packed}.
     */
    private static float[] packTransposed(float[] weight, int outChannels, int k, float[] packed) {
        for (int o = 0; o < outChannels; o++) {
            int panel = o / NR * NR * k + o % NR;
            for (int j = 0; j < k; j++) {
                packed[panel + j * NR] = weight[o * k + j];
            }
        }
        return packed;
    }

    /** The weight as a float array (the calling thread's scratch, valid during the call). */
    static float[] read(MemorySegment w, long offset, long count) {
        int n = Math.toIntExact(count);
        float[] a = CALL.floats(WEIGHT, n);
        MemorySegment.copy(NativeSegments.typed(w), F32, offset * Float.BYTES, a, 0, n);
        return a;
    }

    private static void convolve(ConvGeometry g, int batch, int outChannels, MemorySegment x, long xOffset,
                                 float[] weight, MemorySegment y, long yOffset) {
        if (g.strideW() > 1 && outChannels >= NR) {
            convolveTransposed(g, batch, outChannels, x, xOffset, weight, y, yOffset);
            return;
        }
        int k = Math.toIntExact(g.colRows());
        int outHW = Math.toIntExact(g.colCols());
        int rowsPadded = Math.ceilDiv(outChannels, MR) * MR;
        float[] packedWeight = packWeight(weight, outChannels, rowsPadded, k);
        boolean inPlace = readsInPlace(g);
        boolean widened = !inPlace && widensRows(g);
        boolean shifted = !inPlace && !widened && readsShifted(g, outChannels);
        // Tiles run over output rows rowWidth wide: the real ones, or (widened) whole vectors whose extra lanes read
        // the staged image's extra zero columns and are never stored.
        int rowWidth = widened ? Math.ceilDiv(g.outW(), L) * L : g.outW();
        int positions = g.outH() * rowWidth;
        boolean reads = inPlace || widened || shifted;
        // Padding rows are skipped only where a tile's two vectors are two output rows.
        LiveTaps[] liveTaps = (inPlace || widened) && g.padH() > 0 ? liveTaps(g, rowWidth, positions, rowsPadded) : null;
        float[] liveWeight = liveTaps == null ? null : gatherLive(liveTaps, packedWeight);
        long grain = Parallel.poolCanAccess(x, y) ? 1 : batch;
        Parallel.get().balancedFor(batch, grain, (start, end) -> {
            StagedImage image = shifted ? ShiftedColumns.forThread(g, NR)
                    : PaddedImage.forThread(g, 0, 0, rowWidth + g.kernelW() - 1);
            float[] data = image.data();
            int[] taps = image.tapOffsets();
            float[] panel = TASK.floats(PANEL, Math.min(KC, k) * NR);
            float[] tile = TASK.floats(TILE, MR * NR);
            ColumnRuns runs = reads ? null : new ColumnRuns(g, image, NR);
            for (long b = start; b < end; b++) {
                image.load(x, xOffset + b * g.inputSize());
                long yImage = yOffset + b * outChannels * outHW;
                for (int n0 = 0; n0 < positions; n0 += NR) {
                    int cols = Math.min(NR, positions - n0);
                    int offset0 = image.positionOffset(n0 / rowWidth, n0 % rowWidth);
                    // A half-width last tile repeats its first half (never stored) rather than reading past the image.
                    int second = cols > L ? n0 + L : n0;
                    int offset1 = image.positionOffset(second / rowWidth, second % rowWidth);
                    LiveTaps live = liveTaps == null ? null : liveTaps[n0 / NR];
                    if (!reads) {
                        runs.of(n0, cols);
                    }
                    for (int pc = 0; pc < k; pc += KC) {
                        int kc = Math.min(KC, k - pc);
                        if (!reads) {
                            runs.pack(data, taps, pc, kc, panel);
                        }
                        // The first block overwrites the output; later ones accumulate onto it.
                        float beta = pc == 0 ? 0f : 1f;
                        for (int ir = 0; ir < outChannels; ir += MR) {
                            int a = pc * rowsPadded + ir * kc;
                            if (live != null) {
                                int block = pc / KC;
                                int depth = live.depth[block];
                                SgemmKernel.multiplyInPlaceB(depth, liveWeight, live.weightStart[block] + ir * depth,
                                        data, live.taps, live.tapStart[block], offset0, offset1, tile);
                            } else if (reads) {
                                SgemmKernel.multiplyInPlaceB(kc, packedWeight, a, data, taps, pc, offset0,
                                        offset1, tile);
                            } else {
                                SgemmKernel.multiply(kc, packedWeight, a, panel, 0, tile);
                            }
                            int rows = Math.min(MR, outChannels - ir);
                            long yPanel = yImage + (long) ir * outHW;
                            if (widened) {
                                for (int half = 0; half < cols; half += L) {
                                    int oh = (n0 + half) / rowWidth;
                                    int ow = (n0 + half) % rowWidth;
                                    SgemmKernel.storeHalf(tile, half, rows, Math.min(L, g.outW() - ow), 1f, beta, y,
                                            yPanel + (long) oh * g.outW() + ow, outHW);
                                }
                            } else {
                                SgemmKernel.store(tile, rows, cols, 1f, beta, y, yPanel + n0, outHW);
                            }
                        }
                    }
                }
            }
        });
    }

    /**
     * Per tile of {@code NR} positions over rows {@code rowWidth} wide, its {@link LiveTaps} (null where every tap
     * reads the image): tiles with the same two output rows share one, and each has its own part of one buffer.
     */
    private static LiveTaps[] liveTaps(ConvGeometry g, int rowWidth, int positions, int rowsPadded) {
        int[] tapOffsets = PaddedImage.tapOffsets(g, rowWidth + g.kernelW() - 1);
        LiveTaps[] tiles = new LiveTaps[Math.ceilDiv(positions, NR)];
        LiveTaps[] byRows = new LiveTaps[g.outH() * 2];
        boolean[] built = new boolean[byRows.length];
        int size = 0;
        for (int n0 = 0; n0 < positions; n0 += NR) {
            int oh0 = n0 / rowWidth;
            // As in convolve: a half-width last tile repeats its first vector. Vectors never straddle rows, so the
            // second one is in the same output row or the next.
            int oh1 = (positions - n0 > L ? n0 + L : n0) / rowWidth;
            int key = 2 * oh0 + (oh1 - oh0);
            if (!built[key]) {
                byRows[key] = LiveTaps.of(g, oh0, oh1, tapOffsets, rowsPadded, KC, size);
                size += byRows[key] == null ? 0 : byRows[key].weightSize();
                built[key] = true;
            }
            tiles[n0 / NR] = byRows[key];
        }
        return tiles;
    }

    /** The live weight columns of every distinct {@link LiveTaps} of {@code tiles}, in the calling thread's scratch. */
    private static float[] gatherLive(LiveTaps[] tiles, float[] packedWeight) {
        int size = 0;
        for (LiveTaps t : tiles) {
            if (t != null) {
                size = Math.max(size, t.weightEnd());
            }
        }
        float[] buffer = CALL.floats(LIVE_WEIGHT, size);
        LiveTaps previous = null;
        for (LiveTaps t : tiles) {
            if (t != null && t != previous) {
                t.gather(packedWeight, buffer);
            }
            previous = t;
        }
        return buffer;
    }

    /**
     * {@link #convolve} as {@code Y^T = cols(X)^T * W^T}, for strided convolutions with at least a tile's width of
     * output channels (ResNet's downsampling): {@code MR} output positions are the A rows, read in place from the
     * staged image by broadcast instead of packed element by element along strided rows, and the weight, transposed
     * and packed once per call, gives the B panels. Each output element sees the same operations in the same order as
     * in {@link #convolve}. (At stride 1 on 8x8 maps this measured slower than packing: the transposed stores of
     * three depth blocks per tile cost more than the 8-float copies they replace.)
     */
    private static void convolveTransposed(ConvGeometry g, int batch, int outChannels, MemorySegment x, long xOffset,
                                           float[] weight, MemorySegment y, long yOffset) {
        int k = Math.toIntExact(g.colRows());
        int outHW = Math.toIntExact(g.colCols());
        int channelsPadded = Math.ceilDiv(outChannels, NR) * NR;
        float[] packedWeight = packTransposed(weight, outChannels, k, CALL.zeroed(PACKED_WEIGHT, channelsPadded * k));
        long grain = Parallel.poolCanAccess(x, y) ? 1 : batch;
        Parallel.get().balancedFor(batch, grain, (start, end) -> {
            PaddedImage image = PaddedImage.forThread(g, 0, 0);
            int[] taps = image.tapOffsets();
            int[] positions = image.positionOffsets(Math.ceilDiv(outHW, MR) * MR);
            float[] tile = TASK.floats(TILE, MR * NR);
            for (long b = start; b < end; b++) {
                image.load(x, xOffset + b * g.inputSize());
                convolveTransposedImage(image.data, taps, positions, packedWeight, k, outChannels, outHW, tile, y,
                        yOffset + b * outChannels * outHW);
            }
        });
    }

    /**
     * One staged image of {@link #convolveTransposed} into its output at {@code yImage}. A method of its own, called per
     * image, so that C2 compiles it within a scoring run's first calls: as the body of the per-chunk task (a few dozen
     * calls per run) it reached C2 only in calls 5 or 6, first by on-stack replacement and then again whole.
     */
    private static void convolveTransposedImage(float[] image, int[] taps, int[] positions, float[] packedWeight,
                                                int k, int outChannels, int outHW, float[] tile, MemorySegment y,
                                                long yImage) {
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            // The first block overwrites the output; later ones accumulate onto it.
            boolean accumulate = pc > 0;
            for (int q = 0; q < outChannels; q += NR) {
                int panel = q * k + pc * NR;
                for (int n0 = 0; n0 < outHW; n0 += MR) {
                    SgemmKernel.multiplyInPlaceA(kc, image, positions, n0, taps, pc, packedWeight, panel, tile);
                    storeTransposed(tile, Math.min(MR, outHW - n0), Math.min(NR, outChannels - q), accumulate, y,
                            yImage + (long) q * outHW + n0, outHW);
                }
            }
        }
    }

    /**
     * Adds (or with {@code accumulate} false writes) the transpose of a tile's top-left {@code rows x cols} to
     * {@code c}: tile element {@code (i, j)} goes to {@code c[index + j * ld + i]}.
     */
    private static void storeTransposed(float[] tile, int rows, int cols, boolean accumulate, MemorySegment c,
                                        long index, int ld) {
        MemorySegment out = NativeSegments.typed(c);
        // The flag is tested once, outside the loops, for the reason given in SgemmKernel.store.
        if (accumulate) {
            for (int j = 0; j < cols; j++) {
                long at = index + (long) j * ld;
                for (int i = 0; i < rows; i++) {
                    out.setAtIndex(F32, at + i, out.getAtIndex(F32, at + i) + tile[i * NR + j]);
                }
            }
        } else {
            for (int j = 0; j < cols; j++) {
                long at = index + (long) j * ld;
                for (int i = 0; i < rows; i++) {
                    out.setAtIndex(F32, at + i, tile[i * NR + j]);
                }
            }
        }
    }

    /**
     * Whether {@link #convolve} reads its B panels in place from the staged image: at stride 1 along rows, with output
     * rows of whole vectors, each vector of a tile's positions lies in one output row, i.e. is {@code L} consecutive
     * elements of the padded image for every tap.
     */
    private static boolean readsInPlace(ConvGeometry g) {
        return g.strideW() == 1 && g.outW() % L == 0;
    }

    /**
     * Whether {@link #convolve} reads its B panels in place from a staged image with rows widened to whole vectors: at
     * stride 1 along rows, when output rows fill at least three quarters of their vectors (12 or 24 of 16 or 32: LeNet-5's
     * 24x24 first layer). Those lanes cost less than packing every panel, whose many short row copies made LeNet-5's
     * 12x12 input gradient (now {@link ScatterInputGrad}'s) three times as slow as its forward convolution.
     */
    static boolean widensRows(ConvGeometry g) {
        int lanes = Math.ceilDiv(g.outW(), L) * L;
        return g.strideW() == 1 && 4 * g.outW() >= 3 * lanes;
    }

    /**
     * Whether {@link #convolve} reads its B panels in place from a {@link ShiftedColumns} staging (stride-1 maps whose
     * rows are neither whole nor widened vectors: 8x8), which pays when a packed panel would serve few register tiles:
     * with 64 output channels (8 tiles per panel) the 8x8 forward took 4.9 instead of 6.3 ms, with 256 (VGG-19's 8x8
     * layers, 32 tiles per panel) 75-80 instead of 62-73 ms, the in-place loads costing more than the shared copies.
     */
    private static boolean readsShifted(ConvGeometry g, int outChannels) {
        return g.strideH() == 1 && g.strideW() == 1 && outChannels <= MAX_SHIFTED_OUT_CHANNELS;
    }

    /**
     * The {@code rows x k} weight as the GEMM kernel's A panels: per {@link #KC}-deep block, {@code MR}-row panels stored
     * column by column, rows past {@code rows} zero. Block {@code pc} starts at {@code pc * rowsPadded}. In the calling
     * thread's scratch, valid until its next convolution call.
     */
    static float[] packWeight(float[] w, int rows, int rowsPadded, int k) {
        float[] packed = CALL.zeroed(PACKED_WEIGHT, rowsPadded * k);
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            for (int ir = 0; ir < rowsPadded; ir += MR) {
                int panel = pc * rowsPadded + ir * kc;
                for (int p = 0; p < kc; p++) {
                    for (int i = 0; i < MR && ir + i < rows; i++) {
                        packed[panel + p * MR + i] = w[(ir + i) * k + pc + p];
                    }
                }
            }
        }
        return packed;
    }

    /**
     * A range of consecutive output positions split at output-row ends into runs; within a run, consecutive positions
     * read the padded image {@code strideW} elements apart.
     */
    private static final class ColumnRuns {
        private final ConvGeometry g;
        private final StagedImage image;
        /** Per run: first position relative to the range's start, source offset relative to a tap, length. */
        private final int[] column;
        private final int[] source;
        private final int[] length;
        private int count;

        /** For ranges of up to {@code maxLength} positions. */
        ColumnRuns(ConvGeometry g, StagedImage image, int maxLength) {
            this.g = g;
            this.image = image;
            this.column = new int[maxLength];
            this.source = new int[maxLength];
            this.length = new int[maxLength];
        }

        /** Splits output positions {@code [n0, n0 + cols)} into runs. */
        void of(int n0, int cols) {
            int outW = g.outW();
            count = 0;
            for (int j = 0; j < cols; ) {
                int oh = (n0 + j) / outW;
                int ow = (n0 + j) % outW;
                int len = Math.min(outW - ow, cols - j);
                column[count] = j;
                source[count] = image.positionOffset(oh, ow);
                length[count] = len;
                count++;
                j += len;
            }
        }

        /**
         * Packs rows {@code [pc, pc + kc)} of the column matrix restricted to the current positions into {@code panel},
         * row by row ({@code NR} floats per row); columns past the panel's width are left as they are and never stored.
         */
        void pack(float[] data, int[] taps, int pc, int kc, float[] panel) {
            int stride = g.strideW();
            for (int p = 0; p < kc; p++) {
                int tap = taps[pc + p];
                int row = p * NR;
                for (int r = 0; r < count; r++) {
                    int from = tap + source[r];
                    int to = row + column[r];
                    if (stride == 1) {
                        System.arraycopy(data, from, panel, to, length[r]);
                    } else {
                        for (int t = 0; t < length[r]; t++) {
                            panel[to + t] = data[from + t * stride];
                        }
                    }
                }
            }
        }
    }
}
