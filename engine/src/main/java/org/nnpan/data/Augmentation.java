package org.nnpan.data;

import java.util.random.RandomGenerator;

/**
 * Random training augmentation: a random crop from the image padded by {@code cropPadding} on every side (each
 * shift in {@code [-cropPadding, cropPadding]} equally likely) and, if enabled, a horizontal flip with
 * probability 1/2.
 *
 * @param cropPadding    padding of the random crop in pixels, 0 for none
 * @param horizontalFlip whether images are mirrored at random
 */
public record Augmentation(int cropPadding, boolean horizontalFlip) {

    /** No augmentation. */
    public static final Augmentation NONE = new Augmentation(0, false);

    /** The usual CIFAR augmentation: random crop with padding 4 and random horizontal flip. */
    public static final Augmentation CROP_AND_FLIP = new Augmentation(4, true);

    public Augmentation {
        if (cropPadding < 0) {
            throw new IllegalArgumentException("cropPadding must be >= 0, got " + cropPadding);
        }
    }

    /**
     * Draws the transform for one sample. Draws, in order, the vertical shift, the horizontal shift (only when
     * {@code cropPadding > 0}) and the flip (only when enabled), so a given generator state always gives the same
     * transforms.
     */
    public SampleTransform draw(RandomGenerator rng) {
        int span = 2 * cropPadding + 1;
        int shiftY = cropPadding > 0 ? rng.nextInt(span) - cropPadding : 0;
        int shiftX = cropPadding > 0 ? rng.nextInt(span) - cropPadding : 0;
        boolean flip = horizontalFlip && rng.nextBoolean();
        return new SampleTransform(shiftY, shiftX, flip);
    }
}
