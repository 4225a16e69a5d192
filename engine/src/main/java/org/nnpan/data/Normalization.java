package org.nnpan.data;

import java.util.Arrays;

/**
 * Per-channel normalisation {@code (v - mean[c]) / std[c]}, applied to raw pixel values in {@code [0, 1]}, the same
 * arithmetic as torchvision's {@code Normalize}. Immutable.
 */
public final class Normalization {

    private final float[] mean;
    private final float[] std;

    private Normalization(float[] mean, float[] std) {
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("need one mean and one std per channel, got "
                    + mean.length + " means and " + std.length + " stds");
        }
        for (float s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("std must be positive, got " + Arrays.toString(std));
            }
        }
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /** Normalisation with the given per-channel means and standard deviations. */
    public static Normalization of(float[] mean, float[] std) {
        return new Normalization(mean, std);
    }

    /** Single-channel normalisation. */
    public static Normalization of(float mean, float std) {
        return new Normalization(new float[] {mean}, new float[] {std});
    }

    /** The identity (mean 0, std 1) for {@code channels} channels: batches keep raw values in {@code [0, 1]}. */
    public static Normalization identity(int channels) {
        float[] ones = new float[channels];
        Arrays.fill(ones, 1f);
        return new Normalization(new float[channels], ones);
    }

    public int channels() {
        return mean.length;
    }

    public float mean(int channel) {
        return mean[channel];
    }

    public float std(int channel) {
        return std[channel];
    }

    /** The normalised value of raw pixel value {@code raw} in channel {@code channel}. */
    public float apply(float raw, int channel) {
        return (raw - mean[channel]) / std[channel];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normalization n && Arrays.equals(mean, n.mean) && Arrays.equals(std, n.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "Normalization[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
    }
}
