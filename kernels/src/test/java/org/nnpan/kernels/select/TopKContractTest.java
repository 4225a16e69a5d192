package org.nnpan.kernels.select;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nnpan.kernels.parallel.Parallel;

/** Edge cases and the error contract of {@link TopK}, and independence from the thread count. */
class TopKContractTest {

    private static final TopK.Order LARGEST = TopK.Order.LARGEST;

    @Test
    void sameResultForAnyThreadCount() {
        Random random = new Random(3);
        // Few distinct values: the kept ties straddle every chunk boundary.
        float[] scores = RandomScores.FEW_VALUES.fill(3_000_000, random);
        long k = 1_234_567;
        int threadsBefore = Parallel.get().threads();
        try {
            float[][] masks = new float[3][scores.length];
            for (int threads = 1; threads <= 3; threads++) {
                Parallel.setThreads(threads);
                TopK.topKMask(scores, k, LARGEST, masks[threads - 1]);
            }
            assertArrayEquals(masks[0], masks[1]);
            assertArrayEquals(masks[0], masks[2]);
        } finally {
            Parallel.setThreads(threadsBefore);
        }
    }

    @Test
    void nanIsRejectedNamingTheFirstNaNIndex() {
        float[] scores = RandomScores.GAUSSIAN.fill(1000, new Random(5));
        scores[300] = Float.POSITIVE_INFINITY;
        scores[700] = Float.intBitsToFloat(0xffc00001); // a negative NaN
        scores[900] = Float.NaN;
        for (TopK.Order order : TopK.Order.values()) {
            assertNaNAt(700, () -> TopK.topKMask(scores, 10, order, new float[scores.length]));
            assertNaNAt(700, () -> TopK.topKMask(scores, 0, order, new float[scores.length]));
            assertNaNAt(700, () -> TopK.kthValue(scores, 1000, order));
            assertNaNAt(700, () -> TopK.topKIndices(scores, 3, order));
        }
    }

    @Test
    void nanIndexIsRelativeToTheOffset() {
        float[] scores = new float[20];
        scores[15] = Float.NaN;
        assertNaNAt(5, () -> TopK.kthValue(MemorySegment.ofArray(scores), 10, 10, 1, LARGEST));
    }

    @Test
    void kOutsideItsRangeIsRejectedWithTheNumbers() {
        float[] scores = new float[10];
        assertBadK("k = 11 is outside [0, 10]", () -> TopK.topKMask(scores, 11, LARGEST, new float[10]));
        assertBadK("k = -1 is outside [0, 10]", () -> TopK.topKIndices(scores, -1, LARGEST));
        assertBadK("k = 0 is outside [1, 10]", () -> TopK.kthValue(scores, 0, LARGEST));
        assertBadK("k = 1 is outside [1, 0]", () -> TopK.kthValue(new float[0], 1, LARGEST));
    }

    @Test
    void rangesMustFitTheirSegments() {
        float[] scores = new float[10];
        assertThrows(IndexOutOfBoundsException.class,
                () -> TopK.kthValue(MemorySegment.ofArray(scores), 5, 6, 1, LARGEST));
        assertThrows(IllegalArgumentException.class, () -> TopK.topKMask(scores, 1, LARGEST, new float[9]));
        assertThrows(IllegalArgumentException.class,
                () -> TopK.kthValue(MemorySegment.ofArray(scores), -1, 5, 1, LARGEST));
    }

    @Test
    void emptyVectorSelectsNothing() {
        assertArrayEquals(new long[0], TopK.topKIndices(new float[0], 0, LARGEST));
        TopK.topKMask(new float[0], 0, LARGEST, new float[0]);
    }

    @Test
    void bothZerosAreOneValueAndTheLowerIndexWins() {
        float[] scores = {-0.0f, 0.0f, -0.0f, -1.0f};
        float[] mask = new float[4];
        TopK.topKMask(scores, 2, LARGEST, mask);
        assertArrayEquals(new float[] {1, 1, 0, 0}, mask);
        assertArrayEquals(new long[] {3, 0}, TopK.topKIndices(scores, 2, TopK.Order.SMALLEST));
        assertEquals(Float.floatToRawIntBits(0.0f), Float.floatToRawIntBits(TopK.kthValue(scores, 1, LARGEST)));
    }

    @Test
    void infinitiesAreOrdinaryScores() {
        float[] scores = {1, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -Float.MAX_VALUE};
        assertEquals(Float.POSITIVE_INFINITY, TopK.kthValue(scores, 1, LARGEST));
        assertEquals(Float.NEGATIVE_INFINITY, TopK.kthValue(scores, 1, TopK.Order.SMALLEST));
        assertArrayEquals(new long[] {2, 0, 3, 1}, TopK.topKIndices(scores, 4, LARGEST));
    }

    @Test
    void offsetsSelectWithinTheRangeAndLeaveTheRestOfTheMaskAlone() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment scores = arena.allocate(100 * Float.BYTES);
            MemorySegment mask = arena.allocate(100 * Float.BYTES);
            for (int i = 0; i < 100; i++) {
                // Outside [10, 60) the scores are higher than any inside, so they must not leak in.
                scores.setAtIndex(ValueLayout.JAVA_FLOAT, i, i >= 10 && i < 60 ? (i - 10) % 7 : 100);
                mask.setAtIndex(ValueLayout.JAVA_FLOAT, i, 7.0f);
            }
            TopK.topKMask(scores, 10, 50, 3, LARGEST, mask, 5);
            for (int i = 0; i < 100; i++) {
                float expected = i < 5 || i >= 55 ? 7.0f : (i - 5 == 6 || i - 5 == 13 || i - 5 == 20 ? 1.0f : 0.0f);
                assertEquals(expected, mask.getAtIndex(ValueLayout.JAVA_FLOAT, i), "mask element " + i);
            }
            assertArrayEquals(new long[] {6, 13, 20}, TopK.topKIndices(scores, 10, 50, 3, LARGEST));
            // Seven sixes, then the fives.
            assertEquals(5.0f, TopK.kthValue(scores, 10, 50, 8, LARGEST));
        }
    }

    @Test
    void maskMayOverwriteItsScores() {
        float[] scores = RandomScores.FEW_VALUES.fill(200_000, new Random(11));
        float[] expected = SortOracle.mask(SortOracle.ranking(scores, LARGEST), 70_000);
        MemorySegment inPlace = MemorySegment.ofArray(scores);
        TopK.topKMask(inPlace, 0, scores.length, 70_000, LARGEST, inPlace, 0);
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
