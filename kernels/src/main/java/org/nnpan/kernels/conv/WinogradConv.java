package org.nnpan.kernels.conv;

import static org.nnpan.kernels.gemm.SgemmKernel.L;
import static org.nnpan.kernels.gemm.SgemmKernel.MR;
import static org.nnpan.kernels.gemm.SgemmKernel.NR;
import static org.nnpan.kernels.gemm.SgemmKernel.SPECIES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.function.IntUnaryOperator;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nnpan.kernels.gemm.SgemmKernel;
import org.nnpan.kernels.memory.NativeSegments;
import org.nnpan.kernels.parallel.Parallel;
import org.nnpan.kernels.parallel.ThreadScratch;

/**
 * {@link BatchConv} that runs 3x3, stride-1, padding-1 convolutions (forward, input gradient and, on the larger
 * layers, weight gradient) by Winograd's minimal filtering F(2x2, 3x3) and hands every other geometry to the direct
 * kernel it wraps.
 *
 * <p>Each 2x2 block of output positions (a tile) reads a 4x4 block of the padded input {@code d}. With the weight
 * transformed once per call, {@code U = G g G^T} (16 values per output and input channel), and each input tile
 * transformed, {@code V = B^T d B}, the 16 elementwise products summed over input channels are 16 GEMMs
 * {@code M[xi] = U[xi] * V[xi]} (output channels x input channels times input channels x tiles) on the Vector-API
 * GEMM's register kernel, and the output tile is {@code A^T M A}: 16 multiply-adds per input channel for 4 outputs
 * instead of 36 (2.25x fewer). The transforms are additions (and halvings, exact, in {@code G}).
 *
 * <p>Layout: per block of whole images (at least one GEMM panel of {@code NR} tiles), tiles are numbered image by
 * image, row by row. Each image channel is staged as its four 2x2 phases ({@link #stage}), so the 16 input values of
 * {@code L} consecutive tiles are 16 unit-stride vector loads (neighbouring tiles in a phase plane are one element
 * apart, tile rows {@code W / 2} apart), masked to zero at the image's border. Hence the shapes: a width whose
 * {@code W / 2} tiles divide {@code L} (2, 4, 8, 16, 32 with 16 lanes) and an even height. One panel of {@code NR}
 * tiles at a time is transformed ({@code [channel][xi][tile]}, written in one run per channel, at most 1 MB), read
 * in place by the register kernel ({@link SgemmKernel#multiplyInPlaceB}) for every {@code MR} output channels, and
 * the 16 product tiles are transformed back and stored at once. The weight gradient is the adjoint of the same
 * transforms ({@link #weightGradient}).
 *
 * <p>Numerics: not bit-identical to the direct kernel (the sums are regrouped), but every output element is computed
 * by one thread with a fixed sequence of operations that depends on neither the thread count nor the batch split, so
 * results are reproducible run to run and across thread counts (the weight gradient's per-chunk sums, as the direct
 * kernel's, depend on the thread count only). Against a float64 reference the error stays within a
 * few units of float32 rounding of the output's magnitude (see {@code WinogradConvTest}). Set the system property
 * {@code nnpan.winograd=off} to use the direct kernel everywhere ({@link BatchConvs}).
 */
final class WinogradConv implements BatchConv {

    private static final String KERNEL = "winograd convolution";
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /** Depth of one GEMM chain, as in the direct kernels: a {@code KC x NR} panel stays in L1. */
    private static final int KC = 256;
    /**
     * Input and output channels below which the transforms (whose cost grows with channels, not with their product)
     * outweigh the multiplies saved: ResNet's 16-channel 32x32 layers took 1.3-1.6x the direct kernel's CPU, its
     * 32-channel 16x16 layers 0.87-1.28x (no clear gain), its 64-channel 8x8 layers 0.91-0.97x (ninth session).
     */
    private static final int MIN_CHANNELS = 64;
    /**
     * {@link #MIN_CHANNELS} for the maps whose staging is whole vectors ({@link #stagedByVectors}): there ResNet's
     * 32-channel 16x16 layers took 0.81-0.98x the direct kernel's time, 32-channel 8x8 ones 0.73-0.83x (seventeenth
     * session, paired calls).
     */
    private static final int MIN_CHANNELS_VECTOR_STAGED = 32;
    /** Positions of the smallest map whose weight gradient this class computes ({@link #handlesWeightGrad}). */
    private static final int MIN_WEIGHT_GRAD_POSITIONS = 64;
    /** A weight-transform panel's filters as float lanes and as double lanes: {@code MR} of each. */
    private static final VectorSpecies<Float> PANEL_FLOATS = FloatVector.SPECIES_256;
    private static final VectorSpecies<Double> PANEL_DOUBLES = DoubleVector.SPECIES_512;
    /**
     * Whether the weight transform takes whole panels by vectors: where {@code MR} doubles fill the preferred vector
     * (512-bit SIMD); elsewhere those species would run emulated, and each filter goes alone.
     */
    static final boolean PANELS_BY_VECTORS = DoubleVector.SPECIES_PREFERRED.length() == MR
            && PANEL_DOUBLES.length() == MR && PANEL_FLOATS.length() == MR;
    /** Output channels per piece of the weight transform's parallel loop: one register-tile panel. */
    private static final int TRANSFORM_GRAIN = MR;
    /**
     * The largest transformed weight ({@code 16 x out x in} floats) used: each panel of {@code NR} tiles streams all of
     * it. VGG's 512-channel 4x4 and 2x2 layers (16 MB) were as slow as the direct kernel or 2x slower on the AMD EPYC
     * VM of the ninth session; on the twenty-second session's Intel Xeon VM the 4x4 ones took 0.6x its time forward and
     * 0.64x for the input gradient, and VGG-19 SNIP 0.874x; on the twenty-third session's AMD EPYC (Zen 5) VM they
     * took 1.02-1.11x the direct kernel's time, so the cap keeps the Intel gain at a small AMD cost
     * (docs/benchmarks.md). 2x2 maps are {@link TapGemmConv}'s.
     */
    private static final long MAX_WEIGHT_FLOATS = 16L * 512 * 512;
    /**
     * Floats on both sides of a phase plane, of any value: loads reach up to {@code W / 2 + 1 <= L + 1} tiles beyond a
     * block's, and every such lane is masked or belongs to a tile that is never stored.
     */
    private static final int MARGIN = 2 * L;
    /** The two halves of {@code [a0 b0 a1 b1 ...]} from lanes of {@code a} and {@code b}: output rows interleaved. */
    private static final FloatVector INTERLEAVE_LOW = interleave(0);
    private static final FloatVector INTERLEAVE_HIGH = interleave(L / 2);
    /** The first / second halves of two vectors, side by side: two output rows of one tile row on 8-wide maps. */
    private static final FloatVector FIRST_HALVES = halves(0);
    private static final FloatVector SECOND_HALVES = halves(L / 2);
    /**
     * From two vectors of two {@code L / 2}-wide rows each, the even (odd) columns of their first rows, then of their
     * second rows: a tile row's worth of two phase planes per vector.
     */
    private static final FloatVector EVEN_COLUMNS = columns(0);
    private static final FloatVector ODD_COLUMNS = columns(1);
    /** The even (odd) elements of two vectors side by side: one row's columns of one parity, two rows per vector. */
    private static final FloatVector EVEN_OF_TWO = strided(0);
    private static final FloatVector ODD_OF_TWO = strided(1);

    /** Buffers of the calling thread, live through one call. */
    private static final ThreadScratch CALL = new ThreadScratch();
    private static final int WEIGHT = 0;
    private static final int TRANSFORMED_WEIGHT = 1;
    /** The weight gradient's per-chunk sums {@code dU^T}. */
    private static final int PARTIAL_SUMS = 2;
    /** Buffers of one parallel task. */
    private static final ThreadScratch TASK = new ThreadScratch();
    private static final int PLANES = 0;
    private static final int TRANSFORMED_INPUT = 1;
    private static final int CHANNEL = 2;
    private static final int PRODUCT = 3;
    private static final int OUTPUT = 4;
    /** Indices of the 16 product tiles {@code M[xi]}, one per transformed position. */
    private static final int TILES = 5;
    /** The weight gradient's buffers: one image's {@code gY}, a block's {@code gY^T}, a panel's transformed {@code gY}. */
    private static final int GRADIENT_COPY = 21;
    private static final int TRANSPOSED_GRADIENT = 22;
    private static final int TRANSFORMED_GRADIENT = 23;
    /** Panels of tiles the weight gradient transforms before multiplying them, and the tiles they hold. */
    private static final int GROUP_PANELS = 4;
    private static final int GROUP_DEPTH = GROUP_PANELS * NR;

    private final BatchConv direct;
    private final boolean wherever;

    /** Winograd where {@link #handles} says so, {@code direct} for everything else. */
    WinogradConv(BatchConv direct) {
        this(direct, false);
    }

    /** With {@code wherever}, Winograd for every geometry that {@link #fits}, measured faster or not (for tests). */
    WinogradConv(BatchConv direct, boolean wherever) {
        this.direct = direct;
        this.wherever = wherever;
    }

    private boolean takes(ConvGeometry g, int out) {
        return wherever ? fits(g) : handles(g, out);
    }

    /**
     * Whether this class computes a forward convolution of geometry {@code g} with {@code out} output channels itself:
     * kernel 3x3, stride 1, padding 1, an even height, a width of 2, 4, ... up to {@code 2 L} whose half divides
     * {@code L}, and where it measured faster than the direct kernel (docs/benchmarks.md, ninth session): at least
     * {@link #MIN_CHANNELS} channels on both sides ({@link #MIN_CHANNELS_VECTOR_STAGED} where the staging is whole
     * vectors), a transformed weight of at most {@link #MAX_WEIGHT_FLOATS}, and maps larger than 2x2 (those are
     * {@link TapGemmConv}'s).
     */
    static boolean handles(ConvGeometry g, int out) {
        if (!fits(g)) {
            return false;
        }
        int min = stagedByVectors(g.height(), g.width()) ? MIN_CHANNELS_VECTOR_STAGED : MIN_CHANNELS;
        return g.channels() >= min && out >= min && 16L * g.channels() * out <= MAX_WEIGHT_FLOATS
                && !TapGemmConv.handles(g);
    }

    /**
     * Whether this class computes the weight gradient of geometry {@code g} with {@code out} output channels itself:
     * where it {@link #handles} the forward with at least {@link #MIN_CHANNELS} channels on both sides, on maps of at
     * least {@link #MIN_WEIGHT_GRAD_POSITIONS} positions. Measured against the direct kernel (paired calls, two threads
     * unless said, eighteenth session): ResNet's 64-channel 8x8 layers 0.76x its time on one thread and 0.80-0.88x on
     * two, VGG's 64-channel 32x32 0.95x, 128-channel 16x16 0.80x and 256-channel 8x8 0.84x; ResNet's 32-channel 16x16
     * layers 1.03-1.16x and VGG's 256-channel 4x4 1.44x (a chunk's 16 x 256 x 256 sums for 4 tiles an image), so
     * those stay direct.
     */
    static boolean handlesWeightGrad(ConvGeometry g, int out) {
        return handles(g, out) && g.channels() >= MIN_CHANNELS && out >= MIN_CHANNELS
                && g.height() * g.width() >= MIN_WEIGHT_GRAD_POSITIONS;
    }

    /**
     * Whether {@link #stage} copies a {@code height x width} map by whole vectors: maps {@code L / 2} wide and 8 high
     * (8x8 with 16 lanes: a channel is four vectors, an image's tiles one vector) and maps {@code L} wide with an even
     * number of tile rows.
     */
    static boolean stagedByVectors(int height, int width) {
        int w = width / 2;
        return 4 * w == L && height == 8 || 2 * w == L && height / 2 % 2 == 0;
    }

    /** {@link #handles} without the measured limits: the shapes this class computes correctly. */
    static boolean fits(ConvGeometry g) {
        int tilesPerRow = g.width() / 2;
        return g.isSame3x3() && g.height() % 2 == 0 && g.width() % 2 == 0 && L % tilesPerRow == 0;
    }

    @Override
    public void forward(ConvGeometry g, int batch, int outChannels, MemorySegment x, long xOffset,
                        MemorySegment w, long wOffset, MemorySegment y, long yOffset) {
        if (!takes(g, outChannels)) {
            direct.forward(g, batch, outChannels, x, xOffset, w, wOffset, y, yOffset);
            return;
        }
        VectorBatchConv.requireNative(KERNEL, x, "x", w, "w", y, "y");
        float[] u = transformWeight(w, wOffset, outChannels, g.channels(), false, PANELS_BY_VECTORS);
        convolve(g, batch, outChannels, x, xOffset, u, y, yOffset);
    }

    @Override
    public void inputGrad(ConvGeometry g, int batch, int outChannels, MemorySegment gy, long gyOffset,
                          MemorySegment w, long wOffset, MemorySegment gx, long gxOffset) {
        ConvGeometry t = g.strideH() == 1 && g.strideW() == 1 ? BatchConv.transposed(g, outChannels) : null;
        if (t == null || !takes(t, g.channels())) {
            direct.inputGrad(g, batch, outChannels, gy, gyOffset, w, wOffset, gx, gxOffset);
            return;
        }
        VectorBatchConv.requireNative(KERNEL, gy, "gy", w, "w", gx, "gx");
        // The forward convolution of gy with the spatially flipped, channel-transposed weight.
        float[] u = transformWeight(w, wOffset, g.channels(), outChannels, true, PANELS_BY_VECTORS);
        convolve(t, batch, g.channels(), gy, gyOffset, u, gx, gxOffset);
    }

    @Override
    public void weightGrad(ConvGeometry g, int batch, int outChannels, MemorySegment x, long xOffset,
                           MemorySegment gy, long gyOffset, MemorySegment gw, long gwOffset) {
        if (!(wherever ? fits(g) : handlesWeightGrad(g, outChannels))) {
            direct.weightGrad(g, batch, outChannels, x, xOffset, gy, gyOffset, gw, gwOffset);
            return;
        }
        VectorBatchConv.requireNative(KERNEL, x, "x", gy, "gy", gw, "gw");
        weightGradient(g, batch, outChannels, x, xOffset, gy, gyOffset, gw, gwOffset);
    }

    /**
     * The weight gradient as the adjoint of {@link #convolve}: {@code y = A^T [(G g G^T) . (B^T d B)] A} per tile gives
     * {@code dg = G^T [sum over tiles of (B^T d B) . (A gY A^T)] G}. Per panel of {@code NR} tiles, {@code V = B^T d B}
     * is the forward's input transform and {@code M = A gY A^T} is computed from {@code gY^T} with output channels in
     * the lanes, laid out as the register kernel's B panels; then per transformed position {@code xi}, every {@code MR}
     * input channels (V read in place as the A panel) times every {@code NR} output channels gives a tile of
     * {@code dU^T[xi]}, added into the chunk's sums. The chunks' sums are added in chunk order and transformed back in
     * double, rounded once. 16 products of {@code in x out x tiles} instead of the direct kernel's 36.
     */
    private static void weightGradient(ConvGeometry g, int batch, int out, MemorySegment x, long xOffset,
                                       MemorySegment gy, long gyOffset, MemorySegment gw, long gwOffset) {
        Tiling tiling = new Tiling(g, out);
        int in = tiling.in;
        int inPadded = Math.ceilDiv(in, MR) * MR;
        int outPadded = Math.ceilDiv(out, NR) * NR;
        int hw = g.height() * g.width();
        int blocks = Math.ceilDiv(batch, tiling.imagesPerBlock);
        int chunks = ChunkSums.count(blocks, Parallel.poolCanAccess(x, gy));
        int sumSize = 16 * inPadded * outPadded;
        float[] partial = CALL.floats(PARTIAL_SUMS, chunks * sumSize);
        int[] channelStarts = VectorBatchConv.channelStarts(hw);
        Parallel.get().forEachChunk(chunks, chunk -> {
            float[] planes = TASK.floats(PLANES, 4 * in * tiling.planeSize);
            float[] v = TASK.floats(TRANSFORMED_INPUT, GROUP_PANELS * in * 16 * NR);
            float[] copy = TASK.floats(GRADIENT_COPY, out * hw);
            float[] transposed = TASK.floats(TRANSPOSED_GRADIENT, tiling.imagesPerBlock * outPadded * hw);
            float[] m = TASK.floats(TRANSFORMED_GRADIENT, 16 * outPadded * GROUP_DEPTH);
            Group group = new Group(in, inPadded, outPadded, v, m, TASK.floats(PRODUCT, MR * NR), partial,
                    chunk * sumSize);
            for (long block = (long) blocks * chunk / chunks; block < (long) blocks * (chunk + 1) / chunks; block++) {
                int b0 = Math.toIntExact(block * tiling.imagesPerBlock);
                weightGradientBlock(tiling, b0, Math.min(tiling.imagesPerBlock, batch - b0), x, xOffset, gy, gyOffset,
                        planes, copy, channelStarts, transposed, group);
            }
            group.flush();
        });
        ChunkSums.addInto(partial, chunks, sumSize, sumSize);
        float[] weight = filterGradients(partial, out, in, outPadded, inPadded, PANELS_BY_VECTORS);
        MemorySegment.copy(weight, 0, NativeSegments.typed(gw), F32, gwOffset * Float.BYTES, out * in * 9);
    }

    /**
     * The weight gradient {@code [out, in, 3, 3]} from the summed {@code dU^T[xi]} ({@code inPadded x outPadded} each,
     * one after another in {@code sums}), in the calling thread's scratch. With {@code byVectors}, whole panels of
     * {@code MR} output channels go through {@link #filterGradientPanel} (the same operations lane by lane, so the
     * same bits).
     */
    static float[] filterGradients(float[] sums, int out, int in, int outPadded, int inPadded, boolean byVectors) {
        float[] weight = CALL.floats(WEIGHT, out * in * 9);
        int positionSize = inPadded * outPadded;
        // Lane l of a panel writes output channel o0 + l's filter.
        int[] lanes = new int[MR];
        for (int l = 0; l < MR; l++) {
            lanes[l] = l * in * 9;
        }
        Parallel.get().balancedFor(out, TRANSFORM_GRAIN, (start, end) -> {
            int o = (int) start;
            while (o < end) {
                boolean panel = byVectors && o % MR == 0 && o + MR <= end;
                for (int c = 0; c < in; c++) {
                    if (panel) {
                        filterGradientPanel(sums, c * outPadded + o, positionSize, weight, (o * in + c) * 9, lanes);
                    } else {
                        transformFilterGradient(sums, c * outPadded + o, positionSize, weight, (o * in + c) * 9);
                    }
                }
                o += panel ? MR : 1;
            }
        });
        return weight;
    }

    /**
     * One block of {@code images} images from image {@code b0}: stages its input and transposes its {@code gY}, then
     * transforms it panel by panel into {@code group}, which multiplies when full. A method of its own, so that the
     * per-chunk task that calls it holds only the loop over blocks: with more loops in it, C2 compiled that task with
     * this work inlined (28 KB) within a scoring run's measured calls; called per block, this is compiled in its first
     * calls.
     */
    private static void weightGradientBlock(Tiling tiling, int b0, int images, MemorySegment x, long xOffset,
                                            MemorySegment gy, long gyOffset, float[] planes, float[] copy,
                                            int[] channelStarts, float[] transposed, Group group) {
        ConvGeometry g = tiling.g;
        int hw = g.height() * g.width();
        int out = tiling.out;
        stage(tiling, x, xOffset + b0 * g.inputSize(), images, planes);
        for (int k = 0; k < images; k++) {
            VectorBatchConv.transposeGradient(gy, gyOffset + (long) (b0 + k) * out * hw, out, hw, copy, channelStarts,
                    transposed, k * group.outPadded * hw);
        }
        int tiles = tiling.tiles(images);
        for (int t0 = 0; t0 < tiles; t0 += NR) {
            int count = Math.min(NR, tiles - t0);
            transformInput(tiling, planes, t0, count, group.v, group.panels * tiling.in * 16 * NR);
            transformGradient(tiling, transposed, group.outPadded, t0, count, group.m, group.depth);
            group.added(count);
        }
    }

    /**
     * A chunk's transformed panels not yet multiplied: up to {@link #GROUP_PANELS} panels of {@code V} (one slot of
     * {@code in * 16 * NR} floats each) and their tiles' rows of {@code M}, {@link #GROUP_DEPTH} deep, so each register
     * tile runs a chain over up to that many tiles (one panel's 32 left the kernel's set-up and the tile adds a fifth of
     * the time).
     */
    private static final class Group {
        final int in;
        final int inPadded;
        final int outPadded;
        final float[] v;
        final float[] m;
        final float[] tile;
        final float[] sums;
        final int sum;
        /**
         * Tile {@code p} of channel {@code c} in slot {@code r}'s panel {@code xi} is at {@code rows[c] + starts[xi *
         * GROUP_PANELS + r] + p}: the register kernel reads each slot as one run ({@link
         * SgemmKernel#multiplyInPlaceARuns}).
         */
        final int[] rows;
        final int[] starts = new int[16 * GROUP_PANELS];
        int panels;
        /** Tiles (rows of {@code M}) held. */
        int depth;
        /** Whether the chunk's sums hold nothing yet: the first flush writes every tile of them. */
        boolean first = true;

        Group(int in, int inPadded, int outPadded, float[] v, float[] m, float[] tile, float[] sums, int sum) {
            this.in = in;
            this.inPadded = inPadded;
            this.outPadded = outPadded;
            this.v = v;
            this.m = m;
            this.tile = tile;
            this.sums = sums;
            this.sum = sum;
            // Rows past the last channel repeat it (their results are never kept).
            rows = new int[inPadded];
            for (int c = 0; c < inPadded; c++) {
                rows[c] = Math.min(c, in - 1) * 16 * NR;
            }
            for (int xi = 0; xi < 16; xi++) {
                for (int r = 0; r < GROUP_PANELS; r++) {
                    starts[xi * GROUP_PANELS + r] = r * in * 16 * NR + xi * NR;
                }
            }
        }

        /**
         * Records a panel of {@code count} tiles just transformed into the next slot; multiplies when the slots are
         * full or the panel is not, so that only a group's last run is short.
         */
        void added(int count) {
            panels++;
            depth += count;
            if (panels == GROUP_PANELS || count < NR) {
                flush();
            }
        }

        /**
         * For each position {@code xi}, every {@code MR} input channels times every {@code NR} output channels of
         * {@code V^T M} over the group's tiles, added into (the first time, written to) the chunk's sums
         * {@code dU^T[xi]} ({@code inPadded x outPadded} each).
         */
        void flush() {
            if (depth == 0) {
                return;
            }
            for (int xi = 0; xi < 16; xi++) {
                for (int ic = 0; ic < inPadded; ic += MR) {
                    for (int q = 0; q < outPadded; q += NR) {
                        SgemmKernel.multiplyInPlaceARuns(depth, NR, v, rows, ic, starts, xi * GROUP_PANELS, m,
                                (xi * outPadded + q) * GROUP_DEPTH, tile);
                        int at = sum + (xi * inPadded + ic) * outPadded + q;
                        if (first) {
                            SgemmKernel.startTile(tile, sums, at, outPadded);
                        } else {
                            SgemmKernel.addTile(tile, sums, at, outPadded);
                        }
                    }
                }
            }
            first = false;
            panels = 0;
            depth = 0;
        }
    }

    /**
     * {@code M = A gY A^T} of the {@code count} tiles from tile {@code t0} of the block, whose {@code gY^T} is in
     * {@code transposed} (image {@code k} at {@code k * outPadded * hw}, as {@link VectorBatchConv#transposeGradient}
     * lays it out), as rows {@code row ..} of the register kernel's B panels: position {@code xi}'s panel of output
     * channels {@code q .. q + NR} at {@code (xi * outPadded + q) * GROUP_DEPTH}. {@code A gY} has the rows g0,
     * g0 + g1, g0 - g1 and -g1 of the 2x2 gradient tile, and each row {@code (a, b)} becomes {@code (a, a + b, a - b,
     * -b)}.
     */
    private static void transformGradient(Tiling tl, float[] transposed, int outPadded, int t0, int count, float[] m,
                                          int row) {
        int w = tl.tilesPerRow;
        int width = tl.g.width();
        int hw = tl.g.height() * width;
        int position = outPadded * GROUP_DEPTH;
        for (int p = 0; p < count; p++) {
            int t = t0 + p;
            int k = t / tl.tilesPerImage;
            int th = t % tl.tilesPerImage / w;
            int tw = t % w;
            int top = (2 * th * width + 2 * tw) * NR;
            int bottom = top + width * NR;
            for (int q = 0; q < outPadded; q += NR) {
                int panel = k * outPadded * hw + q * hw;
                for (int half = 0; half < NR; half += L) {
                    FloatVector g00 = FloatVector.fromArray(SPECIES, transposed, panel + top + half);
                    FloatVector g01 = FloatVector.fromArray(SPECIES, transposed, panel + top + NR + half);
                    FloatVector g10 = FloatVector.fromArray(SPECIES, transposed, panel + bottom + half);
                    FloatVector g11 = FloatVector.fromArray(SPECIES, transposed, panel + bottom + NR + half);
                    int at = q * GROUP_DEPTH + (row + p) * NR + half;
                    gradientRow(g00, g01, m, at, position);
                    gradientRow(g00.add(g10), g01.add(g11), m, at + 4 * position, position);
                    gradientRow(g00.sub(g10), g01.sub(g11), m, at + 8 * position, position);
                    gradientRow(g10.neg(), g11.neg(), m, at + 12 * position, position);
                }
            }
        }
    }

    /** Row {@code (a, a + b, a - b, -b)} of {@code M}, its four positions {@code position} floats apart. */
    private static void gradientRow(FloatVector a, FloatVector b, float[] m, int at, int position) {
        a.intoArray(m, at);
        a.add(b).intoArray(m, at + position);
        a.sub(b).intoArray(m, at + 2 * position);
        b.neg().intoArray(m, at + 3 * position);
    }

    /**
     * {@code G^T dU G} for one output and input channel, {@code dU[xi]} at {@code sums[at + xi * positionSize]}: the
     * kernel's 3x3 gradient, written to {@code weight[first ..]} row by row. {@code G^T X} has the rows
     * x0 + (x1 + x2) / 2, (x1 - x2) / 2 and (x1 + x2) / 2 + x3 of a 4-row {@code X}; computed in double and rounded
     * once.
     */
    private static void transformFilterGradient(float[] sums, int at, int positionSize, float[] weight, int first) {
        double[] du = new double[16];
        for (int xi = 0; xi < 16; xi++) {
            du[xi] = sums[at + xi * positionSize];
        }
        double[] rows = new double[12];
        for (int j = 0; j < 4; j++) {
            double x0 = du[j];
            double x1 = du[4 + j];
            double x2 = du[8 + j];
            double x3 = du[12 + j];
            rows[j] = x0 + 0.5 * (x1 + x2);
            rows[4 + j] = 0.5 * (x1 - x2);
            rows[8 + j] = 0.5 * (x1 + x2) + x3;
        }
        for (int r = 0; r < 3; r++) {
            double x0 = rows[4 * r];
            double x1 = rows[4 * r + 1];
            double x2 = rows[4 * r + 2];
            double x3 = rows[4 * r + 3];
            weight[first + 3 * r] = (float) (x0 + 0.5 * (x1 + x2));
            weight[first + 3 * r + 1] = (float) (0.5 * (x1 - x2));
            weight[first + 3 * r + 2] = (float) (0.5 * (x1 + x2) + x3);
        }
    }

    /**
     * {@link #transformFilterGradient} for the {@code MR} output channels whose {@code dU[xi]} are
     * {@code sums[at + xi * positionSize ..]} (consecutive), one per double lane, each filter's 3x3 gradient scattered
     * to {@code weight[first + lanes[l] ..]}: the same operations lane by lane, rounded once.
     */
    private static void filterGradientPanel(float[] sums, int at, int positionSize, float[] weight, int first,
                                            int[] lanes) {
        // One method, as transformPanel, but for its loads: widened is small enough that C2 inlines it (no symbol of
        // its own in the profile). dN is dU[N] for the panel's lanes.
        DoubleVector d0 = widened(sums, at);
        DoubleVector d1 = widened(sums, at + positionSize);
        DoubleVector d2 = widened(sums, at + 2 * positionSize);
        DoubleVector d3 = widened(sums, at + 3 * positionSize);
        DoubleVector d4 = widened(sums, at + 4 * positionSize);
        DoubleVector d5 = widened(sums, at + 5 * positionSize);
        DoubleVector d6 = widened(sums, at + 6 * positionSize);
        DoubleVector d7 = widened(sums, at + 7 * positionSize);
        DoubleVector d8 = widened(sums, at + 8 * positionSize);
        DoubleVector d9 = widened(sums, at + 9 * positionSize);
        DoubleVector d10 = widened(sums, at + 10 * positionSize);
        DoubleVector d11 = widened(sums, at + 11 * positionSize);
        DoubleVector d12 = widened(sums, at + 12 * positionSize);
        DoubleVector d13 = widened(sums, at + 13 * positionSize);
        DoubleVector d14 = widened(sums, at + 14 * positionSize);
        DoubleVector d15 = widened(sums, at + 15 * positionSize);
        // Row r of G^T dU (column j from dU[j], dU[4 + j], dU[8 + j], dU[12 + j]), then of (G^T dU) G, as
        // transformFilterGradient computes them (the loop unrolls and its choices fold).
        for (int r = 0; r < 3; r++) {
            DoubleVector t0 = r == 0 ? d0.add(d4.add(d8).mul(0.5)) : r == 1 ? d4.sub(d8).mul(0.5)
                    : d4.add(d8).mul(0.5).add(d12);
            DoubleVector t1 = r == 0 ? d1.add(d5.add(d9).mul(0.5)) : r == 1 ? d5.sub(d9).mul(0.5)
                    : d5.add(d9).mul(0.5).add(d13);
            DoubleVector t2 = r == 0 ? d2.add(d6.add(d10).mul(0.5)) : r == 1 ? d6.sub(d10).mul(0.5)
                    : d6.add(d10).mul(0.5).add(d14);
            DoubleVector t3 = r == 0 ? d3.add(d7.add(d11).mul(0.5)) : r == 1 ? d7.sub(d11).mul(0.5)
                    : d7.add(d11).mul(0.5).add(d15);
            int row = first + 3 * r;
            ((FloatVector) t0.add(t1.add(t2).mul(0.5)).convertShape(VectorOperators.D2F, PANEL_FLOATS, 0))
                    .intoArray(weight, row, lanes, 0);
            ((FloatVector) t1.sub(t2).mul(0.5).convertShape(VectorOperators.D2F, PANEL_FLOATS, 0))
                    .intoArray(weight, row + 1, lanes, 0);
            ((FloatVector) t1.add(t2).mul(0.5).add(t3).convertShape(VectorOperators.D2F, PANEL_FLOATS, 0))
                    .intoArray(weight, row + 2, lanes, 0);
        }
    }

    /**
     * {@code MR} consecutive floats from {@code sums[at]}, widened to double. Small enough to inline wherever it is
     * compiled (a {@code fromArray} and a {@code convertShape}); measured inlined into {@link #filterGradientPanel}.
     */
    private static DoubleVector widened(float[] sums, int at) {
        return (DoubleVector) FloatVector.fromArray(PANEL_FLOATS, sums, at)
                .convertShape(VectorOperators.F2D, PANEL_DOUBLES, 0);
    }

    /**
     * {@code U = G g G^T} for every output and input channel of the convolution computed, as the register kernel's A
     * panels: per transformed position {@code xi}, an {@code outPadded x in} matrix packed in {@link #KC}-deep blocks
     * of {@code MR}-row panels stored column by column (rows past {@code out} zero). With {@code flipped}, {@code g}
     * is the input gradient's kernel: {@code g[o][c] = w[c][o]} turned by 180 degrees, {@code w} being
     * {@code [in, out, 3, 3]}. Computed in double and rounded once. With {@code byVectors}, whole panels of {@code MR}
     * output channels go through {@link #transformPanel} (the same operations lane by lane, so the same bits); the
     * returned array is the calling thread's scratch.
     */
    static float[] transformWeight(MemorySegment w, long wOffset, int out, int in, boolean flipped,
                                   boolean byVectors) {
        int count = out * in * 9;
        float[] weight = CALL.floats(WEIGHT, count);
        MemorySegment.copy(NativeSegments.typed(w), F32, wOffset * Float.BYTES, weight, 0, count);
        int outPadded = Math.ceilDiv(out, MR) * MR;
        int positionSize = outPadded * in;
        // Every element of a row below out is written; only padding rows need zeros (a serial fill of up to 256 KB a
        // transform otherwise, two transforms per layer and call).
        float[] u = out == outPadded ? CALL.floats(TRANSFORMED_WEIGHT, 16 * positionSize)
                : CALL.zeroed(TRANSFORMED_WEIGHT, 16 * positionSize);
        // Lane l of a panel reads output channel o0 + l: the next filter in g's layout.
        int laneStride = flipped ? 9 : in * 9;
        int[] lanes = new int[MR];
        for (int l = 0; l < MR; l++) {
            lanes[l] = l * laneStride;
        }
        // Output channels write disjoint elements of u, so they are split among the pool: on the calling thread alone
        // this was a fifth of a two-thread ResNet-32 SNIP call's serial time.
        Parallel.get().balancedFor(out, TRANSFORM_GRAIN, (start, end) -> {
            int o = (int) start;
            while (o < end) {
                boolean panel = byVectors && o % MR == 0 && o + MR <= end;
                for (int c = 0; c < in; c++) {
                    int pc = c / KC * KC;
                    int at = pc * outPadded + o / MR * MR * Math.min(KC, in - pc) + (c - pc) * MR + o % MR;
                    // The input gradient's kernel is w[c][o] turned by 180 degrees: its taps read backwards.
                    int first = flipped ? (c * out + o) * 9 + 8 : (o * in + c) * 9;
                    if (panel) {
                        transformPanel(weight, first, flipped ? -1 : 1, lanes, u, at, positionSize);
                    } else {
                        transformFilter(weight, first, flipped ? -1 : 1, u, at, positionSize);
                    }
                }
                o += panel ? MR : 1;
            }
        });
        return u;
    }

    /**
     * {@link #transformFilter} for the {@code MR} filters whose taps start at {@code weight[first + lanes[l]]}, one per
     * double lane, written to {@code MR} consecutive elements of each position's matrix: a gather of each tap, the
     * filter's arithmetic on vectors (no fused operations, so each lane rounds as the scalar code does) and one
     * conversion and store per position. Nine gathers and sixteen stores per eight filters instead of 72 loads and
     * 128 scalar conversions and stores.
     */
    private static void transformPanel(float[] weight, int first, int step, int[] lanes, float[] u, int at,
                                       int positionSize) {
        // One method with no helpers: a helper that takes or returns vectors is compiled on its own once hot, is then
        // too big to inline, and its vectors are boxed at every call (such helpers took 3.8-4.1 % of a batch-2 call).
        DoubleVector a0 = (DoubleVector) FloatVector.fromArray(PANEL_FLOATS, weight, first, lanes, 0)
                .convertShape(VectorOperators.F2D, PANEL_DOUBLES, 0);
        DoubleVector a1 = (DoubleVector) FloatVector.fromArray(PANEL_FLOATS, weight, first + step, lanes, 0)
                .convertShape(VectorOperators.F2D, PANEL_DOUBLES, 0);
        DoubleVector a2 = (DoubleVector) FloatVector.fromArray(PANEL_FLOATS, weight, first + 2 * step, lanes, 0)
                .convertShape(VectorOperators.F2D, PANEL_DOUBLES, 0);
        DoubleVector b0 = (DoubleVector) FloatVector.fromArray(PANEL_FLOATS, weight, first + 3 * step, lanes, 0)
                .convertShape(VectorOperators.F2D, PANEL_DOUBLES, 0);
        DoubleVector b1 = (DoubleVector) FloatVector.fromArray(PANEL_FLOATS, weight, first + 4 * step, lanes, 0)
                .convertShape(VectorOperators.F2D, PANEL_DOUBLES, 0);
        DoubleVector b2 = (DoubleVector) FloatVector.fromArray(PANEL_FLOATS, weight, first + 5 * step, lanes, 0)
                .convertShape(VectorOperators.F2D, PANEL_DOUBLES, 0);
        DoubleVector c0 = (DoubleVector) FloatVector.fromArray(PANEL_FLOATS, weight, first + 6 * step, lanes, 0)
                .convertShape(VectorOperators.F2D, PANEL_DOUBLES, 0);
        DoubleVector c1 = (DoubleVector) FloatVector.fromArray(PANEL_FLOATS, weight, first + 7 * step, lanes, 0)
                .convertShape(VectorOperators.F2D, PANEL_DOUBLES, 0);
        DoubleVector c2 = (DoubleVector) FloatVector.fromArray(PANEL_FLOATS, weight, first + 8 * step, lanes, 0)
                .convertShape(VectorOperators.F2D, PANEL_DOUBLES, 0);
        // The rows of G g, each then transformed as transformRow does (the loop unrolls and its choices fold).
        for (int r = 0; r < 4; r++) {
            DoubleVector g0 = r == 0 ? a0 : r == 3 ? c0
                    : r == 1 ? a0.add(b0).add(c0).mul(0.5) : a0.sub(b0).add(c0).mul(0.5);
            DoubleVector g1 = r == 0 ? a1 : r == 3 ? c1
                    : r == 1 ? a1.add(b1).add(c1).mul(0.5) : a1.sub(b1).add(c1).mul(0.5);
            DoubleVector g2 = r == 0 ? a2 : r == 3 ? c2
                    : r == 1 ? a2.add(b2).add(c2).mul(0.5) : a2.sub(b2).add(c2).mul(0.5);
            int row = 4 * r * positionSize + at;
            ((FloatVector) g0.convertShape(VectorOperators.D2F, PANEL_FLOATS, 0)).intoArray(u, row);
            ((FloatVector) g0.add(g1).add(g2).mul(0.5).convertShape(VectorOperators.D2F, PANEL_FLOATS, 0))
                    .intoArray(u, row + positionSize);
            ((FloatVector) g0.sub(g1).add(g2).mul(0.5).convertShape(VectorOperators.D2F, PANEL_FLOATS, 0))
                    .intoArray(u, row + 2 * positionSize);
            ((FloatVector) g2.convertShape(VectorOperators.D2F, PANEL_FLOATS, 0)).intoArray(u, row + 3 * positionSize);
        }
    }

    /**
     * Writes {@code G g G^T} of the 3x3 kernel {@code g} whose taps (row by row) are {@code weight[first + step * t]}
     * to {@code u[at + xi * positionSize]} for its 16 positions {@code xi}: {@code G g} has the rows g0,
     * (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2 and g2 of the kernel, and each of its rows is transformed the same way.
     */
    private static void transformFilter(float[] weight, int first, int step, float[] u, int at, int positionSize) {
        double a0 = weight[first];
        double a1 = weight[first + step];
        double a2 = weight[first + 2 * step];
        double b0 = weight[first + 3 * step];
        double b1 = weight[first + 4 * step];
        double b2 = weight[first + 5 * step];
        double c0 = weight[first + 6 * step];
        double c1 = weight[first + 7 * step];
        double c2 = weight[first + 8 * step];
        transformRow(u, at, positionSize, 0, a0, a1, a2);
        transformRow(u, at, positionSize, 1, 0.5 * (a0 + b0 + c0), 0.5 * (a1 + b1 + c1), 0.5 * (a2 + b2 + c2));
        transformRow(u, at, positionSize, 2, 0.5 * (a0 - b0 + c0), 0.5 * (a1 - b1 + c1), 0.5 * (a2 - b2 + c2));
        transformRow(u, at, positionSize, 3, c0, c1, c2);
    }

    /** Row {@code r} of {@code (G g) G^T} from row {@code r} of {@code G g}, rounded once to float. */
    private static void transformRow(float[] u, int at, int positionSize, int r, double g0, double g1, double g2) {
        u[(4 * r) * positionSize + at] = (float) g0;
        u[(4 * r + 1) * positionSize + at] = (float) (0.5 * (g0 + g1 + g2));
        u[(4 * r + 2) * positionSize + at] = (float) (0.5 * (g0 - g1 + g2));
        u[(4 * r + 3) * positionSize + at] = (float) g2;
    }

    /** The convolution of {@code x} (geometry {@code g}, which {@link #fits}) with the transformed weight {@code u}. */
    private static void convolve(ConvGeometry g, int batch, int out, MemorySegment x, long xOffset, float[] u,
                                 MemorySegment y, long yOffset) {
        Tiling tiling = new Tiling(g, out);
        int blocks = Math.ceilDiv(batch, tiling.imagesPerBlock);
        long grain = Parallel.poolCanAccess(x, y) ? 1 : blocks;
        Parallel.get().balancedFor(blocks, grain, (start, end) -> {
            float[] planes = TASK.floats(PLANES, 4 * tiling.in * tiling.planeSize);
            float[] v = TASK.floats(TRANSFORMED_INPUT, tiling.in * 16 * NR);
            Products products = new Products();
            for (long block = start; block < end; block++) {
                int b0 = Math.toIntExact(block * tiling.imagesPerBlock);
                int images = Math.min(tiling.imagesPerBlock, batch - b0);
                stage(tiling, x, xOffset + b0 * g.inputSize(), images, planes);
                long yBlock = yOffset + (long) b0 * out * g.height() * g.width();
                int tiles = tiling.tiles(images);
                for (int t0 = 0; t0 < tiles; t0 += NR) {
                    transformInput(tiling, planes, t0, Math.min(NR, tiles - t0), v, 0);
                    multiplyAndTransformOutput(tiling, u, v, products, t0, tiles, y, yBlock);
                }
            }
        });
    }

    /**
     * Sizes of one call: tiles per image and per row, the images of a block (enough for one GEMM panel), the
     * tile-position masks of a block's lane groups.
     */
    private static final class Tiling {
        final ConvGeometry g;
        final int out;
        final int in;
        final int tilesPerRow;
        final int tileRows;
        final int tilesPerImage;
        final int imagesPerBlock;
        /** Floats of one phase plane, margins included. */
        final int planeSize;
        /** Per tile of a block: not in the first column / last column / first row / last row of its image. */
        final boolean[] notLeft;
        final boolean[] notRight;
        final boolean[] notTop;
        final boolean[] notBottom;

        Tiling(ConvGeometry g, int out) {
            this.g = g;
            this.out = out;
            this.in = g.channels();
            this.tilesPerRow = g.width() / 2;
            this.tileRows = g.height() / 2;
            this.tilesPerImage = tilesPerRow * tileRows;
            this.imagesPerBlock = Math.max(1, NR / tilesPerImage);
            int groups = Math.ceilDiv(imagesPerBlock * tilesPerImage, L) * L;
            this.planeSize = MARGIN + groups + MARGIN;
            notLeft = new boolean[groups];
            notRight = new boolean[groups];
            notTop = new boolean[groups];
            notBottom = new boolean[groups];
            for (int t = 0; t < groups; t++) {
                int tw = t % tilesPerRow;
                int th = t % tilesPerImage / tilesPerRow;
                notLeft[t] = tw != 0;
                notRight[t] = tw != tilesPerRow - 1;
                notTop[t] = th != 0;
                notBottom[t] = th != tileRows - 1;
            }
        }

        int tiles(int images) {
            return images * tilesPerImage;
        }
    }

    /**
     * {@code V = B^T d B} of the {@code count <= NR} tiles from tile {@code first} of the staged block, as one B panel
     * of the register kernel per transformed position {@code xi}: row {@code c} of panel {@code xi} at
     * {@code to + (c * 16 + xi) * NR}, so the transform writes each channel's 16 rows in one run (tiles past
     * {@code count} hold values never stored).
     */
    private static void transformInput(Tiling tl, float[] planes, int first, int count, float[] v, int to) {
        int w = tl.tilesPerRow;
        for (int lane0 = 0; lane0 < count; lane0 += L) {
            int t0 = first + lane0;
            // The masks travel as bits: transformRow is not inlined here, and a VectorMask argument would be boxed.
            long left = VectorMask.fromArray(SPECIES, tl.notLeft, t0).toLong();
            long right = VectorMask.fromArray(SPECIES, tl.notRight, t0).toLong();
            long top = VectorMask.fromArray(SPECIES, tl.notTop, t0).toLong();
            long bottom = VectorMask.fromArray(SPECIES, tl.notBottom, t0).toLong();
            long topLeft = top & left;
            long topRight = top & right;
            long bottomLeft = bottom & left;
            long bottomRight = bottom & right;
            long all = SPECIES.maskAll(true).toLong();
            for (int c = 0; c < tl.in; c++) {
                // Tile t0's element in the phase planes of channel c: even row and column, even/odd, odd/even, odd/odd.
                int ee = (4 * c) * tl.planeSize + MARGIN + t0;
                int eo = ee + tl.planeSize;
                int oe = eo + tl.planeSize;
                int oo = oe + tl.planeSize;
                int at = to + c * 16 * NR + lane0;
                // Rows of B^T d: d0 - d2, d1 + d2, d2 - d1, d1 - d3, where row i of d is image row 2 th + i - 1:
                // the odd rows of tile row th - 1 and th (i = 0, 2), the even rows of th and th + 1 (i = 1, 3).
                transformRow(planes, oe - w, oo - w, topLeft, top, topRight, oe, oo, left, all, right, false, v, at);
                transformRow(planes, ee, eo, left, all, right, oe, oo, left, all, right, true, v, at + 4 * NR);
                transformRow(planes, oe, oo, left, all, right, ee, eo, left, all, right, false, v, at + 8 * NR);
                transformRow(planes, ee, eo, left, all, right, ee + w, eo + w, bottomLeft, bottom, bottomRight, false,
                        v, at + 12 * NR);
            }
        }
    }

    /**
     * One row of {@code B^T d B} for {@code L} tiles: with {@code a} and {@code b} two rows of their input tiles, the
     * row {@code r = a + b} ({@code add}) or {@code a - b}, and then {@code [r0 - r2, r1 + r2, r2 - r1, r1 - r3]}
     * stored at {@code at + j * NR}. A row of input tiles is read from its even-column plane (offset {@code aEven},
     * {@code bEven}) and its odd-column plane ({@code aOdd}, {@code bOdd}): columns {@code 2 tw - 1 .. 2 tw + 2} are
     * odd {@code - 1}, even, odd, even {@code + 1}, each load masked to zero outside the image (the masks' lanes as
     * bits, {@link VectorMask#toLong}, since this is not inlined and a mask argument would be boxed). (One method per
     * row rather than one for the whole transform: C1 gave up on that one, "out of virtual registers", which left it
     * interpreted, every vector operation boxed, until C2 compiled it seconds later.)
     */
    private static void transformRow(float[] planes, int aEven, int aOdd, long aLeft, long aMid, long aRight,
                                     int bEven, int bOdd, long bLeft, long bMid, long bRight, boolean add, float[] v,
                                     int at) {
        FloatVector a0 = FloatVector.fromArray(SPECIES, planes, aOdd - 1, VectorMask.fromLong(SPECIES, aLeft));
        FloatVector a1 = FloatVector.fromArray(SPECIES, planes, aEven, VectorMask.fromLong(SPECIES, aMid));
        FloatVector a2 = FloatVector.fromArray(SPECIES, planes, aOdd, VectorMask.fromLong(SPECIES, aMid));
        FloatVector a3 = FloatVector.fromArray(SPECIES, planes, aEven + 1, VectorMask.fromLong(SPECIES, aRight));
        FloatVector b0 = FloatVector.fromArray(SPECIES, planes, bOdd - 1, VectorMask.fromLong(SPECIES, bLeft));
        FloatVector b1 = FloatVector.fromArray(SPECIES, planes, bEven, VectorMask.fromLong(SPECIES, bMid));
        FloatVector b2 = FloatVector.fromArray(SPECIES, planes, bOdd, VectorMask.fromLong(SPECIES, bMid));
        FloatVector b3 = FloatVector.fromArray(SPECIES, planes, bEven + 1, VectorMask.fromLong(SPECIES, bRight));
        FloatVector r0 = add ? a0.add(b0) : a0.sub(b0);
        FloatVector r1 = add ? a1.add(b1) : a1.sub(b1);
        FloatVector r2 = add ? a2.add(b2) : a2.sub(b2);
        FloatVector r3 = add ? a3.add(b3) : a3.sub(b3);
        r0.sub(r2).intoArray(v, at);
        r1.add(r2).intoArray(v, at + NR);
        r2.sub(r1).intoArray(v, at + 2 * NR);
        r1.sub(r3).intoArray(v, at + 3 * NR);
    }

    /**
     * Copies {@code images} images of {@code x} into their channels' four phase planes: plane {@code 2 (r % 2) + s % 2}
     * of channel {@code c} holds element {@code (r, s)} at tile {@code k * tilesPerImage + (r / 2) * W / 2 + s / 2} of
     * image {@code k}. The margins are left as they are: every load that reaches them is masked.
     */
    private static void stage(Tiling tl, MemorySegment x, long xOffset, int images, float[] planes) {
        MemorySegment input = NativeSegments.typed(x);
        int h = tl.g.height();
        int width = tl.g.width();
        int hw = h * width;
        int w = tl.tilesPerRow;
        if (stagedByVectors(h, width)) {
            if (4 * w == L) {
                stageByVectors(tl, input, xOffset, images, planes);
            } else {
                stageRowsByVectors(tl, input, xOffset, images, planes);
            }
            return;
        }
        float[] channel = TASK.floats(CHANNEL, hw);
        for (int k = 0; k < images; k++) {
            for (int c = 0; c < tl.in; c++) {
                MemorySegment.copy(input, F32, (xOffset + ((long) k * tl.in + c) * hw) * Float.BYTES, channel, 0, hw);
                int ee = (4 * c) * tl.planeSize + MARGIN + k * tl.tilesPerImage;
                for (int r = 0; r < h; r += 2) {
                    int even = ee + r / 2 * w;
                    int odd = even + 2 * tl.planeSize;
                    int row = r * width;
                    for (int s = 0; s < w; s++) {
                        planes[even + s] = channel[row + 2 * s];
                        planes[even + tl.planeSize + s] = channel[row + 2 * s + 1];
                        planes[odd + s] = channel[row + width + 2 * s];
                        planes[odd + tl.planeSize + s] = channel[row + width + 2 * s + 1];
                    }
                }
            }
        }
    }

    /**
     * {@link #stage} for maps {@code L / 2} wide and 8 high (8x8 with 16 lanes), whose channels are four vectors of two
     * rows each and whose phase planes are one vector per image: per pair of input vectors, one two-vector select
     * gathers the even-row and odd-row elements of one column parity, and the planes are the halves of two such
     * selects.
     */
    private static void stageByVectors(Tiling tl, MemorySegment input, long xOffset, int images, float[] planes) {
        long vector = (long) L * Float.BYTES;
        for (int k = 0; k < images; k++) {
            for (int c = 0; c < tl.in; c++) {
                long at = (xOffset + ((long) k * tl.in + c) * 4 * L) * Float.BYTES;
                FloatVector rows01 = FloatVector.fromMemorySegment(SPECIES, input, at, ORDER);
                FloatVector rows23 = FloatVector.fromMemorySegment(SPECIES, input, at + vector, ORDER);
                FloatVector rows45 = FloatVector.fromMemorySegment(SPECIES, input, at + 2 * vector, ORDER);
                FloatVector rows67 = FloatVector.fromMemorySegment(SPECIES, input, at + 3 * vector, ORDER);
                int ee = (4 * c) * tl.planeSize + MARGIN + k * tl.tilesPerImage;
                for (int parity = 0; parity < 2; parity++) {
                    FloatVector index = parity == 0 ? EVEN_COLUMNS : ODD_COLUMNS;
                    FloatVector top = index.selectFrom(rows01, rows23);
                    FloatVector bottom = index.selectFrom(rows45, rows67);
                    FIRST_HALVES.selectFrom(top, bottom).intoArray(planes, ee + parity * tl.planeSize);
                    SECOND_HALVES.selectFrom(top, bottom).intoArray(planes, ee + (2 + parity) * tl.planeSize);
                }
            }
        }
    }

    /**
     * {@link #stage} for maps {@code L} wide (16 with 16 lanes) with an even number of tile rows: a plane vector is two
     * tile rows, so image rows {@code 2 th .. 2 th + 3} give the four planes' vectors by one two-vector select each.
     */
    private static void stageRowsByVectors(Tiling tl, MemorySegment input, long xOffset, int images, float[] planes) {
        int w = tl.tilesPerRow;
        long rowBytes = (long) L * Float.BYTES;
        for (int k = 0; k < images; k++) {
            for (int c = 0; c < tl.in; c++) {
                long at = (xOffset + ((long) k * tl.in + c) * tl.g.height() * L) * Float.BYTES;
                int ee = (4 * c) * tl.planeSize + MARGIN + k * tl.tilesPerImage;
                for (int th = 0; th < tl.tileRows; th += 2, at += 4 * rowBytes) {
                    FloatVector r0 = FloatVector.fromMemorySegment(SPECIES, input, at, ORDER);
                    FloatVector r1 = FloatVector.fromMemorySegment(SPECIES, input, at + rowBytes, ORDER);
                    FloatVector r2 = FloatVector.fromMemorySegment(SPECIES, input, at + 2 * rowBytes, ORDER);
                    FloatVector r3 = FloatVector.fromMemorySegment(SPECIES, input, at + 3 * rowBytes, ORDER);
                    int plane = ee + th * w;
                    EVEN_OF_TWO.selectFrom(r0, r2).intoArray(planes, plane);
                    ODD_OF_TWO.selectFrom(r0, r2).intoArray(planes, plane + tl.planeSize);
                    EVEN_OF_TWO.selectFrom(r1, r3).intoArray(planes, plane + 2 * tl.planeSize);
                    ODD_OF_TWO.selectFrom(r1, r3).intoArray(planes, plane + 3 * tl.planeSize);
                }
            }
        }
    }

    /** The 16 product tiles {@code M[xi]} of one task and the kernel's row offsets into a transformed panel. */
    private static final class Products {
        final float[][] m = new float[16][];
        final float[] product = TASK.floats(PRODUCT, MR * NR);
        final float[] outputs = TASK.floats(OUTPUT, 4 * L);
        /** Row {@code c} of every transformed panel is {@code 16 NR} floats after row {@code c - 1}. */
        int[] rows = new int[0];

        Products() {
            for (int xi = 0; xi < 16; xi++) {
                m[xi] = TASK.floats(TILES + xi, MR * NR);
            }
        }

        int[] rows(int in) {
            if (rows.length < in) {
                rows = new int[in];
                for (int c = 0; c < in; c++) {
                    rows[c] = c * 16 * NR;
                }
            }
            return rows;
        }
    }

    /**
     * For the panel of tiles from {@code t0} (transformed in {@code v}) and every {@code MR} output channels: the 16
     * products {@code M[xi]} (one register-kernel tile each, chains of {@link #KC} input channels added in order), then
     * {@code A^T M A} into {@code y}, the block's output; tiles from {@code tiles} on are not stored.
     */
    private static void multiplyAndTransformOutput(Tiling tl, float[] u, float[] v, Products p, int t0, int tiles,
                                                   MemorySegment y, long yOffset) {
        int in = tl.in;
        int out = tl.out;
        int outPadded = Math.ceilDiv(out, MR) * MR;
        int positionSize = outPadded * in;
        int[] rows = p.rows(in);
        float[][] m = p.m;
        for (int ir = 0; ir < out; ir += MR) {
            for (int xi = 0; xi < 16; xi++) {
                for (int pc = 0; pc < in; pc += KC) {
                    int kc = Math.min(KC, in - pc);
                    int a = xi * positionSize + pc * outPadded + ir * kc;
                    if (pc == 0) {
                        SgemmKernel.multiplyInPlaceB(kc, u, a, v, rows, pc, xi * NR, xi * NR + L, m[xi]);
                    } else {
                        SgemmKernel.multiplyInPlaceB(kc, u, a, v, rows, pc, xi * NR, xi * NR + L, p.product);
                        SgemmKernel.addTile(p.product, m[xi], 0, NR);
                    }
                }
            }
            int outRows = Math.min(MR, out - ir);
            for (int half = 0; half < NR && t0 + half < tiles; half += L) {
                for (int i = 0; i < outRows; i++) {
                    transformOutput(tl, m, i * NR + half, ir + i, t0 + half, tiles, y, yOffset, p.outputs);
                }
            }
        }
    }

    /**
     * {@code A^T M A} for {@code L} tiles from tile {@code t0} of output channel {@code o} (their products at
     * {@code at} in each of the 16 tiles {@code m}), stored into {@code y}; tiles from {@code tiles} on are not stored.
     */
    private static void transformOutput(Tiling tl, float[][] m, int at, int o, int t0, int tiles, MemorySegment y,
                                        long yOffset, float[] outputs) {
        // A^T M: rows m0 + m1 + m2 (topj) and m1 - m2 - m3 (bottomj) of the 4x4 product (mij: row i, column j), column
        // by column; then the same on the columns of each row. All inline: a vector passed to or returned from a
        // method C2 does not inline is boxed.
        FloatVector m10 = FloatVector.fromArray(SPECIES, m[4], at), m20 = FloatVector.fromArray(SPECIES, m[8], at);
        FloatVector m11 = FloatVector.fromArray(SPECIES, m[5], at), m21 = FloatVector.fromArray(SPECIES, m[9], at);
        FloatVector m12 = FloatVector.fromArray(SPECIES, m[6], at), m22 = FloatVector.fromArray(SPECIES, m[10], at);
        FloatVector m13 = FloatVector.fromArray(SPECIES, m[7], at), m23 = FloatVector.fromArray(SPECIES, m[11], at);
        FloatVector top0 = FloatVector.fromArray(SPECIES, m[0], at).add(m10).add(m20);
        FloatVector top1 = FloatVector.fromArray(SPECIES, m[1], at).add(m11).add(m21);
        FloatVector top2 = FloatVector.fromArray(SPECIES, m[2], at).add(m12).add(m22);
        FloatVector top3 = FloatVector.fromArray(SPECIES, m[3], at).add(m13).add(m23);
        FloatVector bottom0 = m10.sub(m20).sub(FloatVector.fromArray(SPECIES, m[12], at));
        FloatVector bottom1 = m11.sub(m21).sub(FloatVector.fromArray(SPECIES, m[13], at));
        FloatVector bottom2 = m12.sub(m22).sub(FloatVector.fromArray(SPECIES, m[14], at));
        FloatVector bottom3 = m13.sub(m23).sub(FloatVector.fromArray(SPECIES, m[15], at));
        FloatVector y00 = top0.add(top1).add(top2);
        FloatVector y01 = top1.sub(top2).sub(top3);
        FloatVector y10 = bottom0.add(bottom1).add(bottom2);
        FloatVector y11 = bottom1.sub(bottom2).sub(bottom3);
        MemorySegment target = NativeSegments.typed(y);
        int w = tl.tilesPerRow;
        int width = tl.g.width();
        long plane = (long) tl.g.height() * width;
        if (2 * w >= L) {
            // Each half of an interleaved row pair is L/2 tiles of one tile row: two whole-vector stores per output
            // row.
            for (int half = 0; half < L && t0 + half < tiles; half += L / 2) {
                int t = t0 + half;
                int k = t / tl.tilesPerImage;
                int th = t % tl.tilesPerImage / w;
                int tw = t % w;
                long at0 = (yOffset + ((long) k * tl.out + o) * plane + (long) 2 * th * width + 2 * tw) * Float.BYTES;
                FloatVector index = half == 0 ? INTERLEAVE_LOW : INTERLEAVE_HIGH;
                index.selectFrom(y00, y01).intoMemorySegment(target, at0, ORDER);
                index.selectFrom(y10, y11).intoMemorySegment(target, at0 + (long) width * Float.BYTES,
                        ORDER);
            }
            return;
        }
        if (4 * w == L) {
            // Each vector's tiles are L/w = 4 tile rows, and a tile row's two output rows are L consecutive floats:
            // interleave each row pair's halves, then one whole-vector store per tile row.
            FloatVector evenLow = INTERLEAVE_LOW.selectFrom(y00, y01);
            FloatVector evenHigh = INTERLEAVE_HIGH.selectFrom(y00, y01);
            FloatVector oddLow = INTERLEAVE_LOW.selectFrom(y10, y11);
            FloatVector oddHigh = INTERLEAVE_HIGH.selectFrom(y10, y11);
            int k = t0 / tl.tilesPerImage;
            int th = t0 % tl.tilesPerImage / w;
            for (int row = 0; row < L / w && t0 + row * w < tiles; row++) {
                long at0 = (yOffset + ((long) k * tl.out + o) * plane + (long) 2 * th * width) * Float.BYTES;
                FloatVector index = row % 2 == 0 ? FIRST_HALVES : SECOND_HALVES;
                index.selectFrom(row < 2 ? evenLow : evenHigh, row < 2 ? oddLow : oddHigh)
                        .intoMemorySegment(target, at0, ORDER);
                // The next tile row: of this image, or the first of the next.
                if (++th == tl.tileRows) {
                    th = 0;
                    k++;
                }
            }
            return;
        }
        y00.intoArray(outputs, 0);
        y01.intoArray(outputs, L);
        y10.intoArray(outputs, 2 * L);
        y11.intoArray(outputs, 3 * L);
        for (int lane = 0; lane < L && t0 + lane < tiles; lane++) {
            int t = t0 + lane;
            int k = t / tl.tilesPerImage;
            int th = t % tl.tilesPerImage / w;
            int tw = t % w;
            long at0 = yOffset + ((long) k * tl.out + o) * plane + (long) 2 * th * width + 2 * tw;
            target.setAtIndex(F32, at0, outputs[lane]);
            target.setAtIndex(F32, at0 + 1, outputs[L + lane]);
            target.setAtIndex(F32, at0 + width, outputs[2 * L + lane]);
            target.setAtIndex(F32, at0 + width + 1, outputs[3 * L + lane]);
        }
    }

    /**
     * Indices into two vectors {@code a, b} of two {@code L / 2}-wide rows each: columns
     * {@code parity, parity + 2, ...} of {@code a}'s first row, of {@code b}'s first row, of {@code a}'s second row, of
     * {@code b}'s second row.
     */
    private static FloatVector columns(int parity) {
        int quarter = L / 4;
        return indices(i -> {
            int part = i / quarter;
            return (part % 2 == 0 ? 0 : L) + (part < 2 ? 0 : L / 2) + parity + 2 * (i % quarter);
        });
    }

    /** Indices {@code first, first + 2, ..., first + 2 (L - 1)} into the concatenation of two vectors. */
    private static FloatVector strided(int first) {
        return indices(i -> first + 2 * i);
    }

    /** Indices {@code from, from + 1, ..., from + L / 2 - 1, L + from, ..., L + from + L / 2 - 1} into two vectors. */
    private static FloatVector halves(int from) {
        return indices(i -> i < L / 2 ? from + i : L + from + i - L / 2);
    }

    /** Indices {@code from, L + from, from + 1, L + from + 1, ...} into the concatenation of two vectors. */
    private static FloatVector interleave(int from) {
        return indices(i -> i % 2 == 0 ? from + i / 2 : L + from + i / 2);
    }

    /** The index vector for {@code selectFrom} whose lane {@code i} holds {@code lane.applyAsInt(i)}. */
    private static FloatVector indices(IntUnaryOperator lane) {
        float[] index = new float[L];
        for (int i = 0; i < L; i++) {
            index[i] = lane.applyAsInt(i);
        }
        return FloatVector.fromArray(SPECIES, index, 0);
    }
}
