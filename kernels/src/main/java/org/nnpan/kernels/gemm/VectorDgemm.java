package org.nnpan.kernels.gemm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;
import org.nnpan.kernels.memory.NativeSegments;
import org.nnpan.kernels.parallel.Parallel;

/**
 * The double-precision path of {@link VectorGemm}, blocked like its sgemm: {@code op(B)} is packed in
 * {@link #KC} x {@link #NC} blocks of {@code KC x NR} panels, {@code op(A)} in {@link #MC} x {@link #KC} blocks of
 * {@code MR x KC} panels, and an {@link #MR} x {@link #NR} register tile of {@code C} (eight vector accumulators)
 * walks them. The tile is one vector wide, so the narrow products of small feature maps (SynFlow's batch of one
 * image: 2x2 maps have {@code n = 4}) waste few lanes. Row blocks are spread over {@link Parallel}; every element of
 * {@code C} sees the same operations whatever the split, so results do not depend on the thread count. Operands are
 * native segments, read and written through the native class ({@link NativeSegments}).
 */
final class VectorDgemm {

    private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /** Columns of a tile: one vector. */
    static final int NR = SPECIES.length();
    /** Rows of a tile: eight accumulators, one B vector and a broadcast fit in 16 registers. */
    static final int MR = 8;
    /** Depth of a packed block: a {@code KC x NR} B panel stays in L1. */
    private static final int KC = 256;
    /** Rows of a packed A block: {@code MC x KC} doubles are a quarter of L2. */
    private static final int MC = 64;
    /** Columns of a packed B block (a multiple of {@link #NR}): 8 MiB at most. */
    private static final int NC = 4096;
    /** Multiply-adds a parallel chunk should at least have. */
    private static final long GRAIN_MULADDS = 1L << 18;

    /**
     * Per-thread packed blocks and tile; grown on demand and reused across calls. The B block belongs to the thread
     * that called {@link #multiply} (the pool's threads only read it during the call), the A block and the tile to the
     * thread that runs a row block.
     */
    private static final class Workspace {
        private double[] aPack = new double[0];
        private double[] bPack = new double[0];
        private final double[] tile = new double[MR * NR];

        double[] aPack(int size) {
            return aPack.length >= size ? aPack : (aPack = new double[size]);
        }

        /** A fresh array per call cost a zeroed allocation the size of the B block (MBs for a convolution's columns). */
        double[] bPack(int size) {
            return bPack.length >= size ? bPack : (bPack = new double[size]);
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    private VectorDgemm() {
    }

    /** For validated arguments with {@code m, n, k > 0}. */
    static void multiply(boolean transA, boolean transB, int m, int n, int k,
                         double alpha, MemorySegment a, long aOffset, int lda,
                         MemorySegment b, long bOffset, int ldb,
                         double beta, MemorySegment c, long cOffset, int ldc) {
        double[] bPack = WORKSPACE.get().bPack(Math.min(KC, k) * Math.ceilDiv(Math.min(NC, n), NR) * NR);
        int rowBlocks = Math.ceilDiv(m, MC);
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                packB(transB, b, bOffset, ldb, pc, kc, jc, nc, bPack);
                // The first k block applies the caller's beta; later ones accumulate onto it.
                double blockBeta = pc == 0 ? beta : 1.0;
                long grain = Parallel.poolCanAccess(a, b, c)
                        ? Math.max(1, GRAIN_MULADDS / ((long) MC * nc * kc)) : rowBlocks;
                int p0 = pc;
                int j0 = jc;
                Parallel.get().parallelFor(rowBlocks, grain, (start, end) -> {
                    Workspace ws = WORKSPACE.get();
                    for (int ic = (int) start * MC; ic < Math.min(m, end * MC); ic += MC) {
                        int mc = Math.min(MC, m - ic);
                        double[] aPack = ws.aPack(Math.ceilDiv(mc, MR) * MR * kc);
                        packA(transA, a, aOffset, lda, ic, mc, p0, kc, aPack);
                        for (int jr = 0; jr < nc; jr += NR) {
                            int cols = Math.min(NR, nc - jr);
                            for (int ir = 0; ir < mc; ir += MR) {
                                multiplyTile(kc, aPack, ir * kc, bPack, jr * kc, ws.tile);
                                store(ws.tile, Math.min(MR, mc - ir), cols, alpha, blockBeta, c,
                                        cOffset + (long) (ic + ir) * ldc + j0 + jr, ldc);
                            }
                        }
                    }
                });
            }
        }
    }

    /**
     * Packs {@code op(A)[i0 : i0+mc, p0 : p0+kc]} as {@code MR x kc} panels, the {@code MR} values of one k step
     * adjacent; rows past {@code mc} are zero.
     */
    private static void packA(boolean trans, MemorySegment matrix, long aOffset, int lda,
                              int i0, int mc, int p0, int kc, double[] dst) {
        MemorySegment a = NativeSegments.typed(matrix);
        long rowStride = trans ? 1 : lda;
        long colStride = trans ? lda : 1;
        for (int r = 0; r < mc; r += MR) {
            int panel = r * kc;
            int rows = Math.min(MR, mc - r);
            if (rows < MR) {
                Arrays.fill(dst, panel, panel + MR * kc, 0.0);
            }
            long src = aOffset + (i0 + r) * rowStride + p0 * colStride;
            // Along the stored rows of A, so that reads are contiguous whether or not A is transposed.
            if (trans) {
                for (int p = 0; p < kc; p++) {
                    MemorySegment.copy(a, F64, (src + p * colStride) * Double.BYTES, dst, panel + p * MR, rows);
                }
            } else {
                for (int i = 0; i < rows; i++) {
                    for (int p = 0; p < kc; p++) {
                        dst[panel + p * MR + i] = a.getAtIndex(F64, src + i * rowStride + p);
                    }
                }
            }
        }
    }

    /**
     * Packs {@code op(B)[p0 : p0+kc, j0 : j0+nc]} as {@code kc x NR} panels, the {@code NR} values of one k step
     * adjacent; columns past {@code nc} are zero.
     */
    private static void packB(boolean trans, MemorySegment matrix, long bOffset, int ldb,
                              int p0, int kc, int j0, int nc, double[] dst) {
        MemorySegment b = NativeSegments.typed(matrix);
        for (int q = 0; q < nc; q += NR) {
            int panel = q * kc;
            int cols = Math.min(NR, nc - q);
            if (cols < NR) {
                Arrays.fill(dst, panel, panel + NR * kc, 0.0);
            }
            if (trans) {
                // Column by column: each column of op(B) is a contiguous row of the stored B.
                for (int j = 0; j < cols; j++) {
                    long src = bOffset + (long) (j0 + q + j) * ldb + p0;
                    for (int p = 0; p < kc; p++) {
                        dst[panel + p * NR + j] = b.getAtIndex(F64, src + p);
                    }
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    MemorySegment.copy(b, F64, (bOffset + (long) (p0 + p) * ldb + j0 + q) * Double.BYTES,
                            dst, panel + p * NR, cols);
                }
            }
        }
    }

    /**
     * {@code acc = Apanel * Bpanel} for an {@code MR x kc} panel of A at {@code a[aIndex]} and a {@code kc x NR}
     * panel of B at {@code b[bIndex]}; {@code acc} receives the {@code MR x NR} tile row-major.
     */
    private static void multiplyTile(int kc, double[] a, int aIndex, double[] b, int bIndex, double[] acc) {
        DoubleVector c0 = DoubleVector.zero(SPECIES);
        DoubleVector c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        for (int p = 0; p < kc; p++) {
            int ai = aIndex + p * MR;
            DoubleVector bv = DoubleVector.fromArray(SPECIES, b, bIndex + p * NR);
            c0 = DoubleVector.broadcast(SPECIES, a[ai]).fma(bv, c0);
            c1 = DoubleVector.broadcast(SPECIES, a[ai + 1]).fma(bv, c1);
            c2 = DoubleVector.broadcast(SPECIES, a[ai + 2]).fma(bv, c2);
            c3 = DoubleVector.broadcast(SPECIES, a[ai + 3]).fma(bv, c3);
            c4 = DoubleVector.broadcast(SPECIES, a[ai + 4]).fma(bv, c4);
            c5 = DoubleVector.broadcast(SPECIES, a[ai + 5]).fma(bv, c5);
            c6 = DoubleVector.broadcast(SPECIES, a[ai + 6]).fma(bv, c6);
            c7 = DoubleVector.broadcast(SPECIES, a[ai + 7]).fma(bv, c7);
        }
        c0.intoArray(acc, 0);
        c1.intoArray(acc, NR);
        c2.intoArray(acc, 2 * NR);
        c3.intoArray(acc, 3 * NR);
        c4.intoArray(acc, 4 * NR);
        c5.intoArray(acc, 5 * NR);
        c6.intoArray(acc, 6 * NR);
        c7.intoArray(acc, 7 * NR);
    }

    /**
     * {@code C = alpha * acc + beta * C} over the top-left {@code rows x cols} of the tile, {@code cIndex} being the
     * element index of its first element; {@code beta == 0} writes {@code C} without reading it.
     */
    private static void store(double[] acc, int rows, int cols, double alpha, double beta,
                              MemorySegment out, long cIndex, int ldc) {
        MemorySegment c = NativeSegments.typed(out);
        for (int r = 0; r < rows; r++) {
            long row = cIndex + (long) r * ldc;
            if (cols == NR) {
                DoubleVector x = DoubleVector.fromArray(SPECIES, acc, r * NR).mul(alpha);
                if (beta != 0) {
                    x = DoubleVector.fromMemorySegment(SPECIES, c, row * Double.BYTES, ORDER).fma(DoubleVector.broadcast(SPECIES, beta), x);
                }
                x.intoMemorySegment(c, row * Double.BYTES, ORDER);
            } else {
                for (int j = 0; j < cols; j++) {
                    double x = alpha * acc[r * NR + j];
                    c.setAtIndex(F64, row + j, beta == 0 ? x : Math.fma(c.getAtIndex(F64, row + j), beta, x));
                }
            }
        }
    }
}
