package org.nnpan.kernels.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.nnpan.kernels.gemm.Gemms;

/** The im2col path's input gradient, which the direct input-gradient kernels must match bit for bit, and test data. */
final class Col2imReference {

    private Col2imReference() {
    }

    /** Per image, the columns {@code W^T * gY} on the engine's GEMM, scattered back by col2im. */
    static MemorySegment inputGrad(ConvGeometry g, int batch, int out, float[] w, float[] gy) {
        int k = (int) g.colRows();
        int hw = (int) g.colCols();
        MemorySegment gx = MemorySegment.ofArray(new float[batch * (int) g.inputSize()]);
        MemorySegment cols = MemorySegment.ofArray(new float[k * hw]);
        for (int b = 0; b < batch; b++) {
            Gemms.best().sgemm(true, false, k, hw, out, 1f, MemorySegment.ofArray(w), 0, k,
                    MemorySegment.ofArray(gy), (long) b * out * hw, hw, 0f, cols, 0, hw);
            Im2col.F32.col2im(g, cols, 0, gx, b * g.inputSize());
        }
        return gx;
    }

    /** Asserts that {@code gx} holds {@link #inputGrad}'s floats, bit for bit, naming the first element that differs. */
    static void assertEqualsInputGrad(ConvGeometry g, int batch, int out, float[] w, float[] gy, MemorySegment gx) {
        MemorySegment expected = inputGrad(g, batch, out, w, gy);
        for (long i = 0; i < batch * g.inputSize(); i++) {
            int e = Float.floatToRawIntBits(expected.getAtIndex(ValueLayout.JAVA_FLOAT, i));
            int a = Float.floatToRawIntBits(gx.getAtIndex(ValueLayout.JAVA_FLOAT, i));
            long at = i;
            assertEquals(e, a, () -> g + " x " + out + ": element " + at + " differs from col2im(W^T gY)");
        }
    }

    /** {@code n} floats uniform in [-1, 1). */
    static float[] random(SplittableRandom rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextDouble(-1, 1);
        }
        return a;
    }
}
