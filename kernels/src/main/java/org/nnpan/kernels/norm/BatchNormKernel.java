package org.nnpan.kernels.norm;

import java.lang.foreign.MemorySegment;

/**
 * The per-channel loops of float32 batch normalisation over an NCHW tensor, for a range of channels per call, so that
 * callers run ranges in parallel. A channel's elements are {@code batch} runs of {@code inner} contiguous floats,
 * {@code channels * inner} apart. Offsets count elements; every segment holds float32 data in native order.
 *
 * <p>Two implementations: {@link ScalarBatchNormKernel} (plain loops, runs everywhere) and {@code
 * VectorBatchNormKernel} (the Vector API, which needs {@code --add-modules jdk.incubator.vector}, on native segments
 * only: see {@code NativeSegments}). They agree on every element-wise step bit for bit and differ only in the order of
 * the channel sums; each is deterministic on its own (the vector one adds whole vectors lane-wise and the lanes in lane
 * order, never {@code reduceLanes}, whose order depends on whether the JIT has compiled it). A channel's results do not
 * depend on the range it came in: how a caller splits the channels changes no bit.
 */
public interface BatchNormKernel {

    /** Tensors {@link #forward}'s passes read per element (x), for {@link Layout#channelBlock}. */
    int FORWARD_INPUTS = 1;
    /** Tensors {@link #backward}'s passes read per element (x and gy), for {@link Layout#channelBlock}. */
    int BACKWARD_INPUTS = 2;

    /**
     * Normalises channels {@code [from, to)} of {@code x} into {@code y} with batch statistics: {@code y = (x - mean)
     * * invStd * gamma + beta}, where {@code invStd = 1 / sqrt(var + eps)} (biased variance); stores each channel's
     * mean and invStd in {@code c}. With {@code relu} it stores {@code y > 0 ? y : 0} instead: ReLU in the same pass,
     * the value ReLU's own loop would compute from the stored {@code y}.
     */
    void forward(Layout layout, int from, int to, MemorySegment x, long xOffset, MemorySegment y, long yOffset,
                 double eps, boolean relu, Channels c);

    /**
     * The input gradient of {@link #forward} for channels {@code [from, to)} into {@code gx}, from its output gradient
     * {@code gy}, its input {@code x} and the statistics forward stored in {@code c}; stores the gradients of gamma
     * and beta in {@code gammaGrads} and {@code betaGrads}.
     *
     * <p>With {@code relu}, the backward of forward with ReLU: the output gradient is taken as {@code gy * (y > 0 ? 1 :
     * 0)}, ReLU's backward, element by element as the kernel reads {@code gy}, which gives the same floats as masking
     * {@code gy} in a pass of its own (signed zeros and NaN included). {@code y} is recomputed from {@code x} with
     * forward's own float expressions ({@link Affine}), so the step is exactly that of the stored output {@code out >
     * 0}, without reading {@code out}: a third less memory traffic than reading it.
     */
    void backward(Layout layout, int from, int to, MemorySegment gy, long gyOffset, MemorySegment x, long xOffset,
                  MemorySegment gx, long gxOffset, boolean relu, Channels c, float[] gammaGrads, float[] betaGrads);

    /**
     * Per-channel values indexed by channel: {@code gamma} and {@code beta} (never null: 1 and 0 where a layer has
     * none), and the {@code mean} and {@code invStd} that {@link #forward} stores and {@link #backward} reads.
     */
    record Channels(float[] gamma, float[] beta, float[] mean, float[] invStd) {
    }

    /**
     * The per-channel affine step {@code y = x * scale + shift} as every kernel's forward computes it, in float:
     * {@code scale = invStd * gamma}, {@code shift = beta - mean * scale}. The fused backward recomputes ReLU's step
     * with it, so both sides must take it from here.
     */
    record Affine(float scale, float shift) {

        /** Channel {@code ch}'s step from the values in {@code c}. */
        static Affine of(Channels c, int ch) {
            float scale = c.invStd()[ch] * c.gamma()[ch];
            return new Affine(scale, c.beta()[ch] - c.mean()[ch] * scale);
        }
    }

    /** The shape of an NCHW tensor as this kernel sees it: {@code inner} is the product of the spatial sizes. */
    record Layout(int batch, int channels, int inner) {

        /** An image's floats of a block of channels that one pass reads, over all its inputs: {@link #channelBlock}. */
        private static final int BLOCK_FLOATS = 2048;

        /** Elements per channel: the count the statistics average over. */
        long count() {
            return (long) batch * inner;
        }

        /** Element offset of image {@code b}'s run of channel {@code ch}. */
        long run(int b, int ch) {
            return ((long) b * channels + ch) * inner;
        }

        /**
         * How many consecutive channels the vector kernel reads together, image by image, in a pass over
         * {@code inputs} tensors (1 for the forward, x; 2 for the backward, x and gy): their runs in one image are
         * one contiguous stretch of each input, up to 8 KB over all of them, where one channel at a time jumps
         * {@code channels * inner} floats after every run (measured on 8×8 maps, a 256-byte run every 16 KB: one
         * channel at a time took 1.5–2× the time per element; the backward took 0.91–1.02× the time with half the
         * forward's block, faster in 9 of 12 measurements; docs/benchmarks.md, twenty-first session). Callers that
         * split channels over threads should hand out ranges of at least this many channels.
         */
        public int channelBlock(int inputs) {
            return Math.max(1, BLOCK_FLOATS / (inputs * inner));
        }
    }
}
