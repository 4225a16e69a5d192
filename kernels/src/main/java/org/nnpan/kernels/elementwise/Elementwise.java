package org.nnpan.kernels.elementwise;

import java.lang.foreign.MemorySegment;

/**
 * The element-wise loops of the CPU backend's hot ops (arithmetic, ReLU, its derivative and its backward) and of the
 * pruning bookkeeping (mask counts, masked and weighted products). Each call runs one contiguous run of {@code n}
 * elements; offsets count elements, every segment holds float32 (or, where the method's name says so, float64) data
 * in native order, and the caller splits long runs across threads.
 *
 * <p>Two implementations with identical results, element for element and bit for bit (each output element comes from
 * the same IEEE operations in the same order, or a select, so lanes cannot round differently; counts and maxima do not
 * depend on the order; a NaN result is NaN in both, its payload left open as Java leaves it): {@link ScalarElementwise}, plain loops that run everywhere, and {@code VectorElementwise}, the
 * Vector API, which needs {@code --add-modules jdk.incubator.vector} and takes native segments (it hands any other to
 * the scalar loops). {@link ElementwiseKernels#best()} picks one.
 * The vector one exists because C2 leaves these {@code MemorySegment} loops scalar or barely vectorised: 3–7× slower
 * on cache-resident runs (docs/benchmarks.md, eleventh session).
 */
public interface Elementwise {

    /** The arithmetic with dedicated loops. */
    enum Arithmetic {
        ADD, SUB, MUL, DIV
    }

    /** {@code o[oo + i] = a[ao + i] op b[bo + i]}, float32. */
    void binaryF32(Arithmetic op, MemorySegment o, long oo, MemorySegment a, long ao, MemorySegment b, long bo, int n);

    /** {@code o[oo + i] = a[ao + i] op b}, float32. */
    void binaryScalarF32(Arithmetic op, MemorySegment o, long oo, MemorySegment a, long ao, float b, int n);

    /** {@code o[oo + i] = x > 0 ? x : 0} for {@code x = in[io + i]}, float32 (NaN and −0 give +0). */
    void reluF32(MemorySegment o, long oo, MemorySegment in, long io, int n);

    /** {@code o[oo + i] = in[io + i] > 0 ? 1 : 0}, float32: ReLU's derivative. */
    void stepF32(MemorySegment o, long oo, MemorySegment in, long io, int n);

    /**
     * ReLU's backward, {@code o[oo + i] = g[go + i] * (y[yo + i] > 0 ? 1 : 0)}, float32: the product, so a masked
     * element is a signed zero, or NaN where {@code g} is NaN or infinite. {@code o} must not overlap {@code g} or
     * {@code y} (the plain loops write step(y) into it first).
     */
    void reluBackwardF32(MemorySegment o, long oo, MemorySegment g, long go, MemorySegment y, long yo, int n);

    /** {@code o[oo + i] = v > 0 ? v : 0} for {@code v = a[ao + i] + b[bo + i]}, float32: a sum and ReLU in one pass. */
    void addReluF32(MemorySegment o, long oo, MemorySegment a, long ao, MemorySegment b, long bo, int n);

    /** {@link #reluF32} in float64. */
    void reluF64(MemorySegment o, long oo, MemorySegment in, long io, int n);

    /** {@link #stepF32} in float64. */
    void stepF64(MemorySegment o, long oo, MemorySegment in, long io, int n);

    /** {@code o[oo + i] = |in[io + i]|}, float64 ({@link Math#abs(double)}: the sign bit cleared). */
    void absF64(MemorySegment o, long oo, MemorySegment in, long io, int n);

    /** {@link #reluBackwardF32} in float64. */
    void reluBackwardF64(MemorySegment o, long oo, MemorySegment g, long go, MemorySegment y, long yo, int n);

    /**
     * Panning's additive fusion of three float32 indices, in float64: {@code o[oo + i] = (float) (z0 * weight[0] + z1 *
     * weight[1] + z2 * weight[2])} with {@code z0 = |(a[ao + i] - mean[0]) / scale[0]|}, {@code z1} from {@code b} and
     * {@code z2} from {@code c} likewise, evaluated in that order (a scale of 1 leaves the difference as it is).
     */
    void fuseAbsZScoresF32(MemorySegment o, long oo, MemorySegment a, long ao, MemorySegment b, long bo,
                           MemorySegment c, long co, double[] mean, double[] scale, double[] weight, int n);

    /**
     * How many of the float32 values {@code in[io .. io + n)} equal 1, checking that each is 0 or 1 (a mask): the count,
     * or {@code -1 - i} for the first value {@code in[io + i]} that is neither (NaN included; −0 is 0).
     */
    long countOnesF32(MemorySegment in, long io, int n);

    /** How many of the float64 products {@code a[ao + i] * b[bo + i]}, {@code i < n}, are positive (NaN is not). */
    long countPositiveProductsF64(MemorySegment a, long ao, MemorySegment b, long bo, int n);

    /**
     * A masked weight, {@code o[oo + i] = θ·m} or with {@code absolute} {@code |θ·m|}, for float32 {@code θ =
     * theta[to + i]} and {@code m = mask[mo + i]}, written as float32. The product is taken in float64 and rounded
     * once, which for a mask value of 0 or 1 is exact (and equals the float32 product).
     */
    void maskedProductF32(MemorySegment o, long oo, MemorySegment theta, long to, MemorySegment mask, long mo,
                          boolean absolute, int n);

    /** {@link #maskedProductF32} written as float64. */
    void maskedProductF32ToF64(MemorySegment o, long oo, MemorySegment theta, long to, MemorySegment mask, long mo,
                               boolean absolute, int n);

    /**
     * A weighted saliency, {@code o[oo + i] = (float) (θ·g·scale)} for float32 {@code θ = theta[to + i]} and float32
     * {@code g = g[go + i]}: the product and the scaling in float64, in that order, rounded to float32 once.
     */
    void scaledProductF32(MemorySegment o, long oo, MemorySegment theta, long to, MemorySegment g, long go,
                          double scale, int n);

    /** {@link #scaledProductF32} with float64 {@code g}. */
    void scaledProductF32F64(MemorySegment o, long oo, MemorySegment theta, long to, MemorySegment g, long go,
                             double scale, int n);

    /**
     * The largest {@code |θ·g|} (float64 product) over {@code i < n}, for float32 {@code θ = theta[to + i]} and
     * {@code g = g[go + i]}, as {@link Math#max} folds it from 0: NaN if any product is NaN, 0 for no elements.
     */
    double maxAbsProductF32(MemorySegment theta, long to, MemorySegment g, long go, int n);

    /** {@link #maxAbsProductF32} with float64 {@code g}. */
    double maxAbsProductF32F64(MemorySegment theta, long to, MemorySegment g, long go, int n);
}
