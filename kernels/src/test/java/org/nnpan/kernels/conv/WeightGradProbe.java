package org.nnpan.kernels.conv;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.zip.CRC32;
import org.nnpan.kernels.memory.OffHeap;

/**
 * Run in a child JVM by {@link WeightGradDeterminismTest}: computes one stride-1 weight gradient on the vector kernels
 * after {@code args[0]} untimed warm-up calls, for shape {@code args[1]} ({@code rows}: {@link #GEOMETRY}, or
 * {@code tiles}: {@link #TILE_GEOMETRY}), and prints a checksum of its exact bits.
 */
public final class WeightGradProbe {
    /** A shape the row dot-product kernel takes: stride 1, output rows of two vectors or more, few output channels. */
    static final ConvGeometry GEOMETRY = new ConvGeometry(2, 32, 32, 3, 3, 1, 1, 1, 1);
    static final int OUT_CHANNELS = 4;
    /**
     * A shape the register-tile path takes (8x8 rows, more output channels than the row kernel handles), whose tiles
     * are merged into the partial sums; 40 channels leave the second channel panel partly empty.
     */
    static final ConvGeometry TILE_GEOMETRY = new ConvGeometry(3, 8, 8, 3, 3, 1, 1, 1, 1);
    static final int TILE_OUT_CHANNELS = 40;
    static final int BATCH = 2;

    private WeightGradProbe() {
    }

    public static void main(String[] args) {
        int warmup = Integer.parseInt(args[0]);
        boolean tiles = args[1].equals("tiles");
        ConvGeometry geometry = tiles ? TILE_GEOMETRY : GEOMETRY;
        int outChannels = tiles ? TILE_OUT_CHANNELS : OUT_CHANNELS;
        Random random = new Random(7);
        float[] x = new float[BATCH * (int) geometry.inputSize()];
        float[] gy = new float[BATCH * outChannels * geometry.outH() * geometry.outW()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < gy.length; i++) {
            gy[i] = (float) random.nextGaussian();
        }
        float[] gw = new float[outChannels * (int) geometry.colRows()];
        BatchConv conv = BatchConvs.direct();
        MemorySegment gradient = OffHeap.copy(gw);
        for (int i = 0; i <= warmup; i++) {
            conv.weightGrad(geometry, BATCH, outChannels, OffHeap.copy(x), 0, OffHeap.copy(gy), 0, gradient, 0);
        }
        gw = gradient.toArray(ValueLayout.JAVA_FLOAT);
        CRC32 crc = new CRC32();
        for (float v : gw) {
            crc.update(Float.floatToRawIntBits(v));
        }
        System.out.println("kernel=" + conv.getClass().getSimpleName() + " crc=" + Long.toHexString(crc.getValue()));
    }
}
