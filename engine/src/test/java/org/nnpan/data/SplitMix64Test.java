package org.nnpan.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SplitMix64Test {

    @Test
    void matchesReferenceOutputForSeedZero() {
        SplitMix64 rng = new SplitMix64(0);
        assertEquals(0xE220A8397B1DCDAFL, rng.nextLong());
        assertEquals(0x6E789E6AA1B965F4L, rng.nextLong());
        assertEquals(0x06C45D188009454FL, rng.nextLong());
    }

    @Test
    void savedStateContinuesTheSameSequence() {
        SplitMix64 rng = new SplitMix64(123);
        rng.nextLong();
        SplitMix64 copy = new SplitMix64(rng.state());
        for (int i = 0; i < 10; i++) {
            assertEquals(rng.nextInt(17), copy.nextInt(17));
        }
        long saved = rng.state();
        long next = rng.nextLong();
        rng.setState(saved);
        assertEquals(next, rng.nextLong());
    }

    @Test
    void boundedIntsAreInRangeAndRoughlyUniform() {
        SplitMix64 rng = new SplitMix64(7);
        int[] counts = new int[3];
        for (int i = 0; i < 30_000; i++) {
            counts[rng.nextInt(3)]++;
        }
        for (int count : counts) {
            assertTrue(Math.abs(count - 10_000) < 500, Arrays.toString(counts));
        }
        assertEquals(0, rng.nextInt(1));
        assertThrows(IllegalArgumentException.class, () -> rng.nextInt(0));
    }

    @Test
    void permutationIsDeterministicAndComplete() {
        int[] a = new SplitMix64(5).permutation(100);
        int[] b = new SplitMix64(5).permutation(100);
        assertArrayEquals(a, b);
        int[] sorted = a.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < 100; i++) {
            assertEquals(i, sorted[i]);
        }
        assertTrue(!Arrays.equals(a, sorted), "shuffled");
    }
}
