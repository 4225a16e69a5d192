package org.nnpan.models;

/**
 * What a zoo model is built for.
 *
 * @param numClasses      outputs of the classifier
 * @param inputChannels   channels of the NCHW input
 * @param inputSize       height = width of the input
 * @param widthMultiplier factor on every hidden channel count (2 gives the GraSP/Panning ResNet-32 with widths
 *                        32/64/128); the LeNets have a fixed width and accept only 1
 */
public record ModelSpec(int numClasses, int inputChannels, int inputSize, int widthMultiplier) {
    public ModelSpec {
        if (numClasses < 1 || inputChannels < 1 || inputSize < 1 || widthMultiplier < 1) {
            throw new IllegalArgumentException("a model spec needs positive values, got " + numClasses + " classes, "
                    + inputChannels + " input channels, input size " + inputSize + ", width multiplier " + widthMultiplier);
        }
    }

    /** A spec at the standard width. */
    public static ModelSpec of(int numClasses, int inputChannels, int inputSize) {
        return new ModelSpec(numClasses, inputChannels, inputSize, 1);
    }

    /** This spec with another width multiplier. */
    public ModelSpec withWidthMultiplier(int multiplier) {
        return new ModelSpec(numClasses, inputChannels, inputSize, multiplier);
    }
}
