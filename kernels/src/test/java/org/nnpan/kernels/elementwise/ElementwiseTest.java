package org.nnpan.kernels.elementwise;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
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
                Floats c = Floats.random(random, trial);
                c.check((k, o) -> k.binaryF32(op, o, c.oo, c.a, c.ao, c.b, c.bo, c.n), (x, y) -> ref.applyAsDouble(x, y));
                float s = c.n > 0 ? c.a.getAtIndex(F, c.ao) : 2f;
                c.check((k, o) -> k.binaryScalarF32(op, o, c.oo, c.a, c.ao, s, c.n), (x, y) -> ref.applyAsDouble(x, s));
            }
        }
    }

    @Test
    void float32ReluFamilyMatchesTheReference() {
        Random random = new Random(22);
        for (int trial = 0; trial < TRIALS; trial++) {
            Floats c = Floats.random(random, trial);
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
            Doubles c = Doubles.random(random, trial);
            c.check((k, o) -> k.reluF64(o, c.oo, c.a, c.ao, c.n), x -> x > 0 ? x : 0.0, null);
            c.check((k, o) -> k.stepF64(o, c.oo, c.a, c.ao, c.n), x -> x > 0 ? 1.0 : 0.0, null);
            c.check((k, o) -> k.absF64(o, c.oo, c.a, c.ao, c.n), Math::abs, null);
            c.check((k, o) -> k.reluBackwardF64(o, c.oo, c.a, c.ao, c.b, c.bo, c.n), null,
                    (g, y) -> g * (y > 0 ? 1.0 : 0.0));
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

    private record Floats(MemorySegment a, long ao, MemorySegment b, long bo, long oo, int n) {

        static Floats random(Random random, int trial) {
            int n = length(random, trial);
            int ao = random.nextInt(5);
            int bo = random.nextInt(5);
            return new Floats(values(random, ao + n), ao, values(random, bo + n), bo, random.nextInt(5), n);
        }

        private static MemorySegment values(Random random, int n) {
            MemorySegment s = Arena.ofAuto().allocate(F, Math.max(1, n));
            for (int i = 0; i < n; i++) {
                s.setAtIndex(F, i, random.nextInt(4) == 0 ? SPECIAL[random.nextInt(SPECIAL.length)]
                        : (float) random.nextGaussian());
            }
            return s;
        }

        /** Runs {@code call} on both implementations and checks every output against {@code ref(a[i], b[i])}. */
        void check(Call call, DoubleBinaryOperator ref) {
            for (Elementwise kernel : new Elementwise[] {SCALAR, VECTOR}) {
                MemorySegment o = Arena.ofAuto().allocate(F, oo + n + 1);
                call.run(kernel, o);
                for (int i = 0; i < n; i++) {
                    float expected = (float) ref.applyAsDouble(a.getAtIndex(F, ao + i), b.getAtIndex(F, bo + i));
                    assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(o.getAtIndex(F, oo + i)),
                            kernel.getClass().getSimpleName() + " element " + i + " of " + n);
                }
                assertEquals(0f, o.getAtIndex(F, oo + n), "wrote past the run");
            }
        }
    }

    private record Doubles(MemorySegment a, long ao, MemorySegment b, long bo, long oo, int n) {

        static Doubles random(Random random, int trial) {
            int n = length(random, trial);
            int ao = random.nextInt(5);
            int bo = random.nextInt(5);
            return new Doubles(values(random, ao + n), ao, values(random, bo + n), bo, random.nextInt(5), n);
        }

        private static MemorySegment values(Random random, int n) {
            MemorySegment s = Arena.ofAuto().allocate(D, Math.max(1, n));
            for (int i = 0; i < n; i++) {
                double special = SPECIAL[random.nextInt(SPECIAL.length)];
                s.setAtIndex(D, i, random.nextInt(4) == 0 ? (Double.isNaN(special)
                        ? Double.longBitsToDouble(0xfff8000000000123L) : special) : random.nextGaussian());
            }
            return s;
        }

        /** Like {@link Floats#check}, with a unary reference of a[i] or a binary one of (a[i], b[i]). */
        void check(Call call, DoubleUnaryOperator unary, DoubleBinaryOperator binary) {
            for (Elementwise kernel : new Elementwise[] {SCALAR, VECTOR}) {
                MemorySegment o = Arena.ofAuto().allocate(D, oo + n + 1);
                call.run(kernel, o);
                for (int i = 0; i < n; i++) {
                    double x = a.getAtIndex(D, ao + i);
                    double expected = unary != null ? unary.applyAsDouble(x)
                            : binary.applyAsDouble(x, b.getAtIndex(D, bo + i));
                    assertEquals(Double.doubleToLongBits(expected), Double.doubleToLongBits(o.getAtIndex(D, oo + i)),
                            kernel.getClass().getSimpleName() + " element " + i + " of " + n);
                }
                assertEquals(0.0, o.getAtIndex(D, oo + n), "wrote past the run");
            }
        }
    }
}
