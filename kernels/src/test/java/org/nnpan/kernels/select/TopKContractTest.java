package org.nnpan.kernels.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nnpan.kernels.parallel.Parallel;

/**
 * Edge cases and the error contract of {@link TopK}, and independence from the thread count; through the public
 * methods and on both sets of primitives.
 */
class TopKContractTest {

    private static final TopK.Order LARGEST = TopK.Order.LARGEST;

    @ParameterizedTest
    @EnumSource(Variant.class)
    void sameResultForAnyThreadCount(Variant variant) {
        Random random = new Random(3);
        // Few distinct values: the kept ties straddle every chunk boundary.
        float[] scores = RandomScores.FEW_VALUES.fill(3_000_000, random);
        long k = 1_234_567;
        int threadsBefore = Parallel.get().threads();
        try {
            float[][] masks = new float[3][scores.length];
            for (int threads = 1; threads <= 3; threads++) {
                Parallel.setThreads(threads);
                variant.topKMask(scores, k, LARGEST, masks[threads - 1]);
            }
            assertArrayEquals(masks[0], masks[1]);
            assertArrayEquals(masks[0], masks[2]);
        } finally {
            Parallel.setThreads(threadsBefore);
        }
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void nanIsRejectedNamingTheFirstNaNIndex(Variant variant) {
        float[] scores = RandomScores.GAUSSIAN.fill(1000, new Random(5));
        scores[300] = Float.POSITIVE_INFINITY;
        scores[700] = Float.intBitsToFloat(0xffc00001); // a negative NaN
        scores[900] = Float.NaN;
        for (TopK.Order order : TopK.Order.values()) {
            assertNaNAt(700, () -> variant.topKMask(scores, 10, order, new float[scores.length]));
            assertNaNAt(700, () -> variant.topKMask(scores, 0, order, new float[scores.length]));
            assertNaNAt(700, () -> variant.kthValue(scores, 1000, order));
            assertNaNAt(700, () -> variant.topKIndices(scores, 3, order));
        }
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void signallingNaNIsRejected(Variant variant) {
        float[] scores = RandomScores.GAUSSIAN.fill(5000, new Random(6));
        scores[4321] = Float.intBitsToFloat(0x7f800001);
        assertNaNAt(4321, () -> variant.topKMask(scores, 10, LARGEST, new float[scores.length]));
        assertNaNAt(4321, () -> variant.kthValue(scores, 1, TopK.Order.SMALLEST));
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void nanIndexIsRelativeToTheOffset(Variant variant) {
        float[] scores = new float[20];
        scores[15] = Float.NaN;
        assertNaNAt(5, () -> variant.kthValue(MemorySegment.ofArray(scores), 10, 10, 1, LARGEST));
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void kOutsideItsRangeIsRejectedWithTheNumbers(Variant variant) {
        float[] scores = new float[10];
        assertBadK("k = 11 is outside [0, 10]", () -> variant.topKMask(scores, 11, LARGEST, new float[10]));
        assertBadK("k = -1 is outside [0, 10]", () -> variant.topKIndices(scores, -1, LARGEST));
        assertBadK("k = 0 is outside [1, 10]", () -> variant.kthValue(scores, 0, LARGEST));
        assertBadK("k = 1 is outside [1, 0]", () -> variant.kthValue(new float[0], 1, LARGEST));
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void rangesMustFitTheirSegments(Variant variant) {
        float[] scores = new float[10];
        assertThrows(IndexOutOfBoundsException.class,
                () -> variant.kthValue(MemorySegment.ofArray(scores), 5, 6, 1, LARGEST));
        assertThrows(IllegalArgumentException.class, () -> variant.topKMask(scores, 1, LARGEST, new float[9]));
        assertThrows(IllegalArgumentException.class,
                () -> variant.kthValue(MemorySegment.ofArray(scores), -1, 5, 1, LARGEST));
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void emptyVectorSelectsNothing(Variant variant) {
        assertArrayEquals(new long[0], variant.topKIndices(new float[0], 0, LARGEST));
        variant.topKMask(new float[0], 0, LARGEST, new float[0]);
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void bothZerosAreOneValueAndTheLowerIndexWins(Variant variant) {
        float[] scores = {-0.0f, 0.0f, -0.0f, -1.0f};
        float[] mask = new float[4];
        variant.topKMask(scores, 2, LARGEST, mask);
        assertArrayEquals(new float[] {1, 1, 0, 0}, mask);
        assertArrayEquals(new long[] {3, 0}, variant.topKIndices(scores, 2, TopK.Order.SMALLEST));
        assertEquals(Float.floatToRawIntBits(0.0f), Float.floatToRawIntBits(variant.kthValue(scores, 1, LARGEST)));
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void infinitiesAreOrdinaryScores(Variant variant) {
        float[] scores = {1, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -Float.MAX_VALUE};
        assertEquals(Float.POSITIVE_INFINITY, variant.kthValue(scores, 1, LARGEST));
        assertEquals(Float.NEGATIVE_INFINITY, variant.kthValue(scores, 1, TopK.Order.SMALLEST));
        assertArrayEquals(new long[] {2, 0, 3, 1}, variant.topKIndices(scores, 4, LARGEST));
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void offsetsSelectWithinTheRangeAndLeaveTheRestOfTheMaskAlone(Variant variant) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment scores = arena.allocate(100 * Float.BYTES);
            MemorySegment mask = arena.allocate(100 * Float.BYTES);
            for (int i = 0; i < 100; i++) {
                // Outside [10, 60) the scores are higher than any inside, so they must not leak in.
                scores.setAtIndex(ValueLayout.JAVA_FLOAT, i, i >= 10 && i < 60 ? (i - 10) % 7 : 100);
                mask.setAtIndex(ValueLayout.JAVA_FLOAT, i, 7.0f);
            }
            variant.topKMask(scores, 10, 50, 3, LARGEST, mask, 5);
            for (int i = 0; i < 100; i++) {
                float expected = i < 5 || i >= 55 ? 7.0f : (i - 5 == 6 || i - 5 == 13 || i - 5 == 20 ? 1.0f : 0.0f);
                assertEquals(expected, mask.getAtIndex(ValueLayout.JAVA_FLOAT, i), "mask element " + i);
            }
            assertArrayEquals(new long[] {6, 13, 20}, variant.topKIndices(scores, 10, 50, 3, LARGEST));
            // Seven sixes, then the fives.
            assertEquals(5.0f, variant.kthValue(scores, 10, 50, 8, LARGEST));
        }
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void maskMayOverwriteItsScores(Variant variant) {
        float[] scores = RandomScores.FEW_VALUES.fill(200_000, new Random(11));
        float[] expected = SortOracle.mask(SortOracle.ranking(scores, LARGEST), 70_000);
        MemorySegment inPlace = MemorySegment.ofArray(scores);
        variant.topKMask(inPlace, 0, scores.length, 70_000, LARGEST, inPlace, 0);
        assertArrayEquals(expected, scores);
    }

    private static void assertNaNAt(long index, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains("index " + index + " "), e.getMessage());
    }

    private static void assertBadK(String message, Executable call) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, call).getMessage());
    }
}
