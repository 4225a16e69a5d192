package org.nnpan.kernels.gemm;

import java.lang.foreign.MemorySegment;

/** Run in a child JVM by {@link GemmsTest}: prints the chosen GEMM and checks it on a 2x2 product. */
public final class GemmsProbe {

    private GemmsProbe() {
    }

    public static void main(String[] args) {
        float[] c = new float[4];
        Gemms.best().sgemm(false, false, 2, 2, 2, 1f, MemorySegment.ofArray(new float[] {1, 2, 3, 4}), 0, 2,
                MemorySegment.ofArray(new float[] {5, 6, 7, 8}), 0, 2, 0f, MemorySegment.ofArray(c), 0, 2);
        boolean right = c[0] == 19 && c[1] == 22 && c[2] == 43 && c[3] == 50;
        System.out.println("chosen=" + Gemms.best().name() + " right=" + right + " describe=" + Gemms.describe());
    }
}
