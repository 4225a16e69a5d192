package org.nnpan.kernels.elementwise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.function.DoubleBinaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Both implementations against a per-element reference, bit for bit, on random runs (shorter than a vector, whole
 * vectors, with tails, at odd offsets) whose values include the edge cases of a compare-and-select: ±0, ±∞, NaN of
 * either sign, subnormals. A NaN output must be NaN, not the same NaN: Java leaves a NaN result's payload open, and the
 * interpreter, C1 and C2 need not agree on it.
 */
class ElementwiseTest {

    private static final Elementwise SCALAR = new ScalarElementwise();
    private static final Elementwise VECTOR = ElementwiseKernels.vector();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE;
    private static final float[] SPECIAL = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
            Float.intBitsToFloat(0xffc00001), Float.MIN_VALUE, -Float.MIN_VALUE, 1f, -1f};
    private static final int TRIALS = 150;

    @Test
    void vectorImplementationIsChosenWithTheModule() {
        // Surefire runs with --add-modules jdk.incubator.vector.
        assertEquals("VectorElementwise", ElementwiseKernels.best().getClass().getSimpleName());
        assertTrue(ElementwiseKernels.describe().startsWith("Vector API"), ElementwiseKernels.describe());
    }

    @Test
    void arithmeticMatchesTheReference() {
        Random random = new Random(21);
        for (int trial = 0; trial < TRIALS; trial++) {
            for (Elementwise.Arithmetic op : Elementwise.Arithmetic.values()) {
                DoubleBinaryOperator ref = switch (op) {
                    case ADD -> (x, y) -> (float) x + (float) y;
                    case SUB -> (x, y) -> (float) x - (float) y;
                    case MUL -> (x, y) -> (float) x * (float) y;
                    case DIV -> (x, y) -> (float) x / (float) y;
                };
                Run c = Run.random(random, trial, false);
                c.check((k, o) -> k.binaryF32(op, o, c.oo, c.a, c.ao, c.b, c.bo, c.n), ref);
                float s = c.n > 0 ? c.a.getAtIndex(F, c.ao) : 2f;
                c.check((k, o) -> k.binaryScalarF32(op, o, c.oo, c.a, c.ao, s, c.n), (x, y) -> ref.applyAsDouble(x, s));
            }
        }
    }

    @Test
    void float32ReluFamilyMatchesTheReference() {
        Random random = new Random(22);
        for (int trial = 0; trial < TRIALS; trial++) {
            Run c = Run.random(random, trial, false);
            c.check((k, o) -> k.reluF32(o, c.oo, c.a, c.ao, c.n), (x, y) -> (float) x > 0f ? (float) x : 0f);
            c.check((k, o) -> k.stepF32(o, c.oo, c.a, c.ao, c.n), (x, y) -> (float) x > 0f ? 1f : 0f);
            c.check((k, o) -> k.reluBackwardF32(o, c.oo, c.a, c.ao, c.b, c.bo, c.n),
                    (g, y) -> (float) g * ((float) y > 0f ? 1f : 0f));
            c.check((k, o) -> k.addReluF32(o, c.oo, c.a, c.ao, c.b, c.bo, c.n), (x, y) -> {
                float v = (float) x + (float) y;
                return v > 0f ? v : 0f;
            });
        }
    }

    @Test
    void float64ReluFamilyMatchesTheReference() {
        Random random = new Random(23);
        for (int trial = 0; trial < TRIALS; trial++) {
            Run c = Run.random(random, trial, true);
            c.check((k, o) -> k.reluF64(o, c.oo, c.a, c.ao, c.n), (x, y) -> x > 0 ? x : 0.0);
            c.check((k, o) -> k.stepF64(o, c.oo, c.a, c.ao, c.n), (x, y) -> x > 0 ? 1.0 : 0.0);
            c.check((k, o) -> k.absF64(o, c.oo, c.a, c.ao, c.n), (x, y) -> Math.abs(x));
            c.check((k, o) -> k.reluBackwardF64(o, c.oo, c.a, c.ao, c.b, c.bo, c.n), (g, y) -> g * (y > 0 ? 1.0 : 0.0));
        }
    }

    @Test
    void fusionOfAbsoluteZScoresMatchesTheReference() {
        Random random = new Random(24);
        for (int trial = 0; trial < TRIALS; trial++) {
            Run c = Run.random(random, trial, false);
            double[] mean = {random.nextGaussian(), random.nextGaussian(), random.nextGaussian()};
            // Every fifth trial has a scale of 1, which stands for a zero standard deviation.
            double[] scale = {trial % 5 == 0 ? 1 : 0.1 + random.nextDouble(), 0.1 + random.nextDouble(),
                0.1 + random.nextDouble()};
            double[] weight = {2 * random.nextDouble(), 2 * random.nextDouble(), 2 * random.nextDouble()};
            // The third index is a again, with its own mean, scale and weight.
            c.check((k, o) -> k.fuseAbsZScoresF32(o, c.oo, c.a, c.ao, c.b, c.bo, c.a, c.ao, mean, scale, weight, c.n),
                    (x, y) -> Math.abs((x - mean[0]) / scale[0]) * weight[0] + Math.abs((y - mean[1]) / scale[1])
                            * weight[1] + Math.abs((x - mean[2]) / scale[2]) * weight[2]);
        }
    }

    /** θ⊙m and |θ⊙m| for masks of 0, −0 and 1, written as float32 and as float64. */
    @Test
    void maskedProductsMatchTheReference() {
        Random random = new Random(27);
        float[] maskValues = {0f, -0f, 1f};
        for (int trial = 0; trial < TRIALS; trial++) {
            Run c = Run.random(random, trial, false);
            MemorySegment mask = Arena.ofAuto().allocate(F, Math.max(1, c.bo + c.n));
            for (int i = 0; i < c.n; i++) {
                mask.setAtIndex(F, c.bo + i, maskValues[random.nextInt(maskValues.length)]);
            }
            Run masked = new Run(false, c.a, c.ao, mask, c.bo, c.oo, c.n);
            for (boolean absolute : new boolean[] {false, true}) {
                DoubleBinaryOperator ref = (x, m) -> absolute ? Math.abs(x * m) : x * m;
                masked.check((k, o) -> k.maskedProductF32(o, c.oo, c.a, c.ao, mask, c.bo, absolute, c.n), ref);
                for (Elementwise kernel : new Elementwise[] {SCALAR, VECTOR}) {
                    MemorySegment o = Arena.ofAuto().allocate(D, c.oo + c.n + 1);
                    kernel.maskedProductF32ToF64(o, c.oo, c.a, c.ao, mask, c.bo, absolute, c.n);
                    for (int i = 0; i < c.n; i++) {
                        assertEquals(Double.doubleToLongBits(ref.applyAsDouble(masked.a(i), masked.b(i))),
                                Double.doubleToLongBits(o.getAtIndex(D, c.oo + i)),
                                kernel.getClass().getSimpleName() + " float64 element " + i + " of " + c.n);
                    }
                    assertEquals(0.0, o.getAtIndex(D, c.oo + c.n), "wrote past the run");
                }
            }
        }
    }

    /** θ·g·scale rounded to float32, and the largest |θ·g|, with float32 and float64 g. */
    @Test
    void scaledProductsAndTheirMaximumMatchTheReference() {
        Random random = new Random(28);
        for (int trial = 0; trial < TRIALS; trial++) {
            Run narrow = Run.random(random, trial, false);
            // The same θ with a float64 g of its own (NaN, infinities and zeros among its values too).
            Run wide = new Run(true, narrow.a, narrow.ao, Run.values(random, (int) narrow.bo + narrow.n, true), narrow.bo,
                    narrow.oo, narrow.n);
            double scale = trial % 4 == 0 ? 1 : Math.scalb(0.5 + random.nextDouble(), random.nextInt(80) - 40);
            narrow.check((k, o) -> k.scaledProductF32(o, narrow.oo, narrow.a, narrow.ao, narrow.b, narrow.bo, scale,
                    narrow.n), (x, y) -> x * y * scale);
            double expectedNarrow = 0;
            double expectedWide = 0;
            MemorySegment o = Arena.ofAuto().allocate(F, narrow.oo + narrow.n + 1);
            for (Elementwise kernel : new Elementwise[] {SCALAR, VECTOR}) {
                kernel.scaledProductF32F64(o, narrow.oo, narrow.a, narrow.ao, wide.b, wide.bo, scale, narrow.n);
                for (int i = 0; i < narrow.n; i++) {
                    double theta = narrow.a(i);
                    assertEquals(Float.floatToIntBits((float) (theta * wide.b(i) * scale)),
                            Float.floatToIntBits(o.getAtIndex(F, narrow.oo + i)),
                            kernel.getClass().getSimpleName() + " float64 g, element " + i + " of " + narrow.n);
                    expectedNarrow = Math.max(expectedNarrow, Math.abs(theta * narrow.b(i)));
                    expectedWide = Math.max(expectedWide, Math.abs(theta * wide.b(i)));
                }
                String where = kernel.getClass().getSimpleName() + ", trial " + trial + ", n " + narrow.n;
                assertEquals(Double.doubleToLongBits(expectedNarrow),
                        Double.doubleToLongBits(kernel.maxAbsProductF32(narrow.a, narrow.ao, narrow.b, narrow.bo,
                                narrow.n)), where);
                assertEquals(Double.doubleToLongBits(expectedWide),
                        Double.doubleToLongBits(kernel.maxAbsProductF32F64(narrow.a, narrow.ao, wide.b, wide.bo,
                                narrow.n)), where);
            }
        }
    }

    /** Mask counts: 0s, −0s and 1s counted, the first value that is neither reported by its index. */
    @Test
    void countOfOnesMatchesTheReference() {
        Random random = new Random(25);
        float[] notBinary = {Float.NaN, 2f, 0.5f, -1f, Float.POSITIVE_INFINITY, Float.MIN_VALUE, Math.nextDown(1f)};
        for (int trial = 0; trial < TRIALS; trial++) {
            int n = length(random, trial);
            int io = random.nextInt(5);
            MemorySegment in = Arena.ofAuto().allocate(F, Math.max(1, io + n));
            for (int i = 0; i < n; i++) {
                int pick = random.nextInt(5);
                in.setAtIndex(F, io + i, pick < 2 ? 1f : pick < 4 ? 0f : -0f);
            }
            // A third of the runs hold values that are not 0 or 1, one or two of them.
            for (int bad = trial % 3 == 0 && n > 0 ? 1 + random.nextInt(2) : 0; bad > 0; bad--) {
                in.setAtIndex(F, io + random.nextInt(n), notBinary[random.nextInt(notBinary.length)]);
            }
            long expected = 0;
            for (int i = 0; i < n; i++) {
                float v = in.getAtIndex(F, io + i);
                if (v != 0f && v != 1f) {
                    expected = -1L - i;
                    break;
                }
                expected += v == 1f ? 1 : 0;
            }
            for (Elementwise kernel : new Elementwise[] {SCALAR, VECTOR}) {
                assertEquals(expected, kernel.countOnesF32(in, io, n),
                        kernel.getClass().getSimpleName() + ", trial " + trial + ", n " + n);
            }
        }
    }

    /** Positive float64 products counted, with zeros, infinities and NaNs among the factors. */
    @Test
    void countOfPositiveProductsMatchesTheReference() {
        Random random = new Random(26);
        for (int trial = 0; trial < TRIALS; trial++) {
            Run c = Run.random(random, trial, true);
            long expected = 0;
            for (int i = 0; i < c.n; i++) {
                expected += c.a(i) * c.b(i) > 0 ? 1 : 0;
            }
            for (Elementwise kernel : new Elementwise[] {SCALAR, VECTOR}) {
                assertEquals(expected, kernel.countPositiveProductsF64(c.a, c.ao, c.b, c.bo, c.n),
                        kernel.getClass().getSimpleName() + ", trial " + trial + ", n " + c.n);
            }
        }
    }

    @Test
    void vectorImplementationTakesHeapSegmentsThroughTheScalarLoops() {
        float[] a = {3f, -2f, 0f, Float.NaN, 5f, -0f, 7f, 1f, 2f, -3f, 4f, -5f, 6f, -7f, 8f, -9f, 10f, 11f};
        float[] g = new float[a.length];
        java.util.Arrays.fill(g, -1.5f);
        MemorySegment heapOut = MemorySegment.ofArray(new float[a.length]);
        VECTOR.reluBackwardF32(heapOut, 0, MemorySegment.ofArray(g), 0, MemorySegment.ofArray(a), 0, a.length);
        for (int i = 0; i < a.length; i++) {
            assertEquals(Float.floatToIntBits(g[i] * (a[i] > 0f ? 1f : 0f)),
                    Float.floatToIntBits(heapOut.getAtIndex(F, i)), "element " + i);
        }
    }

    /** A kernel call writing its {@code n} outputs into {@code o} at the case's output offset. */
    @FunctionalInterface
    private interface Call {
        void run(Elementwise kernel, MemorySegment o);
    }

    /** Lengths up to 70 (around the vector width) in even trials, up to 2,000 in odd ones. */
    private static int length(Random random, int trial) {
        return random.nextInt(trial % 2 == 0 ? 70 : 2000);
    }

    /** One random run of {@code n} elements of float32 or float64 operands and output, at random offsets. */
    private record Run(boolean f64, MemorySegment a, long ao, MemorySegment b, long bo, long oo, int n) {

        static Run random(Random random, int trial, boolean f64) {
            int n = length(random, trial);
            int ao = random.nextInt(5);
            int bo = random.nextInt(5);
            return new Run(f64, values(random, ao + n, f64), ao, values(random, bo + n, f64), bo, random.nextInt(5), n);
        }

        private static MemorySegment values(Random random, int n, boolean f64) {
            MemorySegment s = Arena.ofAuto().allocate(f64 ? D : F, Math.max(1, n));
            for (int i = 0; i < n; i++) {
                float special = SPECIAL[random.nextInt(SPECIAL.length)];
                boolean pick = random.nextInt(4) == 0;
                if (f64) {
                    // A NaN of its own payload: float32 NaNs widened would all carry a float's payload.
                    s.setAtIndex(D, i, !pick ? random.nextGaussian()
                            : Float.isNaN(special) ? Double.longBitsToDouble(0xfff8000000000123L) : special);
                } else {
                    s.setAtIndex(F, i, pick ? special : (float) random.nextGaussian());
                }
            }
            return s;
        }

        double a(int i) {
            return f64 ? a.getAtIndex(D, ao + i) : a.getAtIndex(F, ao + i);
        }

        double b(int i) {
            return f64 ? b.getAtIndex(D, bo + i) : b.getAtIndex(F, bo + i);
        }

        /**
         * Runs {@code call} on both implementations and checks every output against {@code ref(a[i], b[i])}, rounded
         * to the run's type, and that nothing was written past the run.
         */
        void check(Call call, DoubleBinaryOperator ref) {
            for (Elementwise kernel : new Elementwise[] {SCALAR, VECTOR}) {
                MemorySegment o = Arena.ofAuto().allocate(f64 ? D : F, oo + n + 1);
                call.run(kernel, o);
                String where = kernel.getClass().getSimpleName() + " element %d of " + n;
                for (int i = 0; i < n; i++) {
                    double expected = ref.applyAsDouble(a(i), b(i));
                    long expectedBits = f64 ? Double.doubleToLongBits(expected)
                            : Float.floatToIntBits((float) expected);
                    long actualBits = f64 ? Double.doubleToLongBits(o.getAtIndex(D, oo + i))
                            : Float.floatToIntBits(o.getAtIndex(F, oo + i));
                    assertEquals(expectedBits, actualBits, where.formatted(i));
                }
                assertEquals(0.0, f64 ? o.getAtIndex(D, oo + n) : o.getAtIndex(F, oo + n), "wrote past the run");
            }
        }
    }
}
