package org.nnpan.kernels.elementwise;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@link Elementwise} in plain loops, on any segment. The vector implementation runs its tails and heap segments
 * through these loops, so both compute every element with the same expression.
 */
public final class ScalarElementwise implements Elementwise {

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE;

    /** One loop per op, so that no loop switches per element. */
    @Override
    public void binaryF32(Arithmetic op, MemorySegment o, long oo, MemorySegment a, long ao, MemorySegment b, long bo,
                          int n) {
        switch (op) {
            case ADD -> { for (int i = 0; i < n; i++) { o.setAtIndex(F, oo + i, a.getAtIndex(F, ao + i) + b.getAtIndex(F, bo + i)); } }
            case SUB -> { for (int i = 0; i < n; i++) { o.setAtIndex(F, oo + i, a.getAtIndex(F, ao + i) - b.getAtIndex(F, bo + i)); } }
            case MUL -> { for (int i = 0; i < n; i++) { o.setAtIndex(F, oo + i, a.getAtIndex(F, ao + i) * b.getAtIndex(F, bo + i)); } }
            case DIV -> { for (int i = 0; i < n; i++) { o.setAtIndex(F, oo + i, a.getAtIndex(F, ao + i) / b.getAtIndex(F, bo + i)); } }
        }
    }

    @Override
    public void binaryScalarF32(Arithmetic op, MemorySegment o, long oo, MemorySegment a, long ao, float b, int n) {
        switch (op) {
            case ADD -> { for (int i = 0; i < n; i++) { o.setAtIndex(F, oo + i, a.getAtIndex(F, ao + i) + b); } }
            case SUB -> { for (int i = 0; i < n; i++) { o.setAtIndex(F, oo + i, a.getAtIndex(F, ao + i) - b); } }
            case MUL -> { for (int i = 0; i < n; i++) { o.setAtIndex(F, oo + i, a.getAtIndex(F, ao + i) * b); } }
            case DIV -> { for (int i = 0; i < n; i++) { o.setAtIndex(F, oo + i, a.getAtIndex(F, ao + i) / b); } }
        }
    }

    @Override
    public void reluF32(MemorySegment o, long oo, MemorySegment in, long io, int n) {
        for (int i = 0; i < n; i++) {
            float x = in.getAtIndex(F, io + i);
            o.setAtIndex(F, oo + i, x > 0f ? x : 0f);
        }
    }

    @Override
    public void stepF32(MemorySegment o, long oo, MemorySegment in, long io, int n) {
        for (int i = 0; i < n; i++) {
            o.setAtIndex(F, oo + i, in.getAtIndex(F, io + i) > 0f ? 1f : 0f);
        }
    }

    /**
     * Two passes, step(y) into {@code o} and then g times it in place: C2 runs these simple loops far faster than the
     * one loop {@code g * (y > 0 ? 1 : 0)} (5–7× in the backend's measurements). The same floats.
     */
    @Override
    public void reluBackwardF32(MemorySegment o, long oo, MemorySegment g, long go, MemorySegment y, long yo, int n) {
        for (int i = 0; i < n; i++) {
            o.setAtIndex(F, oo + i, y.getAtIndex(F, yo + i) > 0f ? 1f : 0f);
        }
        for (int i = 0; i < n; i++) {
            o.setAtIndex(F, oo + i, g.getAtIndex(F, go + i) * o.getAtIndex(F, oo + i));
        }
    }

    @Override
    public void addReluF32(MemorySegment o, long oo, MemorySegment a, long ao, MemorySegment b, long bo, int n) {
        for (int i = 0; i < n; i++) {
            float v = a.getAtIndex(F, ao + i) + b.getAtIndex(F, bo + i);
            o.setAtIndex(F, oo + i, v > 0f ? v : 0f);
        }
    }

    @Override
    public void reluF64(MemorySegment o, long oo, MemorySegment in, long io, int n) {
        for (int i = 0; i < n; i++) {
            double x = in.getAtIndex(D, io + i);
            o.setAtIndex(D, oo + i, x > 0 ? x : 0.0);
        }
    }

    @Override
    public void stepF64(MemorySegment o, long oo, MemorySegment in, long io, int n) {
        for (int i = 0; i < n; i++) {
            o.setAtIndex(D, oo + i, in.getAtIndex(D, io + i) > 0 ? 1.0 : 0.0);
        }
    }

    @Override
    public void absF64(MemorySegment o, long oo, MemorySegment in, long io, int n) {
        for (int i = 0; i < n; i++) {
            o.setAtIndex(D, oo + i, Math.abs(in.getAtIndex(D, io + i)));
        }
    }

    /** {@link #reluBackwardF32}'s two passes in float64. */
    @Override
    public void reluBackwardF64(MemorySegment o, long oo, MemorySegment g, long go, MemorySegment y, long yo, int n) {
        for (int i = 0; i < n; i++) {
            o.setAtIndex(D, oo + i, y.getAtIndex(D, yo + i) > 0 ? 1.0 : 0.0);
        }
        for (int i = 0; i < n; i++) {
            o.setAtIndex(D, oo + i, g.getAtIndex(D, go + i) * o.getAtIndex(D, oo + i));
        }
    }

    @Override
    public void fuseAbsZScoresF32(MemorySegment o, long oo, MemorySegment a, long ao, MemorySegment b, long bo,
                                  MemorySegment c, long co, double[] mean, double[] scale, double[] weight, int n) {
        for (int i = 0; i < n; i++) {
            double z0 = Math.abs((a.getAtIndex(F, ao + i) - mean[0]) / scale[0]);
            double z1 = Math.abs((b.getAtIndex(F, bo + i) - mean[1]) / scale[1]);
            double z2 = Math.abs((c.getAtIndex(F, co + i) - mean[2]) / scale[2]);
            o.setAtIndex(F, oo + i, (float) (z0 * weight[0] + z1 * weight[1] + z2 * weight[2]));
        }
    }

    @Override
    public long countOnesF32(MemorySegment in, long io, int n) {
        long ones = 0;
        for (int i = 0; i < n; i++) {
            float v = in.getAtIndex(F, io + i);
            if (v == 1f) {
                ones++;
            } else if (v != 0f) {
                return -1L - i;
            }
        }
        return ones;
    }

    @Override
    public long countPositiveProductsF64(MemorySegment a, long ao, MemorySegment b, long bo, int n) {
        long positive = 0;
        for (int i = 0; i < n; i++) {
            if (a.getAtIndex(D, ao + i) * b.getAtIndex(D, bo + i) > 0) {
                positive++;
            }
        }
        return positive;
    }

    @Override
    public void maskedProductF32(MemorySegment o, long oo, MemorySegment theta, long to, MemorySegment mask, long mo,
                                 boolean absolute, int n) {
        for (int i = 0; i < n; i++) {
            double w = (double) theta.getAtIndex(F, to + i) * mask.getAtIndex(F, mo + i);
            o.setAtIndex(F, oo + i, (float) (absolute ? Math.abs(w) : w));
        }
    }

    @Override
    public void maskedProductF32ToF64(MemorySegment o, long oo, MemorySegment theta, long to, MemorySegment mask,
                                      long mo, boolean absolute, int n) {
        for (int i = 0; i < n; i++) {
            double w = (double) theta.getAtIndex(F, to + i) * mask.getAtIndex(F, mo + i);
            o.setAtIndex(D, oo + i, absolute ? Math.abs(w) : w);
        }
    }

    @Override
    public void scaledProductF32(MemorySegment o, long oo, MemorySegment theta, long to, MemorySegment g, long go,
                                 double scale, int n) {
        for (int i = 0; i < n; i++) {
            o.setAtIndex(F, oo + i, (float) ((double) theta.getAtIndex(F, to + i) * g.getAtIndex(F, go + i) * scale));
        }
    }

    @Override
    public void scaledProductF32F64(MemorySegment o, long oo, MemorySegment theta, long to, MemorySegment g, long go,
                                    double scale, int n) {
        for (int i = 0; i < n; i++) {
            o.setAtIndex(F, oo + i, (float) (theta.getAtIndex(F, to + i) * g.getAtIndex(D, go + i) * scale));
        }
    }

    @Override
    public double maxAbsProductF32(MemorySegment theta, long to, MemorySegment g, long go, int n) {
        double max = 0;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, Math.abs((double) theta.getAtIndex(F, to + i) * g.getAtIndex(F, go + i)));
        }
        return max;
    }

    @Override
    public double maxAbsProductF32F64(MemorySegment theta, long to, MemorySegment g, long go, int n) {
        double max = 0;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, Math.abs(theta.getAtIndex(F, to + i) * g.getAtIndex(D, go + i)));
        }
        return max;
    }
}
