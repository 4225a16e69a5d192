package org.nnpan.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nnpan.tensor.MemoryScope;

/** The ring, the seeded sampling and the save/load of the replay buffer. */
class ReplayBufferTest {
    @TempDir
    Path dir;

    /** Stores transition i: s = (i, −i), a = (i / 100), r = i, s' = (i + 1, −i − 1), done on multiples of 3. */
    private static void addNumbered(ReplayBuffer buffer, int i) {
        buffer.add(new double[] {i, -i}, new double[] {i / 100.0}, i, new double[] {i + 1, -i - 1}, i % 3 == 0);
    }

    /** The numbers of the sampled transitions, checking that every row is one consistent stored transition. */
    private static int[] sampleNumbers(ReplayBuffer buffer, int n) {
        try (MemoryScope _ = MemoryScope.open()) {
            ReplayBuffer.Minibatch b = buffer.sample(n);
            assertArrayEquals(new int[] {n, 2}, b.states().shape());
            assertArrayEquals(new int[] {n, 1}, b.actions().shape());
            assertArrayEquals(new int[] {n, 1}, b.rewards().shape());
            int[] numbers = new int[n];
            for (int k = 0; k < n; k++) {
                int i = (int) b.rewards().get(k, 0);
                numbers[k] = i;
                assertEquals(i, b.states().get(k, 0));
                assertEquals(-i, b.states().get(k, 1));
                assertEquals((float) (i / 100.0), (float) b.actions().get(k, 0));
                assertEquals(i + 1, b.nextStates().get(k, 0));
                assertEquals(-i - 1, b.nextStates().get(k, 1));
                assertEquals(i % 3 == 0 ? 0 : 1, b.notDones().get(k, 0));
            }
            return numbers;
        }
    }

    @Test
    void ringKeepsTheNewestTransitions() {
        ReplayBuffer buffer = new ReplayBuffer(5, 2, 1, 1);
        for (int i = 0; i < 8; i++) {
            addNumbered(buffer, i);
            assertEquals(Math.min(i + 1, 5), buffer.size());
        }
        Set<Integer> seen = new HashSet<>();
        for (int i : sampleNumbers(buffer, 400)) {
            seen.add(i);
        }
        assertEquals(Set.of(3, 4, 5, 6, 7), seen);
    }

    @Test
    void samplingIsDeterminedByTheSeed() {
        ReplayBuffer a = new ReplayBuffer(50, 2, 1, 42);
        ReplayBuffer b = new ReplayBuffer(50, 2, 1, 42);
        ReplayBuffer c = new ReplayBuffer(50, 2, 1, 43);
        for (int i = 0; i < 30; i++) {
            addNumbered(a, i);
            addNumbered(b, i);
            addNumbered(c, i);
        }
        int[] first = sampleNumbers(a, 64);
        assertArrayEquals(first, sampleNumbers(b, 64));
        assertThrows(AssertionError.class, () -> assertArrayEquals(first, sampleNumbers(c, 64)));
    }

    @Test
    void saveAndLoadContinueExactly() throws IOException {
        ReplayBuffer original = new ReplayBuffer(6, 2, 1, 9);
        for (int i = 0; i < 9; i++) {
            addNumbered(original, i);
        }
        sampleNumbers(original, 10);
        original.save(dir);

        ReplayBuffer restored = new ReplayBuffer(6, 2, 1, 0);
        restored.load(dir);
        assertEquals(original.size(), restored.size());
        assertArrayEquals(sampleNumbers(original, 32), sampleNumbers(restored, 32));
        // The ring position came back too: the next transition overwrites the same row in both.
        addNumbered(original, 100);
        addNumbered(restored, 100);
        assertArrayEquals(sampleNumbers(original, 64), sampleNumbers(restored, 64));

        ReplayBuffer other = new ReplayBuffer(7, 2, 1, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> other.load(dir));
        assertTrue(e.getMessage().contains("capacity"), e.getMessage());
    }

    @Test
    void rejectsMisfitsAndEmptySampling() {
        ReplayBuffer buffer = new ReplayBuffer(4, 2, 1, 1);
        assertThrows(IllegalStateException.class, () -> buffer.sample(1));
        assertThrows(IllegalArgumentException.class,
                () -> buffer.add(new double[] {1}, new double[] {0}, 0, new double[] {1, 2}, false));
        assertThrows(IllegalArgumentException.class, () -> new ReplayBuffer(0, 2, 1, 1));
    }
}
