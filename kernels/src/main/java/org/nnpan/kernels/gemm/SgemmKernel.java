package org.nnpan.kernels.gemm;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import org.nnpan.kernels.memory.NativeSegments;

/**
 * The register-blocked inner kernel of {@link VectorGemm}: an {@link #MR} x {@link #NR} tile of {@code C}, held in
 * {@code MR * NR / L} vector accumulators ({@code L} = lanes per vector) while it walks {@code kc} rank-1 updates
 * from packed panels of A and B. Public so that kernels which pack their own panels (the implicit-GEMM
 * convolution) reuse it; like every Vector-API class, load it only when the module is present. Its stores take
 * native segments only and write them through the native class ({@link NativeSegments}).
 */
public final class SgemmKernel {

    /** The vector shape of the kernel's operands. */
    public static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Lanes per vector. */
    public static final int L = SPECIES.length();
    /**
     * Rows of a tile: 8 x 2 vector accumulators take 16 of AVX-512's 32 registers and leave room for the operands, and
     * every B vector loaded feeds 8 multiply-adds (with 4 rows, each pair of FMAs needed a load). On 16-register AVX2
     * the tile spills; the engine takes this GEMM only with 512-bit vectors unless told otherwise.
     */
    public static final int MR = 8;
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
        FloatVector c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
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
            FloatVector a4 = FloatVector.broadcast(SPECIES, a[ai + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(SPECIES, a[ai + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(SPECIES, a[ai + 6]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(SPECIES, a[ai + 7]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
        }
        store(acc, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71);
    }

    /**
     * {@link #multiply} with the B panel read in place instead of packed: row {@code p} of the {@code kc x NR} panel is
     * {@code b[rows[row0 + p] + offset0 ...]} (its first vector) and {@code b[rows[row0 + p] + offset1 ...]} (its
     * second). Implicit-GEMM convolutions use it where each half of a tile's positions reads consecutive elements of
     * the staged image, so the panel needs no copy. Same arithmetic, in the same order, as {@link #multiply}.
     */
    public static void multiplyInPlaceB(int kc, float[] a, int aIndex, float[] b, int[] rows, int row0, int offset0,
                                       int offset1, float[] acc) {
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        for (int p = 0; p < kc; p++) {
            int ai = aIndex + p * MR;
            int row = rows[row0 + p];
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, row + offset0);
            FloatVector b1 = FloatVector.fromArray(SPECIES, b, row + offset1);
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
            FloatVector a4 = FloatVector.broadcast(SPECIES, a[ai + 4]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(SPECIES, a[ai + 5]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(SPECIES, a[ai + 6]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(SPECIES, a[ai + 7]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
        }
        store(acc, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71);
    }

    /**
     * {@link #multiply} with the A panel read in place instead of packed: element {@code (i, p)} of the {@code MR x kc}
     * panel is {@code a[rows[row0 + i] + columns[column0 + p]]}. The implicit-GEMM weight gradient uses it with the
     * taps of the staged image as rows and its output positions as columns, so the column matrix is read straight from
     * the image, one broadcast per element, with no transposition. Same arithmetic, in the same order per element, as
     * {@link #multiply}.
     */
    public static void multiplyInPlaceA(int kc, float[] a, int[] rows, int row0, int[] columns, int column0,
                                        float[] b, int bIndex, float[] acc) {
        int r0 = rows[row0], r1 = rows[row0 + 1], r2 = rows[row0 + 2], r3 = rows[row0 + 3];
        int r4 = rows[row0 + 4], r5 = rows[row0 + 5], r6 = rows[row0 + 6], r7 = rows[row0 + 7];
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        for (int p = 0; p < kc; p++) {
            int column = columns[column0 + p];
            int bi = bIndex + p * NR;
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, b, bi + L);
            FloatVector a0 = FloatVector.broadcast(SPECIES, a[r0 + column]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(SPECIES, a[r1 + column]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(SPECIES, a[r2 + column]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(SPECIES, a[r3 + column]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(SPECIES, a[r4 + column]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(SPECIES, a[r5 + column]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
            FloatVector a6 = FloatVector.broadcast(SPECIES, a[r6 + column]);
            c60 = a6.fma(b0, c60);
            c61 = a6.fma(b1, c61);
            FloatVector a7 = FloatVector.broadcast(SPECIES, a[r7 + column]);
            c70 = a7.fma(b0, c70);
            c71 = a7.fma(b1, c71);
        }
        store(acc, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71);
    }

    /**
     * {@link #multiplyInPlaceA} for {@code kc} columns that come in runs of {@code runLength} consecutive elements, the
     * last run possibly shorter: column {@code p} of run {@code r} is {@code starts[start0 + r] + p}, and element
     * {@code (i, p)} of the panel is {@code a[rows[row0 + i] + starts[start0 + r] + p]}; the B panel holds the runs'
     * columns one after another. The stride-1 weight gradient's columns are output rows of the staged image, Winograd's
     * are the tiles of its transformed panels: with each run's reads at a fixed offset plus the loop index, the JIT
     * checks their bounds once per run rather than eight times per column (the per-column offsets of
     * {@link #multiplyInPlaceA} also spilled to the stack). Same arithmetic, in the same order per element.
     */
    public static void multiplyInPlaceARuns(int kc, int runLength, float[] a, int[] rows, int row0, int[] starts,
                                            int start0, float[] b, int bIndex, float[] acc) {
        int r0 = rows[row0], r1 = rows[row0 + 1], r2 = rows[row0 + 2], r3 = rows[row0 + 3];
        int r4 = rows[row0 + 4], r5 = rows[row0 + 5], r6 = rows[row0 + 6], r7 = rows[row0 + 7];
        FloatVector c00 = FloatVector.zero(SPECIES);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        for (int r = 0, done = 0; done < kc; r++, done += runLength) {
            int start = starts[start0 + r];
            int s0 = r0 + start, s1 = r1 + start, s2 = r2 + start, s3 = r3 + start;
            int s4 = r4 + start, s5 = r5 + start, s6 = r6 + start, s7 = r7 + start;
            int run = bIndex + done * NR;
            int length = Math.min(runLength, kc - done);
            for (int p = 0; p < length; p++) {
                int bi = run + p * NR;
                FloatVector b0 = FloatVector.fromArray(SPECIES, b, bi);
                FloatVector b1 = FloatVector.fromArray(SPECIES, b, bi + L);
                FloatVector a0 = FloatVector.broadcast(SPECIES, a[s0 + p]);
                c00 = a0.fma(b0, c00);
                c01 = a0.fma(b1, c01);
                FloatVector a1 = FloatVector.broadcast(SPECIES, a[s1 + p]);
                c10 = a1.fma(b0, c10);
                c11 = a1.fma(b1, c11);
                FloatVector a2 = FloatVector.broadcast(SPECIES, a[s2 + p]);
                c20 = a2.fma(b0, c20);
                c21 = a2.fma(b1, c21);
                FloatVector a3 = FloatVector.broadcast(SPECIES, a[s3 + p]);
                c30 = a3.fma(b0, c30);
                c31 = a3.fma(b1, c31);
                FloatVector a4 = FloatVector.broadcast(SPECIES, a[s4 + p]);
                c40 = a4.fma(b0, c40);
                c41 = a4.fma(b1, c41);
                FloatVector a5 = FloatVector.broadcast(SPECIES, a[s5 + p]);
                c50 = a5.fma(b0, c50);
                c51 = a5.fma(b1, c51);
                FloatVector a6 = FloatVector.broadcast(SPECIES, a[s6 + p]);
                c60 = a6.fma(b0, c60);
                c61 = a6.fma(b1, c61);
                FloatVector a7 = FloatVector.broadcast(SPECIES, a[s7 + p]);
                c70 = a7.fma(b0, c70);
                c71 = a7.fma(b1, c71);
            }
        }
        store(acc, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71);
    }

    /** Writes a tile's accumulators ({@code cRV}: row R, vector V) to {@code acc}, row-major. */
    private static void store(float[] acc, FloatVector c00, FloatVector c01, FloatVector c10, FloatVector c11,
                              FloatVector c20, FloatVector c21, FloatVector c30, FloatVector c31,
                              FloatVector c40, FloatVector c41, FloatVector c50, FloatVector c51,
                              FloatVector c60, FloatVector c61, FloatVector c70, FloatVector c71) {
        c00.intoArray(acc, 0);
        c01.intoArray(acc, L);
        c10.intoArray(acc, NR);
        c11.intoArray(acc, NR + L);
        c20.intoArray(acc, 2 * NR);
        c21.intoArray(acc, 2 * NR + L);
        c30.intoArray(acc, 3 * NR);
        c31.intoArray(acc, 3 * NR + L);
        c40.intoArray(acc, 4 * NR);
        c41.intoArray(acc, 4 * NR + L);
        c50.intoArray(acc, 5 * NR);
        c51.intoArray(acc, 5 * NR + L);
        c60.intoArray(acc, 6 * NR);
        c61.intoArray(acc, 6 * NR + L);
        c70.intoArray(acc, 7 * NR);
        c71.intoArray(acc, 7 * NR + L);
    }

    /**
     * {@link #store(float[], int, int, float, float, MemorySegment, long, int)} for the first {@code cols <= L} columns
     * of one vector of the tile, the {@code L} columns from {@code column} (0 or {@code L}): masked vector loads and
     * stores, the same arithmetic. Kernels whose tile halves lie in different output rows store each half on its own.
     */
    public static void storeHalf(float[] acc, int column, int rows, int cols, float alpha, float beta,
                                 MemorySegment out, long cIndex, int ldc) {
        MemorySegment c = NativeSegments.typed(out);
        VectorMask<Float> mask = SPECIES.indexInRange(0, cols);
        FloatVector alphaV = FloatVector.broadcast(SPECIES, alpha);
        FloatVector betaV = FloatVector.broadcast(SPECIES, beta);
        for (int r = 0; r < rows; r++) {
            long offset = (cIndex + (long) r * ldc) * Float.BYTES;
            FloatVector x = FloatVector.fromArray(SPECIES, acc, r * NR + column).mul(alphaV);
            if (beta != 0) {
                x = FloatVector.fromMemorySegment(SPECIES, c, offset, ORDER, mask).fma(betaV, x);
            }
            x.intoMemorySegment(c, offset, ORDER, mask);
        }
    }

    /**
     * Adds a whole tile to the {@code MR x NR} block of the array {@code c} at {@code cIndex} (row stride {@code ldc}):
     * {@link #store} with {@code alpha = beta = 1} into a Java array, the same values ({@code 1 * c + 1 * acc} is
     * {@code c + acc}, rounded once), without a segment access per vector. Kernels that keep partial sums in their own
     * arrays add each chain's tile with it.
     */
    public static void addTile(float[] acc, float[] c, int cIndex, int ldc) {
        for (int r = 0; r < MR; r++) {
            for (int v = 0; v < NR; v += L) {
                int at = cIndex + r * ldc + v;
                FloatVector.fromArray(SPECIES, c, at).add(FloatVector.fromArray(SPECIES, acc, r * NR + v))
                        .intoArray(c, at);
            }
        }
    }

    /**
     * {@link #addTile} onto a block of zeros that need not be there: writes {@code +0 + acc}, so a kernel can start a
     * block of partial sums with its first tile instead of zero-filling it first. The {@code +0} keeps the bits of
     * the fill-then-add it replaces ({@code -0} becomes {@code +0}, as it does when added to a zero).
     */
    public static void startTile(float[] acc, float[] c, int cIndex, int ldc) {
        FloatVector zero = FloatVector.zero(SPECIES);
        for (int r = 0; r < MR; r++) {
            for (int v = 0; v < NR; v += L) {
                zero.add(FloatVector.fromArray(SPECIES, acc, r * NR + v)).intoArray(c, cIndex + r * ldc + v);
            }
        }
    }

    /**
     * Merges the top-left {@code rows x cols} of a tile into {@code C}: {@code C = alpha * acc + beta * C}, where
     * {@code beta == 0} overwrites {@code C} without reading it. {@code cIndex} is the element index of the tile's
     * first element in {@code c}.
     */
    public static void store(float[] acc, int rows, int cols, float alpha, float beta,
                      MemorySegment out, long cIndex, int ldc) {
        if (cols == NR) {
            // beta is tested here, outside the loops: tested inside, C2 hoisted it as a loop predicate from the first
            // calls' profile (beta == 0 only, while every depth fitted one block), which trapped on the first later call
            // with beta == 1.
            if (beta == 0) {
                overwrite(acc, rows, alpha, out, cIndex, ldc);
            } else {
                blend(acc, rows, alpha, beta, out, cIndex, ldc);
            }
        } else {
            MemorySegment c = NativeSegments.typed(out);
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

    /** {@link #store} of whole rows with {@code beta == 0}: {@code C = alpha * acc}. */
    private static void overwrite(float[] acc, int rows, float alpha, MemorySegment out, long cIndex, int ldc) {
        MemorySegment c = NativeSegments.typed(out);
        FloatVector alphaV = FloatVector.broadcast(SPECIES, alpha);
        for (int r = 0; r < rows; r++) {
            for (int v = 0; v < NR; v += L) {
                long offset = (cIndex + (long) r * ldc + v) * Float.BYTES;
                FloatVector.fromArray(SPECIES, acc, r * NR + v).mul(alphaV).intoMemorySegment(c, offset, ORDER);
            }
        }
    }

    /** {@link #store} of whole rows with {@code beta != 0}: {@code C = fma(C, beta, alpha * acc)}. */
    private static void blend(float[] acc, int rows, float alpha, float beta, MemorySegment out, long cIndex,
                              int ldc) {
        MemorySegment c = NativeSegments.typed(out);
        FloatVector alphaV = FloatVector.broadcast(SPECIES, alpha);
        FloatVector betaV = FloatVector.broadcast(SPECIES, beta);
        for (int r = 0; r < rows; r++) {
            for (int v = 0; v < NR; v += L) {
                long offset = (cIndex + (long) r * ldc + v) * Float.BYTES;
                FloatVector x = FloatVector.fromArray(SPECIES, acc, r * NR + v).mul(alphaV);
                FloatVector.fromMemorySegment(SPECIES, c, offset, ORDER).fma(betaV, x).intoMemorySegment(c, offset,
                        ORDER);
            }
        }
    }
}
