package org.nnpan.kernels.gemm;

import static org.nnpan.kernels.gemm.SgemmKernel.L;
import static org.nnpan.kernels.gemm.SgemmKernel.MR;
import static org.nnpan.kernels.gemm.SgemmKernel.NR;
import static org.nnpan.kernels.gemm.SgemmKernel.SPECIES;
import static org.nnpan.kernels.gemm.VectorGemm.F32;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import org.nnpan.kernels.memory.NativeSegments;

/**
 * Copies blocks of {@code op(A)} and {@code op(B)} into the contiguous panel layout {@link SgemmKernel} streams
 * through, resolving transposition and leading dimensions once per block instead of once per multiply-add. Partial
 * panels are zero-padded so the kernel always computes full tiles. Operands are native segments, read through the
 * native class ({@link NativeSegments}).
 */
final class SgemmPacking {

    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private SgemmPacking() {
    }

    /**
     * Packs {@code op(A)[i0 : i0+mc, p0 : p0+kc]} as consecutive {@code MR x kc} panels, each stored column by
     * column (the {@code MR} values of one k step are adjacent). Each kind of panel is a method of its own: a
     * classifier's few, long calls reached C2 late, by on-stack replacement per loop and then whole; as small methods
     * only the kinds a model uses are compiled, each a fraction of the whole.
     */
    static void packA(boolean trans, MemorySegment matrix, long aOffset, int lda,
                      int i0, int mc, int p0, int kc, float[] dst) {
        MemorySegment a = NativeSegments.typed(matrix);
        // Each panel is written front to back: scattered writes (4 KiB apart) are several times slower.
        long rowStride = trans ? 1 : lda;
        long colStride = trans ? lda : 1;
        for (int r = 0; r < mc; r += MR) {
            int panel = r * kc;
            long src = aOffset + (i0 + r) * rowStride + p0 * colStride;
            if (mc - r < MR) {
                packPartialPanelA(a, src, rowStride, colStride, mc - r, kc, dst, panel);
            } else if (trans) {
                packPanelAColumns(a, src, colStride, kc, dst, panel);
            } else {
                packPanelARows(a, src, rowStride, kc, dst, panel);
            }
        }
    }

    /** An A panel of {@code rows < MR} rows, zero below them. */
    private static void packPartialPanelA(MemorySegment a, long src, long rowStride, long colStride, int rows, int kc,
                                          float[] dst, int panel) {
        Arrays.fill(dst, panel, panel + MR * kc, 0f);
        for (int p = 0; p < kc; p++) {
            for (int i = 0; i < rows; i++) {
                dst[panel + p * MR + i] = a.getAtIndex(F32, src + p * colStride + i * rowStride);
            }
        }
    }

    /** A full A panel of a transposed {@code A}: each k step's {@code MR} values are adjacent in memory. */
    private static void packPanelAColumns(MemorySegment a, long src, long colStride, int kc, float[] dst, int panel) {
        for (int p = 0; p < kc; p++) {
            long s = src + p * colStride;
            for (int i = 0; i < MR; i++) {
                dst[panel + p * MR + i] = a.getAtIndex(F32, s + i);
            }
        }
    }

    /** A full A panel of a row-major {@code A}: each k step's {@code MR} values are a row stride apart. */
    private static void packPanelARows(MemorySegment a, long src, long rowStride, int kc, float[] dst, int panel) {
        for (int p = 0; p < kc; p++) {
            for (int i = 0; i < MR; i++) {
                dst[panel + p * MR + i] = a.getAtIndex(F32, src + p + i * rowStride);
            }
        }
    }

    /**
     * Packs {@code op(B)[p0 : p0+kc, j0 : j0+nc]} as consecutive {@code kc x NR} panels, each stored row by row
     * (the {@code NR} values of one k step are adjacent).
     */
    static void packB(boolean trans, MemorySegment matrix, long bOffset, int ldb,
                      int p0, int kc, int j0, int nc, float[] dst) {
        MemorySegment b = NativeSegments.typed(matrix);
        long rowStride = trans ? 1 : ldb;
        long colStride = trans ? ldb : 1;
        for (int q = 0; q < nc; q += NR) {
            int panel = q * kc;
            long src = bOffset + p0 * rowStride + (j0 + q) * colStride;
            if (nc - q < NR) {
                Arrays.fill(dst, panel, panel + NR * kc, 0f);
                for (int p = 0; p < kc; p++) {
                    for (int j = 0; j < nc - q; j++) {
                        dst[panel + p * NR + j] = b.getAtIndex(F32, src + p * rowStride + j * colStride);
                    }
                }
            } else if (trans) {
                // Column by column: reading across columns would hit NR lines ldb apart, which alias in L1.
                for (int j = 0; j < NR; j++) {
                    long s = src + j * colStride;
                    for (int p = 0; p < kc; p++) {
                        dst[panel + p * NR + j] = b.getAtIndex(F32, s + p);
                    }
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    long s = (src + p * rowStride) * Float.BYTES;
                    FloatVector.fromMemorySegment(SPECIES, b, s, ORDER).intoArray(dst, panel + p * NR);
                    FloatVector.fromMemorySegment(SPECIES, b, s + L * Float.BYTES, ORDER)
                            .intoArray(dst, panel + p * NR + L);
                }
            }
        }
    }
}
