package org.nnpan.kernels.conv;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * Run in a child JVM by {@link WeightGradDeterminismTest}: computes one stride-1 weight gradient on the vector kernels
 * after {@code args[0]} untimed warm-up calls and prints a checksum of its exact bits.
 */
public final class WeightGradProbe {
    /** A shape the row dot-product kernel takes: stride 1, output rows of two vectors or more, few output channels. */
    static final ConvGeometry GEOMETRY = new ConvGeometry(2, 32, 32, 3, 3, 1, 1, 1, 1);
    static final int OUT_CHANNELS = 4;
    static final int BATCH = 2;

    private WeightGradProbe() {
    }

    public static void main(String[] args) {
        int warmup = Integer.parseInt(args[0]);
        Random random = new Random(7);
        float[] x = new float[BATCH * (int) GEOMETRY.inputSize()];
        float[] gy = new float[BATCH * OUT_CHANNELS * GEOMETRY.outH() * GEOMETRY.outW()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < gy.length; i++) {
            gy[i] = (float) random.nextGaussian();
        }
        float[] gw = new float[OUT_CHANNELS * (int) GEOMETRY.colRows()];
        BatchConv conv = BatchConvs.best();
        for (int i = 0; i <= warmup; i++) {
            conv.weightGrad(GEOMETRY, BATCH, OUT_CHANNELS, MemorySegment.ofArray(x), 0, MemorySegment.ofArray(gy), 0,
                    MemorySegment.ofArray(gw), 0);
        }
        CRC32 crc = new CRC32();
        for (float v : gw) {
            crc.update(Float.floatToRawIntBits(v));
        }
        System.out.println("kernel=" + conv.getClass().getSimpleName() + " crc=" + Long.toHexString(crc.getValue()));
    }
}
