package org.nnpan.kernels.conv;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.nnpan.kernels.memory.NativeSegments;
import org.nnpan.kernels.parallel.Parallel;
import org.nnpan.kernels.parallel.ThreadScratch;

/**
 * The stride-1 weight gradient {@code gW[o][j] = sum over images and positions of gY[o][pos] * cols(X)[j][pos]} as
 * vectorised dot products with no packing of the image. Positions are counted along the <em>padded</em> rows
 * ({@code pos = oh * paddedWidth + ow}, {@code ow < paddedWidth}), so at stride 1 tap {@code j}'s values for
 * consecutive positions are consecutive elements of the {@link PaddedImage}, read in place with plain vector loads. The
 * extra columns {@code ow >= outW} and the tail that rounds a row count up to whole vectors read real (finite) image
 * values or zeros and meet zeros in the staged {@code gY}, so they add nothing; a non-finite input value can thus
 * leak into a gradient it does not touch in exact arithmetic (as NaN), which the im2col path would not do.
 *
 * <p>A register tile is {@link #TJ} taps by {@link #TO} output channels, {@code TJ * TO} vector accumulators summed
 * over a group of images (about {@link #GROUP_POSITIONS} positions, so that small images amortise storing them) and
 * added lane by lane into the chunk's sums, which are reduced across lanes once per chunk, in lane order
 * ({@link #laneTotals}). One tile is one small method ({@link #dotTile}), called thousands of times
 * per call, so the JIT compiles it early; until then the Vector API runs interpreted and boxes every vector. Buffers
 * are per-thread scratch reused across calls. Loaded only with the Vector API present.
 */
final class RowDotWeightGrad {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Taps per register tile. */
    static final int TJ = 4;
    /** Output channels per register tile. */
    static final int TO = 4;
    /** Output channels from which the GEMM path is faster. */
    private static final int MAX_OUT_CHANNELS = 32;
    /** Positions a group of images should hold before its accumulators are reduced. */
    private static final int GROUP_POSITIONS = 2048;

    /** {@code 0, L, 2 L, ...}: lane {@code l} of {@code L} consecutive sums' lane-wise partials, for one gather. */
    private static final int[] SUM_STARTS = IntStream.range(0, L).map(i -> i * L).toArray();
    /** The calling thread's per-chunk partial sums, one {@code outChannels x k} block per chunk. */
    private static final ThreadScratch CALL = new ThreadScratch();
    /**
     * A task's staged {@code gY} (index {@link #GRADIENT}), a register tile's accumulators (index {@link #TILE}) and
     * the chunk's lane-wise sums (index {@link #LANE_SUMS}).
     */
    private static final ThreadScratch TASK = new ThreadScratch();
    private static final int GRADIENT = 0;
    private static final int TILE = 1;
    private static final int LANE_SUMS = 2;

    private RowDotWeightGrad() {
    }

    /**
     * Whether {@link #compute} is the faster weight gradient for {@code g} (it handles any stride-1 geometry): at stride
     * 1, with output rows of at least one vector (the padded-row waste and the per-row loop overhead stay small) and
     * fewer than {@link #MAX_OUT_CHANNELS} output channels. With more channels the GEMM path's panel packing is shared
     * by enough register tiles that it wins (measured: 16 channels at 32x32 about 1.5x faster here, 32 at 16x16 and
     * 64 at 8x8 1.3-2x slower). Rows of one to two vectors came later (twelfth session, Intel VM, paired calls): 0.3-0.65x
     * the GEMM path's time at 16 and 28 wide, 0.53-0.56x on LeNet-5's 24-wide first layer.
     */
    static boolean preferredFor(ConvGeometry g, int outChannels) {
        return g.strideH() == 1 && g.strideW() == 1 && g.outW() >= L && outChannels < MAX_OUT_CHANNELS;
    }

    /** {@link BatchConv#weightGrad} for a stride-1 geometry. */
    static void compute(ConvGeometry g, int batch, int outChannels, MemorySegment x, long xOffset,
                        MemorySegment gy, long gyOffset, MemorySegment gw, long gwOffset) {
        int k = Math.toIntExact(g.colRows());
        int outH = g.outH();
        int outW = g.outW();
        int paddedWidth = g.width() + 2 * g.padW();
        // Positions per image along padded rows, rounded up to whole vectors.
        int positions = Math.ceilDiv(outH * paddedWidth, L) * L;
        int group = Math.max(1, Math.min(batch, GROUP_POSITIONS / positions));
        int chunks = ChunkSums.count(batch, Parallel.poolCanAccess(x, gy));
        int sumSize = outChannels * k;
        // Every chunk writes its whole block.
        float[] partial = CALL.floats(0, chunks * sumSize);
        Parallel.get().forEachChunk(chunks, chunk -> {
            MemorySegment gradients = NativeSegments.typed(gy);
            PaddedImage[] images = new PaddedImage[group];
            float[][] data = new float[group][];
            for (int i = 0; i < group; i++) {
                images[i] = PaddedImage.forThread(g, g.kernelW() + L, i);
                data[i] = images[i].data;
            }
            int[] taps = images[0].tapOffsets();
            // gY of the group, [image][channel][position]; columns past outW and the row tail stay zero.
            float[] gradient = TASK.zeroed(GRADIENT, group * outChannels * positions);
            float[] laneSums = TASK.zeroed(LANE_SUMS, sumSize * L);
            long end = (long) batch * (chunk + 1) / chunks;
            for (long b0 = (long) batch * chunk / chunks; b0 < end; b0 += group) {
                int count = (int) Math.min(group, end - b0);
                stageGroup(g, images, count, x, xOffset + b0 * g.inputSize(), gradients,
                        gyOffset + b0 * outChannels * outH * outW, outChannels, gradient, positions);
                accumulate(data, gradient, count, outChannels, positions, taps, laneSums);
            }
            laneTotals(laneSums, sumSize, partial, chunk * sumSize);
        });
        ChunkSums.addInto(partial, chunks, sumSize, sumSize);
        MemorySegment.copy(partial, 0, NativeSegments.typed(gw), F32, gwOffset * Float.BYTES, sumSize);
    }

    /**
     * Stages {@code count} consecutive images from element {@code xAt} of {@code x} into {@code images} and their
     * {@code gY} (from element {@code gyAt}) into {@code gradient}, {@code [image][channel][position]} along padded
     * rows. A method of its own, called per group: inlined into the per-chunk task, its loops (with the task's own,
     * once the lane totals left it) had C2 compile that task (24 KB, 0.09 s) within a scoring run's measured calls.
     */
    private static void stageGroup(ConvGeometry g, PaddedImage[] images, int count, MemorySegment x, long xAt,
                                   MemorySegment gradients, long gyAt, int outChannels, float[] gradient,
                                   int positions) {
        int outH = g.outH();
        int outW = g.outW();
        int paddedWidth = g.width() + 2 * g.padW();
        for (int i = 0; i < count; i++) {
            images[i].load(x, xAt + i * g.inputSize());
            // Vector copies per row rather than a MemorySegment.copy call per row (32 floats on 32x32 maps):
            // 0.94-0.99x this kernel's time there.
            for (int o = 0; o < outChannels; o++) {
                PaddedImage.copyRows(gradients, gyAt + ((long) i * outChannels + o) * outH * outW, outH, outW,
                        gradient, (i * outChannels + o) * positions, paddedWidth);
            }
        }
    }

    /**
     * Adds the group's contribution lane by lane to {@code laneSums} ({@code [outChannels][k][L]}). Tiles at the edges
     * repeat the last tap or channel instead of branching in the inner loop; the repeated results are not stored.
     */
    private static void accumulate(float[][] data, float[] gradient, int count, int outChannels, int positions,
                                   int[] taps, float[] laneSums) {
        int k = taps.length;
        float[] tile = TASK.floats(TILE, TO * TJ * L);
        for (int o0 = 0; o0 < outChannels; o0 += TO) {
            for (int j0 = 0; j0 < k; j0 += TJ) {
                dotTile(data, gradient, count, outChannels, positions, taps, o0, j0, tile);
                for (int o = 0; o < TO && o0 + o < outChannels; o++) {
                    for (int j = 0; j < TJ && j0 + j < k; j++) {
                        int at = ((o0 + o) * k + j0 + j) * L;
                        FloatVector.fromArray(SPECIES, laneSums, at)
                                .add(FloatVector.fromArray(SPECIES, tile, (o * TJ + j) * L)).intoArray(laneSums, at);
                    }
                }
            }
        }
    }

    /**
     * Writes to {@code tile} ({@code [TO][TJ][L]}) the lane-wise partial dot products of output channels
     * {@code o0 ..} of the staged gradient with taps {@code j0 ..} of the staged images, over the group's
     * {@code count} images.
     */
    private static void dotTile(float[][] data, float[] gradient, int count, int outChannels, int positions,
                                int[] taps, int o0, int j0, float[] tile) {
        int k = taps.length;
        int imageStride = outChannels * positions;
        int g0 = Math.min(o0, outChannels - 1) * positions;
        int g1 = Math.min(o0 + 1, outChannels - 1) * positions;
        int g2 = Math.min(o0 + 2, outChannels - 1) * positions;
        int g3 = Math.min(o0 + 3, outChannels - 1) * positions;
        int t0 = taps[j0];
        int t1 = taps[Math.min(j0 + 1, k - 1)];
        int t2 = taps[Math.min(j0 + 2, k - 1)];
        int t3 = taps[Math.min(j0 + 3, k - 1)];
        FloatVector a00 = FloatVector.zero(SPECIES);
        FloatVector a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int i = 0; i < count; i++) {
            float[] d = data[i];
            int gi = i * imageStride;
            for (int q = 0; q < positions; q += L) {
                FloatVector x0 = FloatVector.fromArray(SPECIES, d, t0 + q);
                FloatVector x1 = FloatVector.fromArray(SPECIES, d, t1 + q);
                FloatVector x2 = FloatVector.fromArray(SPECIES, d, t2 + q);
                FloatVector x3 = FloatVector.fromArray(SPECIES, d, t3 + q);
                FloatVector y = FloatVector.fromArray(SPECIES, gradient, gi + g0 + q);
                a00 = y.fma(x0, a00);
                a01 = y.fma(x1, a01);
                a02 = y.fma(x2, a02);
                a03 = y.fma(x3, a03);
                y = FloatVector.fromArray(SPECIES, gradient, gi + g1 + q);
                a10 = y.fma(x0, a10);
                a11 = y.fma(x1, a11);
                a12 = y.fma(x2, a12);
                a13 = y.fma(x3, a13);
                y = FloatVector.fromArray(SPECIES, gradient, gi + g2 + q);
                a20 = y.fma(x0, a20);
                a21 = y.fma(x1, a21);
                a22 = y.fma(x2, a22);
                a23 = y.fma(x3, a23);
                y = FloatVector.fromArray(SPECIES, gradient, gi + g3 + q);
                a30 = y.fma(x0, a30);
                a31 = y.fma(x1, a31);
                a32 = y.fma(x2, a32);
                a33 = y.fma(x3, a33);
            }
        }
        a00.intoArray(tile, 0);
        a01.intoArray(tile, 1 * L);
        a02.intoArray(tile, 2 * L);
        a03.intoArray(tile, 3 * L);
        a10.intoArray(tile, 4 * L);
        a11.intoArray(tile, 5 * L);
        a12.intoArray(tile, 6 * L);
        a13.intoArray(tile, 7 * L);
        a20.intoArray(tile, 8 * L);
        a21.intoArray(tile, 9 * L);
        a22.intoArray(tile, 10 * L);
        a23.intoArray(tile, 11 * L);
        a30.intoArray(tile, 12 * L);
        a31.intoArray(tile, 13 * L);
        a32.intoArray(tile, 14 * L);
        a33.intoArray(tile, 15 * L);
    }

    /**
     * {@code out[to + s]} = the sum of the {@code L} lanes at {@code lanes[s * L ..]}, in lane order, for each of the
     * {@code count} sums: for {@code L} sums at a time, lane {@code l} of all of them is one gather, added in lane
     * order as one vector (the same float additions per sum as a scalar loop over its lanes, a sixteenth of the
     * dependent chain: with four chunks per thread the scalar loop ran 37,000 additions per chunk on 16-channel 32x32
     * layers).
     * Not {@code reduceLanes(ADD)}: its order is unspecified and differs between the interpreted Vector API (the first
     * calls of a process) and C2's intrinsic, so the same gradient came out with different last bits depending on when
     * the JIT compiled this kernel.
     */
    static void laneTotals(float[] lanes, int count, float[] out, int to) {
        int whole = SPECIES.loopBound(count);
        for (int s = 0; s < whole; s += L) {
            FloatVector total = FloatVector.zero(SPECIES);
            for (int l = 0; l < L; l++) {
                total = total.add(FloatVector.fromArray(SPECIES, lanes, s * L + l, SUM_STARTS, 0));
            }
            total.intoArray(out, to + s);
        }
        for (int s = whole; s < count; s++) {
            float total = 0;
            for (int l = 0; l < L; l++) {
                total += lanes[s * L + l];
            }
            out[to + s] = total;
        }
    }
}
