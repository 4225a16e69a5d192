package org.nnpan.data;

/**
 * Picks "k examples per class", the batch that data-dependent pruning scores are computed on: the first
 * {@code samplesPerClass} examples of every class in a seeded shuffle of the data set.
 */
public final class ClassBalancedSampler {

    private ClassBalancedSampler() {
    }

    /**
     * Indices of {@code samplesPerClass} examples of every class, ordered by class and, within a class, by their
     * position in the shuffle drawn from {@link SplitMix64} seeded with {@code seed}.
     *
     * @throws IllegalArgumentException if {@code samplesPerClass < 1} or some class has fewer examples
     */
    public static int[] select(ImageDataset dataset, int samplesPerClass, long seed) {
        if (samplesPerClass < 1) {
            throw new IllegalArgumentException("samplesPerClass must be positive, got " + samplesPerClass);
        }
        int numClasses = dataset.numClasses();
        int[] selected = new int[Math.multiplyExact(numClasses, samplesPerClass)];
        int[] taken = new int[numClasses];
        for (int index : new SplitMix64(seed).permutation(dataset.sampleCount())) {
            int label = dataset.label(index);
            if (taken[label] < samplesPerClass) {
                selected[label * samplesPerClass + taken[label]++] = index;
            }
        }
        for (int k = 0; k < numClasses; k++) {
            if (taken[k] < samplesPerClass) {
                throw new IllegalArgumentException(dataset.name() + ": class " + k + " has only " + taken[k]
                        + " examples, fewer than the " + samplesPerClass + " per class requested");
            }
        }
        return selected;
    }
}
