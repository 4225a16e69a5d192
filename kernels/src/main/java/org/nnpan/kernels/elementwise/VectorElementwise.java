package org.nnpan.kernels.elementwise;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.nnpan.kernels.memory.NativeSegments;

/**
 * {@link Elementwise} with the Vector API on the preferred species: whole vectors here, the tail (and any call with a
 * heap segment) in {@link ScalarElementwise}'s loops. Every lane is the scalar loop's operation (IEEE arithmetic, or a
 * compare and select), so the results are the same bits. The only class of the package that links against {@code
 * jdk.incubator.vector}; {@link ElementwiseKernels} loads it reflectively. Segments are cast to the native class
 * first ({@link NativeSegments#typed}), which keeps C2's loop predication from trapping on them.
 *
 * <p>Every method spells out its own loop around the same frame (cast, whole vectors, scalar tail): one loop shared
 * through a lambda would be one call site for every operation, which C2 does not inline, and the Vector API boxes
 * each vector of a loop it cannot compile to instructions.
 */
final class VectorElementwise implements Elementwise {

    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
    /** Floats as many as {@link #DOUBLES} has lanes: the float32 side of a widening or narrowing conversion. */
    private static final VectorSpecies<Float> NARROW = FLOATS.withShape(VectorShape.forBitSize(
            DOUBLES.vectorBitSize() / 2));
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final FloatVector ZERO = FloatVector.zero(FLOATS);
    private static final FloatVector ONE = FloatVector.broadcast(FLOATS, 1f);
    private static final DoubleVector ZERO64 = DoubleVector.zero(DOUBLES);
    private static final DoubleVector ONE64 = DoubleVector.broadcast(DOUBLES, 1.0);
    private static final ScalarElementwise SCALAR = new ScalarElementwise();

    @Override
    public void binaryF32(Arithmetic op, MemorySegment o0, long oo, MemorySegment a0, long ao, MemorySegment b0,
                          long bo, int n) {
        int whole = natives(o0, a0, b0) ? FLOATS.loopBound(n) : 0;
        if (whole > 0) {
            MemorySegment o = NativeSegments.typed(o0);
            MemorySegment a = NativeSegments.typed(a0);
            MemorySegment b = NativeSegments.typed(b0);
            int step = FLOATS.length();
            // One loop per op: the Vector API compiles an operation to an instruction only where it is a constant.
            switch (op) {
                case ADD -> { for (int i = 0; i < whole; i += step) { store(f(a, ao + i).add(f(b, bo + i)), o, oo + i); } }
                case SUB -> { for (int i = 0; i < whole; i += step) { store(f(a, ao + i).sub(f(b, bo + i)), o, oo + i); } }
                case MUL -> { for (int i = 0; i < whole; i += step) { store(f(a, ao + i).mul(f(b, bo + i)), o, oo + i); } }
                case DIV -> { for (int i = 0; i < whole; i += step) { store(f(a, ao + i).div(f(b, bo + i)), o, oo + i); } }
            }
        }
        SCALAR.binaryF32(op, o0, oo + whole, a0, ao + whole, b0, bo + whole, n - whole);
    }

    @Override
    public void binaryScalarF32(Arithmetic op, MemorySegment o0, long oo, MemorySegment a0, long ao, float b, int n) {
        int whole = natives(o0, a0, a0) ? FLOATS.loopBound(n) : 0;
        if (whole > 0) {
            MemorySegment o = NativeSegments.typed(o0);
            MemorySegment a = NativeSegments.typed(a0);
            FloatVector bv = FloatVector.broadcast(FLOATS, b);
            int step = FLOATS.length();
            switch (op) {
                case ADD -> { for (int i = 0; i < whole; i += step) { store(f(a, ao + i).add(bv), o, oo + i); } }
                case SUB -> { for (int i = 0; i < whole; i += step) { store(f(a, ao + i).sub(bv), o, oo + i); } }
                case MUL -> { for (int i = 0; i < whole; i += step) { store(f(a, ao + i).mul(bv), o, oo + i); } }
                case DIV -> { for (int i = 0; i < whole; i += step) { store(f(a, ao + i).div(bv), o, oo + i); } }
            }
        }
        SCALAR.binaryScalarF32(op, o0, oo + whole, a0, ao + whole, b, n - whole);
    }

    @Override
    public void reluF32(MemorySegment o0, long oo, MemorySegment in0, long io, int n) {
        int whole = natives(o0, in0, in0) ? FLOATS.loopBound(n) : 0;
        if (whole > 0) {
            MemorySegment o = NativeSegments.typed(o0);
            MemorySegment in = NativeSegments.typed(in0);
            for (int i = 0; i < whole; i += FLOATS.length()) {
                FloatVector x = f(in, io + i);
                store(ZERO.blend(x, x.compare(VectorOperators.GT, 0f)), o, oo + i);
            }
        }
        SCALAR.reluF32(o0, oo + whole, in0, io + whole, n - whole);
    }

    @Override
    public void stepF32(MemorySegment o0, long oo, MemorySegment in0, long io, int n) {
        int whole = natives(o0, in0, in0) ? FLOATS.loopBound(n) : 0;
        if (whole > 0) {
            MemorySegment o = NativeSegments.typed(o0);
            MemorySegment in = NativeSegments.typed(in0);
            for (int i = 0; i < whole; i += FLOATS.length()) {
                store(ZERO.blend(ONE, f(in, io + i).compare(VectorOperators.GT, 0f)), o, oo + i);
            }
        }
        SCALAR.stepF32(o0, oo + whole, in0, io + whole, n - whole);
    }

    @Override
    public void reluBackwardF32(MemorySegment o0, long oo, MemorySegment g0, long go, MemorySegment y0, long yo,
                                int n) {
        int whole = natives(o0, g0, y0) ? FLOATS.loopBound(n) : 0;
        if (whole > 0) {
            MemorySegment o = NativeSegments.typed(o0);
            MemorySegment g = NativeSegments.typed(g0);
            MemorySegment y = NativeSegments.typed(y0);
            for (int i = 0; i < whole; i += FLOATS.length()) {
                FloatVector step = ZERO.blend(ONE, f(y, yo + i).compare(VectorOperators.GT, 0f));
                store(f(g, go + i).mul(step), o, oo + i);
            }
        }
        SCALAR.reluBackwardF32(o0, oo + whole, g0, go + whole, y0, yo + whole, n - whole);
    }

    @Override
    public void addReluF32(MemorySegment o0, long oo, MemorySegment a0, long ao, MemorySegment b0, long bo, int n) {
        int whole = natives(o0, a0, b0) ? FLOATS.loopBound(n) : 0;
        if (whole > 0) {
            MemorySegment o = NativeSegments.typed(o0);
            MemorySegment a = NativeSegments.typed(a0);
            MemorySegment b = NativeSegments.typed(b0);
            for (int i = 0; i < whole; i += FLOATS.length()) {
                FloatVector v = f(a, ao + i).add(f(b, bo + i));
                store(ZERO.blend(v, v.compare(VectorOperators.GT, 0f)), o, oo + i);
            }
        }
        SCALAR.addReluF32(o0, oo + whole, a0, ao + whole, b0, bo + whole, n - whole);
    }

    @Override
    public void reluF64(MemorySegment o0, long oo, MemorySegment in0, long io, int n) {
        int whole = natives(o0, in0, in0) ? DOUBLES.loopBound(n) : 0;
        if (whole > 0) {
            MemorySegment o = NativeSegments.typed(o0);
            MemorySegment in = NativeSegments.typed(in0);
            for (int i = 0; i < whole; i += DOUBLES.length()) {
                DoubleVector x = d(in, io + i);
                store(ZERO64.blend(x, x.compare(VectorOperators.GT, 0.0)), o, oo + i);
            }
        }
        SCALAR.reluF64(o0, oo + whole, in0, io + whole, n - whole);
    }

    @Override
    public void stepF64(MemorySegment o0, long oo, MemorySegment in0, long io, int n) {
        int whole = natives(o0, in0, in0) ? DOUBLES.loopBound(n) : 0;
        if (whole > 0) {
            MemorySegment o = NativeSegments.typed(o0);
            MemorySegment in = NativeSegments.typed(in0);
            for (int i = 0; i < whole; i += DOUBLES.length()) {
                store(ZERO64.blend(ONE64, d(in, io + i).compare(VectorOperators.GT, 0.0)), o, oo + i);
            }
        }
        SCALAR.stepF64(o0, oo + whole, in0, io + whole, n - whole);
    }

    @Override
    public void absF64(MemorySegment o0, long oo, MemorySegment in0, long io, int n) {
        int whole = natives(o0, in0, in0) ? DOUBLES.loopBound(n) : 0;
        if (whole > 0) {
            MemorySegment o = NativeSegments.typed(o0);
            MemorySegment in = NativeSegments.typed(in0);
            for (int i = 0; i < whole; i += DOUBLES.length()) {
                store(d(in, io + i).abs(), o, oo + i);
            }
        }
        SCALAR.absF64(o0, oo + whole, in0, io + whole, n - whole);
    }

    @Override
    public void reluBackwardF64(MemorySegment o0, long oo, MemorySegment g0, long go, MemorySegment y0, long yo,
                                int n) {
        int whole = natives(o0, g0, y0) ? DOUBLES.loopBound(n) : 0;
        if (whole > 0) {
            MemorySegment o = NativeSegments.typed(o0);
            MemorySegment g = NativeSegments.typed(g0);
            MemorySegment y = NativeSegments.typed(y0);
            for (int i = 0; i < whole; i += DOUBLES.length()) {
                DoubleVector step = ZERO64.blend(ONE64, d(y, yo + i).compare(VectorOperators.GT, 0.0));
                store(d(g, go + i).mul(step), o, oo + i);
            }
        }
        SCALAR.reluBackwardF64(o0, oo + whole, g0, go + whole, y0, yo + whole, n - whole);
    }

    @Override
    public void fuseAbsZScoresF32(MemorySegment o0, long oo, MemorySegment a0, long ao, MemorySegment b0, long bo,
                                  MemorySegment c0, long co, double[] mean, double[] scale, double[] weight, int n) {
        int whole = natives(o0, a0, b0) && NativeSegments.isNative(c0) ? DOUBLES.loopBound(n) : 0;
        if (whole > 0) {
            MemorySegment o = NativeSegments.typed(o0);
            MemorySegment a = NativeSegments.typed(a0);
            MemorySegment b = NativeSegments.typed(b0);
            MemorySegment c = NativeSegments.typed(c0);
            for (int i = 0; i < whole; i += DOUBLES.length()) {
                DoubleVector z0 = widened(a, ao + i).sub(mean[0]).div(scale[0]).abs();
                DoubleVector z1 = widened(b, bo + i).sub(mean[1]).div(scale[1]).abs();
                DoubleVector z2 = widened(c, co + i).sub(mean[2]).div(scale[2]).abs();
                narrowed(z0.mul(weight[0]).add(z1.mul(weight[1])).add(z2.mul(weight[2])), o, oo + i);
            }
        }
        SCALAR.fuseAbsZScoresF32(o0, oo + whole, a0, ao + whole, b0, bo + whole, c0, co + whole, mean, scale, weight,
                n - whole);
    }

    @Override
    public long countOnesF32(MemorySegment in0, long io, int n) {
        int whole = NativeSegments.isNative(in0) ? FLOATS.loopBound(n) : 0;
        long ones = 0;
        if (whole > 0) {
            MemorySegment in = NativeSegments.typed(in0);
            for (int i = 0; i < whole; i += FLOATS.length()) {
                FloatVector v = f(in, io + i);
                VectorMask<Float> one = v.compare(VectorOperators.EQ, 1f);
                if (!one.or(v.compare(VectorOperators.EQ, 0f)).allTrue()) {
                    // A value that is neither: the plain loop finds the first one.
                    return SCALAR.countOnesF32(in0, io, n);
                }
                ones += one.trueCount();
            }
        }
        long tail = SCALAR.countOnesF32(in0, io + whole, n - whole);
        return tail < 0 ? tail - whole : ones + tail;
    }

    @Override
    public long countPositiveProductsF64(MemorySegment a0, long ao, MemorySegment b0, long bo, int n) {
        int whole = NativeSegments.isNative(a0) && NativeSegments.isNative(b0) ? DOUBLES.loopBound(n) : 0;
        long positive = 0;
        if (whole > 0) {
            MemorySegment a = NativeSegments.typed(a0);
            MemorySegment b = NativeSegments.typed(b0);
            for (int i = 0; i < whole; i += DOUBLES.length()) {
                positive += d(a, ao + i).mul(d(b, bo + i)).compare(VectorOperators.GT, 0.0).trueCount();
            }
        }
        return positive + SCALAR.countPositiveProductsF64(a0, ao + whole, b0, bo + whole, n - whole);
    }

    @Override
    public void maskedProductF32(MemorySegment o, long oo, MemorySegment theta, long to, MemorySegment mask, long mo,
                                 boolean absolute, int n) {
        int whole = maskedProduct(o, oo, theta, to, mask, mo, absolute, false, n);
        SCALAR.maskedProductF32(o, oo + whole, theta, to + whole, mask, mo + whole, absolute, n - whole);
    }

    @Override
    public void maskedProductF32ToF64(MemorySegment o, long oo, MemorySegment theta, long to, MemorySegment mask,
                                      long mo, boolean absolute, int n) {
        int whole = maskedProduct(o, oo, theta, to, mask, mo, absolute, true, n);
        SCALAR.maskedProductF32ToF64(o, oo + whole, theta, to + whole, mask, mo + whole, absolute, n - whole);
    }

    /**
     * The whole vectors of {@link #maskedProductF32} ({@code wide}: {@link #maskedProductF32ToF64}); returns how many
     * elements it wrote.
     */
    private static int maskedProduct(MemorySegment o0, long oo, MemorySegment theta0, long to, MemorySegment mask0,
                                     long mo, boolean absolute, boolean wide, int n) {
        int whole = natives(o0, theta0, mask0) ? DOUBLES.loopBound(n) : 0;
        if (whole > 0) {
            MemorySegment o = NativeSegments.typed(o0);
            MemorySegment theta = NativeSegments.typed(theta0);
            MemorySegment mask = NativeSegments.typed(mask0);
            int step = DOUBLES.length();
            // The flags are tested outside the loops: tested inside, C2 hoisted them as loop predicates from the
            // first calls' profile and trapped, then recompiled, each time the other value came (ten times in one
            // Panning run).
            if (wide && absolute) {
                for (int i = 0; i < whole; i += step) {
                    store(product(theta, to + i, mask, mo + i).abs(), o, oo + i);
                }
            } else if (wide) {
                for (int i = 0; i < whole; i += step) {
                    store(product(theta, to + i, mask, mo + i), o, oo + i);
                }
            } else if (absolute) {
                for (int i = 0; i < whole; i += step) {
                    narrowed(product(theta, to + i, mask, mo + i).abs(), o, oo + i);
                }
            } else {
                for (int i = 0; i < whole; i += step) {
                    narrowed(product(theta, to + i, mask, mo + i), o, oo + i);
                }
            }
        }
        return whole;
    }

    @Override
    public void scaledProductF32(MemorySegment o, long oo, MemorySegment theta, long to, MemorySegment g, long go,
                                 double scale, int n) {
        int whole = scaledProduct(o, oo, theta, to, g, go, false, scale, n);
        SCALAR.scaledProductF32(o, oo + whole, theta, to + whole, g, go + whole, scale, n - whole);
    }

    @Override
    public void scaledProductF32F64(MemorySegment o, long oo, MemorySegment theta, long to, MemorySegment g, long go,
                                    double scale, int n) {
        int whole = scaledProduct(o, oo, theta, to, g, go, true, scale, n);
        SCALAR.scaledProductF32F64(o, oo + whole, theta, to + whole, g, go + whole, scale, n - whole);
    }

    /**
     * The whole vectors of {@link #scaledProductF32} ({@code wide}: of {@link #scaledProductF32F64}); returns how many
     * elements it wrote.
     */
    private static int scaledProduct(MemorySegment o0, long oo, MemorySegment theta0, long to, MemorySegment g0,
                                     long go, boolean wide, double scale, int n) {
        int whole = natives(o0, theta0, g0) ? DOUBLES.loopBound(n) : 0;
        if (whole > 0) {
            MemorySegment o = NativeSegments.typed(o0);
            MemorySegment theta = NativeSegments.typed(theta0);
            MemorySegment g = NativeSegments.typed(g0);
            int step = DOUBLES.length();
            // The flag is tested outside the loops, as in maskedProduct.
            if (wide) {
                for (int i = 0; i < whole; i += step) {
                    narrowed(widened(theta, to + i).mul(d(g, go + i)).mul(scale), o, oo + i);
                }
            } else {
                for (int i = 0; i < whole; i += step) {
                    narrowed(product(theta, to + i, g, go + i).mul(scale), o, oo + i);
                }
            }
        }
        return whole;
    }

    /**
     * The plain loop: folds with a loop-carried vector (the Vector API's {@code max}, or compare and blend with NaNs
     * noted on the side) measured 1.5–3× slower than it on LeNet-5's 431,080 weights here.
     */
    @Override
    public double maxAbsProductF32(MemorySegment theta, long to, MemorySegment g, long go, int n) {
        return SCALAR.maxAbsProductF32(theta, to, g, go, n);
    }

    /** The plain loop, as {@link #maxAbsProductF32}. */
    @Override
    public double maxAbsProductF32F64(MemorySegment theta, long to, MemorySegment g, long go, int n) {
        return SCALAR.maxAbsProductF32F64(theta, to, g, go, n);
    }

    /** The float32 lanes from {@code a[ai ..]} and {@code b[bi ..]} multiplied in float64 (exactly). */
    private static DoubleVector product(MemorySegment a, long ai, MemorySegment b, long bi) {
        return widened(a, ai).mul(widened(b, bi));
    }

    /** Rounds the lanes of {@code v} to float32 and stores them from {@code index} of {@code s}. */
    private static void narrowed(DoubleVector v, MemorySegment s, long index) {
        ((FloatVector) v.convertShape(VectorOperators.D2F, NARROW, 0)).intoMemorySegment(s, index * Float.BYTES, ORDER);
    }

    /** As many floats as a double vector has lanes, from {@code index} of {@code s}, widened to float64. */
    private static DoubleVector widened(MemorySegment s, long index) {
        return (DoubleVector) FloatVector.fromMemorySegment(NARROW, s, index * Float.BYTES, ORDER)
                .convertShape(VectorOperators.F2D, DOUBLES, 0);
    }

    private static boolean natives(MemorySegment a, MemorySegment b, MemorySegment c) {
        return NativeSegments.isNative(a) && NativeSegments.isNative(b) && NativeSegments.isNative(c);
    }

    private static FloatVector f(MemorySegment s, long index) {
        return FloatVector.fromMemorySegment(FLOATS, s, index * Float.BYTES, ORDER);
    }

    private static DoubleVector d(MemorySegment s, long index) {
        return DoubleVector.fromMemorySegment(DOUBLES, s, index * Double.BYTES, ORDER);
    }

    private static void store(FloatVector v, MemorySegment s, long index) {
        v.intoMemorySegment(s, index * Float.BYTES, ORDER);
    }

    private static void store(DoubleVector v, MemorySegment s, long index) {
        v.intoMemorySegment(s, index * Double.BYTES, ORDER);
    }
}
