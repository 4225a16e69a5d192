package org.nnpan.kernels.norm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Training-mode batch norm's second-order rule in closed form, one channel per call: the gradients w.r.t. the output
 * gradient g, the input x and γ of ⟨d, u⟩, where d is one of batch norm's first-order gradients at (g, x, γ) and u is
 * its upstream gradient. With M elements per channel, means over them, a = 1/√(var + ε) (biased variance) and
 * x̂ = (x − mean)·a, the first-order gradients are d_x = γa(g − mean g − x̂·mean(g x̂)), d_γ = Σ g x̂ and
 * d_β = Σ g, and their rules are, writing ĝ = g − mean g, û = u − mean u and cov(u, g) = mean(û ĝ):
 *
 * <ul>
 *   <li>d_x: dg = γa(û − x̂·mean(u x̂));
 *       dx = γa²(x̂·(3·mean(g x̂)·mean(u x̂) − cov(u, g)) − ĝ·mean(u x̂) − û·mean(g x̂));
 *       dγ = a·M·(cov(u, g) − mean(g x̂)·mean(u x̂));</li>
 *   <li>d_γ, with a per-channel upstream s: dg = s·x̂; dx = s·a·(ĝ − x̂·mean(g x̂));</li>
 *   <li>d_β, with a per-channel upstream s: dg = s.</li>
 * </ul>
 *
 * <p>Three passes over a channel: the means of x, g and u; the variance and the centred sums (two-pass, as the forward
 * does); the outputs. Everything is summed and computed in double and only the outputs are rounded to the element
 * type, so a float32 call gives exactly the float64 call's results rounded to float.
 */
public final class BatchNormSecondOrder {

    /** The first-order gradient the rule differentiates: w.r.t. x, γ or β. */
    public enum Of { X, GAMMA, BETA }

    /** The element type of the segments: float32 or float64, in native order. */
    public enum Element {
        F32 {
            @Override
            double get(MemorySegment s, long i) {
                return s.getAtIndex(FLOAT, i);
            }

            @Override
            void set(MemorySegment s, long i, double v) {
                s.setAtIndex(FLOAT, i, (float) v);
            }
        },
        F64 {
            @Override
            double get(MemorySegment s, long i) {
                return s.getAtIndex(DOUBLE, i);
            }

            @Override
            void set(MemorySegment s, long i, double v) {
                s.setAtIndex(DOUBLE, i, v);
            }
        };

        private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
        private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED;

        abstract double get(MemorySegment s, long i);

        abstract void set(MemorySegment s, long i, double v);
    }

    /**
     * One call's NCHW (or NC) tensors of one element type, laid out as {@code layout} says: the inputs x and g at
     * element offsets, the upstream u of a d_x rule (null for d_γ and d_β, whose upstream is a scalar per channel), and
     * the outputs dx and dg at offset 0, each null when not wanted.
     */
    public record Operands(Element element, BatchNormKernel.Layout layout, MemorySegment x, long xOffset,
                           MemorySegment g, long gOffset, MemorySegment u, long uOffset, MemorySegment dx,
                           MemorySegment dg) {
    }

    private BatchNormSecondOrder() {
    }

    /**
     * The rule of {@code of} for channel {@code ch}: writes the channel's dg and dx (where wanted and not zero: d_β's
     * rule has no dx, so {@code o.dx()} must then be null) and returns dγ (0 for d_γ's and d_β's rules).
     *
     * @param gamma γ of the channel (1 without an affine weight)
     * @param s     the channel's upstream gradient for d_γ and d_β (ignored for d_x, whose upstream is {@code o.u()})
     */
    public static double channel(Of of, Operands o, int ch, double eps, double gamma, double s) {
        if (of == Of.BETA && o.dx() != null) {
            throw new IllegalArgumentException("batch-norm second order: the d_beta rule has no x gradient");
        }
        BatchNormKernel.Layout layout = o.layout();
        Element e = o.element();
        int inner = layout.inner();
        if (of == Of.BETA) {
            if (o.dg() != null) {
                for (int b = 0; b < layout.batch(); b++) {
                    long run = layout.run(b, ch);
                    for (int i = 0; i < inner; i++) {
                        e.set(o.dg(), run + i, s);
                    }
                }
            }
            return 0;
        }
        boolean withU = of == Of.X;
        double count = layout.count();
        double sumX = 0;
        double sumG = 0;
        double sumU = 0;
        for (int b = 0; b < layout.batch(); b++) {
            long run = layout.run(b, ch);
            for (int i = 0; i < inner; i++) {
                sumX += e.get(o.x(), o.xOffset() + run + i);
                sumG += e.get(o.g(), o.gOffset() + run + i);
                if (withU) {
                    sumU += e.get(o.u(), o.uOffset() + run + i);
                }
            }
        }
        double meanX = sumX / count;
        double meanG = sumG / count;
        double meanU = sumU / count;
        double sumXc2 = 0;
        double sumGXc = 0;
        double sumUXc = 0;
        double sumUG = 0;
        for (int b = 0; b < layout.batch(); b++) {
            long run = layout.run(b, ch);
            for (int i = 0; i < inner; i++) {
                double xc = e.get(o.x(), o.xOffset() + run + i) - meanX;
                double gc = e.get(o.g(), o.gOffset() + run + i) - meanG;
                sumXc2 += xc * xc;
                sumGXc += gc * xc;
                if (withU) {
                    double uc = e.get(o.u(), o.uOffset() + run + i) - meanU;
                    sumUXc += uc * xc;
                    sumUG += uc * gc;
                }
            }
        }
        double a = 1 / Math.sqrt(sumXc2 / count + eps);
        // mean(g x̂) and mean(u x̂): x̂ sums to zero, so centring g and u first changes nothing but the rounding.
        double gXhat = sumGXc * a / count;
        double uXhat = sumUXc * a / count;
        double covUG = sumUG / count;
        for (int b = 0; b < layout.batch(); b++) {
            long run = layout.run(b, ch);
            for (int i = 0; i < inner; i++) {
                double xhat = (e.get(o.x(), o.xOffset() + run + i) - meanX) * a;
                double gc = e.get(o.g(), o.gOffset() + run + i) - meanG;
                if (withU) {
                    double uc = e.get(o.u(), o.uOffset() + run + i) - meanU;
                    if (o.dg() != null) {
                        e.set(o.dg(), run + i, gamma * a * (uc - xhat * uXhat));
                    }
                    if (o.dx() != null) {
                        e.set(o.dx(), run + i, gamma * a * a
                                * (xhat * (3 * gXhat * uXhat - covUG) - gc * uXhat - uc * gXhat));
                    }
                } else {
                    if (o.dg() != null) {
                        e.set(o.dg(), run + i, s * xhat);
                    }
                    if (o.dx() != null) {
                        e.set(o.dx(), run + i, s * a * (gc - xhat * gXhat));
                    }
                }
            }
        }
        return withU ? a * count * (covUG - gXhat * uXhat) : 0;
    }
}
