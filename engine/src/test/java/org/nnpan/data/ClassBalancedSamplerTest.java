package org.nnpan.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClassBalancedSamplerTest {

    /** 3 classes with 30, 20 and 10 examples, interleaved. */
    private static ImageDataset unbalanced() {
        List<Integer> labels = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            labels.add(0);
            if (i < 20) {
                labels.add(1);
            }
            if (i < 10) {
                labels.add(2);
            }
        }
        int[] array = labels.stream().mapToInt(Integer::intValue).toArray();
        return new ImageDataset("unbalanced", 3, 1, 1, 1, new float[array.length], array);
    }

    @Test
    void takesTheFirstExamplesOfEachClassInShuffleOrder() {
        ImageDataset data = unbalanced();
        int k = 4;

        int[] selected = ClassBalancedSampler.select(data, k, 99);

        int[] expected = new int[3 * k];
        int[] taken = new int[3];
        for (int index : new SplitMix64(99).permutation(data.sampleCount())) {
            int label = data.label(index);
            if (taken[label] < k) {
                expected[label * k + taken[label]++] = index;
            }
        }
        assertArrayEquals(expected, selected);
        for (int i = 0; i < selected.length; i++) {
            assertEquals(i / k, data.label(selected[i]), "ordered by class");
        }
        assertEquals(selected.length, Arrays.stream(selected).distinct().count());
    }

    @Test
    void isDeterministicPerSeed() {
        ImageDataset data = unbalanced();
        assertArrayEquals(ClassBalancedSampler.select(data, 5, 1), ClassBalancedSampler.select(data, 5, 1));
        assertFalse(Arrays.equals(ClassBalancedSampler.select(data, 5, 1), ClassBalancedSampler.select(data, 5, 2)));
    }

    @Test
    void takesAWholeClassWhenAskedForExactlyItsSize() {
        int[] selected = ClassBalancedSampler.select(unbalanced(), 10, 3);
        assertEquals(30, selected.length);
    }

    @Test
    void rejectsClassWithTooFewExamples() {
        var e = assertThrows(IllegalArgumentException.class, () -> ClassBalancedSampler.select(unbalanced(), 11, 3));
        assertEquals("unbalanced: class 2 has only 10 examples, fewer than the 11 per class requested",
                e.getMessage());
    }
}
