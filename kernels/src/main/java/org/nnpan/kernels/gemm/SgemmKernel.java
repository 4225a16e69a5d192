package org.nnpan.kernels.gemm;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked inner kernel of {@link VectorGemm}: an {@link #MR} x {@link #NR} tile of {@code C}, held in
 * {@code MR * NR / L} vector accumulators ({@code L} = lanes per vector) while it walks {@code kc} rank-1 updates
 * from packed panels of A and B. Public so that kernels which pack their own panels (the implicit-GEMM
 * convolution) reuse it; like every Vector-API class, load it only when the module is present.
 */
public final class SgemmKernel {

    /** The vector shape of the kernel's operands. */
    public static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Lanes per vector. */
    public static final int L = SPECIES.length();
    /** Rows of a tile: 4 x 2 vectors leaves room for operands in 16 AVX2 registers without spilling. */
    public static final int MR = 4;
    /** Columns of a tile: two vectors. */
    public static final int NR = 2 * L;

    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private SgemmKernel() {
    }

    /**
     * Computes {@code acc = Apanel * Bpanel}, where {@code Apanel} is {@code MR x kc} stored column by column from
     * {@code a[aIndex]} and {@code Bpanel} is {@code kc x NR} stored row by row from {@code b[bIndex]}; {@code acc}
     * receives the {@code MR x NR} result row-major.
     */
    public static void multiply(int kc, float[] a, int aIndex, float[] b, int bIndex, float[] acc) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int p = 0; p < kc; p++) {
            int ai = aIndex + p * MR;
            int bi = bIndex + p * NR;
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, b, bi + L);
            FloatVector a0 = FloatVector.broadcast(SPECIES, a[ai]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(SPECIES, a[ai + 1]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(SPECIES, a[ai + 2]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(SPECIES, a[ai + 3]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
        }
        c00.intoArray(acc, 0);
        c01.intoArray(acc, L);
        c10.intoArray(acc, NR);
        c11.intoArray(acc, NR + L);
        c20.intoArray(acc, 2 * NR);
        c21.intoArray(acc, 2 * NR + L);
        c30.intoArray(acc, 3 * NR);
        c31.intoArray(acc, 3 * NR + L);
    }

    /**
     * Merges the top-left {@code rows x cols} of a tile into {@code C}: {@code C = alpha * acc + beta * C}, where
     * {@code beta == 0} overwrites {@code C} without reading it. {@code cIndex} is the element index of the tile's
     * first element in {@code c}.
     */
    public static void store(float[] acc, int rows, int cols, float alpha, float beta,
                      MemorySegment c, long cIndex, int ldc) {
        if (cols == NR) {
            FloatVector alphaV = FloatVector.broadcast(SPECIES, alpha);
            FloatVector betaV = FloatVector.broadcast(SPECIES, beta);
            for (int r = 0; r < rows; r++) {
                for (int v = 0; v < NR; v += L) {
                    long offset = (cIndex + (long) r * ldc + v) * Float.BYTES;
                    FloatVector x = FloatVector.fromArray(SPECIES, acc, r * NR + v).mul(alphaV);
                    if (beta != 0) {
                        x = FloatVector.fromMemorySegment(SPECIES, c, offset, ORDER).fma(betaV, x);
                    }
                    x.intoMemorySegment(c, offset, ORDER);
                }
            }
        } else {
            for (int r = 0; r < rows; r++) {
                long row = cIndex + (long) r * ldc;
                for (int j = 0; j < cols; j++) {
                    float x = alpha * acc[r * NR + j];
                    if (beta != 0) {
                        x += beta * c.getAtIndex(VectorGemm.F32, row + j);
                    }
                    c.setAtIndex(VectorGemm.F32, row + j, x);
                }
            }
        }
    }
}
