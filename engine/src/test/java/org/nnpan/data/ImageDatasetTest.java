package org.nnpan.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ImageDatasetTest {

    /** Two 1x2x2 images with raw bytes 0, 51, 102, 255 and 255, 204, 153, 0. */
    private static ImageDataset twoByTwo() {
        byte[] bytes = {0, 51, 102, (byte) 255, (byte) 255, (byte) 204, (byte) 153, 0};
        return ImageDataset.fromBytes("tiny", 3, 1, 2, 2, bytes, new int[] {2, 1});
    }

    @Test
    void scalesBytesToUnitRange() {
        ImageDataset data = twoByTwo();
        assertEquals(0f, data.pixel(0, 0, 0, 0));
        assertEquals(0.2f, data.pixel(0, 0, 0, 1));
        assertEquals(1f, data.pixel(0, 0, 1, 1));
        assertArrayEquals(new int[] {0, 1, 1}, data.classCounts());
    }

    @Test
    void normalisesWithMeanAndStd() {
        ImageDataset data = twoByTwo();
        Normalization norm = Normalization.of(0.5f, 0.25f);
        float[] batch = new float[8];

        data.copyBatch(new int[] {1, 0}, norm, 2, 2, batch);

        assertArrayEquals(new float[] {2f, 1.2f, 0.4f, -2f, -2f, -1.2f, -0.4f, 2f}, batch, 1e-6f);
    }

    @Test
    void paddedPixelsAreBlackBeforeNormalisation() {
        ImageDataset data = twoByTwo();
        Normalization norm = Normalization.of(0.2860f, 0.3530f);
        float[] batch = new float[16];

        data.copyBatch(new int[] {0}, norm, 4, 4, batch);

        float pad = (0 - 0.2860f) / 0.3530f; // torchvision pads the PIL image with 0 before Normalize
        float[] expected = {
            pad, pad, pad, pad,
            pad, norm.apply(0f, 0), norm.apply(0.2f, 0), pad,
            pad, norm.apply(0.4f, 0), norm.apply(1f, 0), pad,
            pad, pad, pad, pad,
        };
        assertArrayEquals(expected, batch, 1e-6f);
    }

    @Test
    void oddSurplusGoesToBottomAndRight() {
        ImageDataset data = twoByTwo();
        float[] batch = new float[9];

        data.copyBatch(new int[] {1}, Normalization.identity(1), 3, 3, batch);

        assertArrayEquals(new float[] {1f, 0.8f, 0f, 0.6f, 0f, 0f, 0f, 0f, 0f}, batch, 1e-6f);
    }

    @Test
    void normalisesEachChannelWithItsOwnConstants() {
        byte[] bytes = {(byte) 255, (byte) 255, (byte) 255};
        ImageDataset data = ImageDataset.fromBytes("rgb", 1, 3, 1, 1, bytes, new int[] {0});
        Normalization norm = Normalization.of(new float[] {0.1f, 0.2f, 0.3f}, new float[] {0.5f, 0.4f, 0.7f});
        float[] batch = new float[3 * 9];

        data.copyBatch(new int[] {0}, norm, 3, 3, batch);

        for (int c = 0; c < 3; c++) {
            assertEquals((0 - norm.mean(c)) / norm.std(c), batch[c * 9], 1e-6f, "padding of channel " + c);
            assertEquals((1 - norm.mean(c)) / norm.std(c), batch[c * 9 + 4], 1e-6f, "pixel of channel " + c);
        }
    }

    /**
     * Every shift and flip matches torchvision's Pad(to window) -> RandomCrop(window, padding) ->
     * RandomHorizontalFlip -> ToTensor -> Normalize, computed here step by step on raw values.
     */
    @Test
    void transformsMatchPadCropFlipReference() {
        int h = 3, w = 5, outH = 6, outW = 7, padding = 2;
        ImageDataset data = ImageDataset.fromBytes("odd", 1, 1, h, w, TestFiles.ramp(h * w, 1), new int[] {0});
        Normalization norm = Normalization.of(0.3f, 0.2f);
        int top = (outH - h) / 2, left = (outW - w) / 2;
        int padH = outH + 2 * padding, padW = outW + 2 * padding;
        float[][] padded = new float[padH][padW]; // zeros are black
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                padded[padding + top + y][padding + left + x] = data.pixel(0, 0, y, x);
            }
        }
        float[] actual = new float[outH * outW];
        for (int i = 0; i <= 2 * padding; i++) {
            for (int j = 0; j <= 2 * padding; j++) {
                for (boolean flip : new boolean[] {false, true}) {
                    float[] expected = new float[outH * outW];
                    for (int y = 0; y < outH; y++) {
                        for (int x = 0; x < outW; x++) {
                            int cropX = flip ? outW - 1 - x : x;
                            expected[y * outW + x] = norm.apply(padded[i + y][j + cropX], 0);
                        }
                    }
                    data.copyImage(0, norm, outH, outW, new SampleTransform(i - padding, j - padding, flip),
                            actual, 0);
                    assertArrayEquals(expected, actual, 1e-6f, "crop at " + i + "," + j + " flip " + flip);
                }
            }
        }
    }

    @Test
    void copiesLabelsAsIntsAndLongs() {
        ImageDataset data = twoByTwo();
        int[] ints = new int[3];
        long[] longs = new long[3];

        data.copyLabels(new int[] {1, 0, 1}, ints);
        data.copyLabels(new int[] {1, 0, 1}, longs);

        assertArrayEquals(new int[] {1, 2, 1}, ints);
        assertArrayEquals(new long[] {1, 2, 1}, longs);
    }

    @Test
    void rejectsWindowSmallerThanImages() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> twoByTwo().copyBatch(new int[] {0}, Normalization.identity(1), 1, 2, new float[4]));
        assertEquals("output 1x2 is smaller than the 2x2 images of tiny", e.getMessage());
    }

    @Test
    void rejectsNormalisationForOtherChannelCount() {
        assertThrows(IllegalArgumentException.class,
                () -> twoByTwo().copyBatch(new int[] {0}, Normalization.identity(3), 2, 2, new float[4]));
    }

    @Test
    void rejectsShortDestination() {
        assertThrows(IllegalArgumentException.class,
                () -> twoByTwo().copyBatch(new int[] {0, 1}, Normalization.identity(1), 2, 2, new float[7]));
    }

    @Test
    void rejectsInconsistentConstruction() {
        assertThrows(IllegalArgumentException.class,
                () -> new ImageDataset("x", 2, 1, 2, 2, new float[4], new int[] {2}));
        assertThrows(IllegalArgumentException.class,
                () -> new ImageDataset("x", 2, 1, 2, 2, new float[5], new int[] {0}));
    }
}
