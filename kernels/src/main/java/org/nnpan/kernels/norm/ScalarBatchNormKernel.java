package org.nnpan.kernels.norm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@link BatchNormKernel} with plain loops, one channel after another: each run is summed in one float chain (the
 * mean's sums in double), and runs are added in image order in double.
 */
final class ScalarBatchNormKernel implements BatchNormKernel {

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Override
    public void forward(Layout layout, int from, int to, MemorySegment x, long xOffset, MemorySegment y, long yOffset,
                        double eps, boolean relu, Channels c) {
        for (int ch = from; ch < to; ch++) {
            forward(layout, ch, x, xOffset, y, yOffset, eps, relu, c);
        }
    }

    private static void forward(Layout layout, int ch, MemorySegment x, long xOffset, MemorySegment y, long yOffset,
                                double eps, boolean relu, Channels c) {
        int inner = layout.inner();
        double s = 0;
        for (int b = 0; b < layout.batch(); b++) {
            long base = xOffset + layout.run(b, ch);
            double run = 0;
            for (int i = 0; i < inner; i++) {
                run += x.getAtIndex(F, base + i);
            }
            s += run;
        }
        float m = (float) (s / layout.count());
        double v = 0;
        for (int b = 0; b < layout.batch(); b++) {
            long base = xOffset + layout.run(b, ch);
            float acc = 0;
            for (int i = 0; i < inner; i++) {
                float d = x.getAtIndex(F, base + i) - m;
                acc += d * d;
            }
            v += acc;
        }
        float is = (float) (1 / Math.sqrt(v / layout.count() + eps));
        c.mean()[ch] = m;
        c.invStd()[ch] = is;
        Affine affine = Affine.of(c, ch);
        float scale = affine.scale();
        float shift = affine.shift();
        for (int b = 0; b < layout.batch(); b++) {
            long src = xOffset + layout.run(b, ch);
            long dst = yOffset + layout.run(b, ch);
            for (int i = 0; i < inner; i++) {
                float yi = x.getAtIndex(F, src + i) * scale + shift;
                y.setAtIndex(F, dst + i, relu && !(yi > 0f) ? 0f : yi);
            }
        }
    }

    @Override
    public void backward(Layout layout, int from, int to, MemorySegment gy, long gyOffset, MemorySegment x,
                         long xOffset, MemorySegment gx, long gxOffset, boolean relu, Channels c, float[] gammaGrads,
                         float[] betaGrads) {
        for (int ch = from; ch < to; ch++) {
            Affine step = Affine.of(c, ch);
            BackwardTerms t = backward(layout, ch, gy, gyOffset, x, xOffset, gx, gxOffset, c.mean()[ch],
                    c.invStd()[ch], c.gamma()[ch], relu, relu ? step.scale() : 0f, relu ? step.shift() : 0f);
            gammaGrads[ch] = t.gGamma();
            betaGrads[ch] = t.sumG();
        }
    }

    /** One channel's backward; returns its terms, whose gradients of gamma and beta the caller stores. */
    private static BackwardTerms backward(Layout layout, int ch, MemorySegment gy, long gyOffset, MemorySegment x,
                                          long xOffset, MemorySegment gx, long gxOffset, float mean, float invStd,
                                          float gamma, boolean relu, float scale, float shift) {
        int inner = layout.inner();
        double sumG = 0;
        double sumGX = 0;
        for (int b = 0; b < layout.batch(); b++) {
            long run = layout.run(b, ch);
            float sg = 0;
            float sgx = 0;
            for (int i = 0; i < inner; i++) {
                float g = grad(gy, gyOffset + run + i, x, xOffset + run + i, relu, scale, shift);
                sg += g;
                sgx += g * (x.getAtIndex(F, xOffset + run + i) - mean);
            }
            sumG += sg;
            sumGX += sgx;
        }
        BackwardTerms t = BackwardTerms.of(layout, sumG, sumGX, invStd, gamma);
        for (int b = 0; b < layout.batch(); b++) {
            long run = layout.run(b, ch);
            for (int i = 0; i < inner; i++) {
                float g = grad(gy, gyOffset + run + i, x, xOffset + run + i, relu, scale, shift);
                float xc = x.getAtIndex(F, xOffset + run + i) - mean;
                gx.setAtIndex(F, gxOffset + run + i, t.k() * (t.count() * g - t.sumG() - xc * t.a()));
            }
        }
        return t;
    }

    /** The output gradient at {@code at}, times ReLU's step of forward's output there when {@code relu}. */
    private static float grad(MemorySegment gy, long at, MemorySegment x, long xAt, boolean relu, float scale,
                              float shift) {
        float g = gy.getAtIndex(F, at);
        return relu ? g * (x.getAtIndex(F, xAt) * scale + shift > 0f ? 1f : 0f) : g;
    }
}
