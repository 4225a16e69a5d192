package org.nnpan.data;

/**
 * Where one image lands in its output window: a shift and an optional horizontal mirror.
 *
 * <p>Output pixel {@code (y, x)} shows pixel {@code (y + shiftY, x' + shiftX)} of the image after it has been
 * centred in the window, where {@code x' = flip ? width - 1 - x : x} and {@code width} is the window's width.
 * This is torchvision's {@code RandomCrop(size, padding=p)} followed by {@code RandomHorizontalFlip}: a crop whose
 * top-left corner is at {@code (i, j)} of the {@code p}-padded image has {@code shiftY = i - p, shiftX = j - p}.
 *
 * @param shiftY vertical shift, positive moves the image up
 * @param shiftX horizontal shift, positive moves the image left (before the mirror)
 * @param flip   whether the window is mirrored left-right
 */
public record SampleTransform(int shiftY, int shiftX, boolean flip) {

    /** The image centred, unshifted and unmirrored. */
    public static final SampleTransform IDENTITY = new SampleTransform(0, 0, false);
}
