package org.nnpan.kernels.norm;

import java.lang.foreign.MemorySegment;

/**
 * The per-channel loops of float32 batch normalisation over an NCHW tensor, one channel per call, so that callers
 * run channels in parallel. A channel's elements are {@code batch} runs of {@code inner} contiguous floats,
 * {@code channels * inner} apart. Offsets count elements; every segment holds float32 data in native order.
 *
 * <p>Two implementations: {@link ScalarBatchNormKernel} (plain loops, runs everywhere) and {@code
 * VectorBatchNormKernel} (the Vector API, which needs {@code --add-modules jdk.incubator.vector}, on native segments
 * only: see {@code NativeSegments}). They agree on every element-wise step bit for bit and differ only in the order of
 * the channel sums; each is deterministic on its own (the vector one adds whole vectors lane-wise and the lanes in lane
 * order, never {@code reduceLanes}, whose order depends on whether the JIT has compiled it).
 */
public interface BatchNormKernel {

    /**
     * Normalises channel {@code ch} of {@code x} into {@code y} with batch statistics: {@code y = (x - mean) * invStd *
     * gamma + beta}, where {@code invStd = 1 / sqrt(var + eps)} (biased variance); returns the mean in {@code stats[0]}
     * and invStd in {@code stats[1]}. With {@code relu} it stores {@code y > 0 ? y : 0} instead: ReLU in the same
     * pass, the value ReLU's own loop would compute from the stored {@code y}.
     */
    void forward(Layout layout, int ch, MemorySegment x, long xOffset, MemorySegment y, long yOffset,
                 double eps, float gamma, float beta, boolean relu, float[] stats);

    /**
     * The input gradient of {@link #forward} (without ReLU) for channel {@code ch} into {@code gx}, from its output
     * gradient {@code gy}, its input {@code x} and the saved {@code mean} and {@code invStd}; returns the gradient of
     * gamma in {@code grads[0]} and of beta in {@code grads[1]}.
     */
    default void backward(Layout layout, int ch, MemorySegment gy, long gyOffset, MemorySegment x, long xOffset,
                          MemorySegment gx, long gxOffset, float mean, float invStd, float gamma, float[] grads) {
        backward(layout, ch, gy, gyOffset, x, xOffset, gx, gxOffset, mean, invStd, gamma, null, grads);
    }

    /**
     * {@link #backward} of {@link #forward} with ReLU, given the {@code gamma} and {@code beta} that forward had: the
     * output gradient is taken as {@code gy * (y > 0 ? 1 : 0)}, ReLU's backward, element by element as the kernel
     * reads {@code gy}, which gives the same floats as masking {@code gy} in a pass of its own (signed zeros and NaN
     * included). {@code y} is recomputed from {@code x} with forward's own float expressions ({@code scale = invStd *
     * gamma}, {@code shift = beta - mean * scale}, {@code y = x * scale + shift}), so the step is exactly that of the
     * stored output {@code out > 0}, without reading {@code out}: a third less memory traffic than reading it.
     */
    default void backwardRelu(Layout layout, int ch, MemorySegment gy, long gyOffset, MemorySegment x, long xOffset,
                              MemorySegment gx, long gxOffset, float mean, float invStd, float gamma, float beta,
                              float[] grads) {
        backward(layout, ch, gy, gyOffset, x, xOffset, gx, gxOffset, mean, invStd, gamma,
                Affine.of(mean, invStd, gamma, beta), grads);
    }

    /**
     * Both backwards, the one each kernel implements: {@link #backwardRelu} when {@code reluStep} is forward's affine
     * step (ReLU's step taken as {@code x * reluStep.scale() + reluStep.shift() > 0}), {@link #backward} when it is
     * null.
     */
    void backward(Layout layout, int ch, MemorySegment gy, long gyOffset, MemorySegment x, long xOffset,
                  MemorySegment gx, long gxOffset, float mean, float invStd, float gamma, Affine reluStep,
                  float[] grads);

    /**
     * The per-channel affine step {@code y = x * scale + shift} as every kernel's forward computes it, in float:
     * {@code scale = invStd * gamma}, {@code shift = beta - mean * scale}. The fused backward recomputes ReLU's step
     * with it, so both sides must take it from here.
     */
    record Affine(float scale, float shift) {

        static Affine of(float mean, float invStd, float gamma, float beta) {
            float scale = invStd * gamma;
            return new Affine(scale, beta - mean * scale);
        }
    }

    /** The shape of an NCHW tensor as this kernel sees it: {@code inner} is the product of the spatial sizes. */
    record Layout(int batch, int channels, int inner) {

        /** Elements per channel: the count the statistics average over. */
        long count() {
            return (long) batch * inner;
        }

        /** Element offset of image {@code b}'s run of channel {@code ch}. */
        long run(int b, int ch) {
            return ((long) b * channels + ch) * inner;
        }
    }
}
