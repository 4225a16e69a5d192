package org.nnpan.kernels.conv;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.nnpan.kernels.gemm.Gemms;
import org.nnpan.kernels.memory.NativeScratch;
import org.nnpan.kernels.memory.NativeSegments;
import org.nnpan.kernels.parallel.Parallel;

/**
 * float32 3x3, stride-1, padding-1 convolution of maps at most 2x2 (VGG's last stage on CIFAR): every output position
 * reads every input pixel, each through a tap of its own, and the other taps read padding (5 of 9 on 2x2 maps). So
 * per output position {@code p} and input pixel {@code q} the layer is one GEMM over the channels with the weight of
 * tap {@code t(p, q)}: {@code Y_p = sum_q W_t * X_q}, {@code outHW * HW} GEMMs of {@code out x batch x in} that never
 * multiply the column matrix's zero rows ({@link BatchColumnsConv} multiplies them). The weight is read tap-major
 * ({@code [tap][out][in]}) and the images pixel-major ({@code [pixel][image][channel]}); both are the calling
 * thread's native scratch. Sums run in another order than the column matrix's (one chain per tap, added tap after
 * tap), so results differ from it in the last bits; they do not depend on the thread count.
 */
final class TapGemmConv {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final NativeScratch CALL = new NativeScratch();
    private static final int TAP_WEIGHT = 0;
    private static final int PLANES = 1;
    private static final int PRODUCTS = 2;

    private TapGemmConv() {
    }

    /** Whether {@code g} is a 3x3, stride-1, padding-1 convolution of a map at most 2x2. */
    static boolean handles(ConvGeometry g) {
        return g.kernelH() == 3 && g.kernelW() == 3 && g.strideH() == 1 && g.strideW() == 1 && g.padH() == 1
                && g.padW() == 1 && g.height() <= 2 && g.width() <= 2;
    }

    /** {@code y = conv(x, w)}, as {@link BatchConv#forward}. */
    static void forward(ConvGeometry g, int batch, int outChannels, MemorySegment x, long xOffset,
                        MemorySegment w, long wOffset, MemorySegment y, long yOffset) {
        products(g, batch, outChannels, g.channels(), false, x, xOffset, w, wOffset, y, yOffset);
    }

    /** {@code gx} for the output gradient {@code gy}, as {@link BatchConv#inputGrad}. */
    static void inputGrad(ConvGeometry g, int batch, int outChannels, MemorySegment gy, long gyOffset,
                          MemorySegment w, long wOffset, MemorySegment gx, long gxOffset) {
        products(g, batch, g.channels(), outChannels, true, gy, gyOffset, w, wOffset, gx, gxOffset);
    }

    /**
     * {@code dst[b][r][i] = sum_j sum_c W_t[r][c] src[b][c][j]} over {@code rows} result channels and {@code inner}
     * summed ones, {@code t} the tap between position {@code i} and {@code j}: forward ({@code W_t} the weight's
     * {@code out x in} tap, {@code i} an output position, {@code j} an input pixel) or, {@code adjoint}, the input
     * gradient ({@code W_t} transposed, {@code i} an input pixel, {@code j} an output position).
     */
    private static void products(ConvGeometry g, int batch, int rows, int inner, boolean adjoint, MemorySegment src,
                                 long srcOffset, MemorySegment w, long wOffset, MemorySegment dst, long dstOffset) {
        int out = adjoint ? inner : rows;
        int in = adjoint ? rows : inner;
        int hw = g.height() * g.width();
        MemorySegment taps = tapMajor(w, wOffset, out, in);
        // planes[j][b][c] = src[b][c][j]
        MemorySegment planes = CALL.floats(PLANES, (long) hw * batch * inner);
        transpose(src, srcOffset, batch, inner, hw, planes);
        MemorySegment products = CALL.floats(PRODUCTS, (long) hw * rows * batch);
        for (int i = 0; i < hw; i++) {
            for (int j = 0; j < hw; j++) {
                // D_i (rows x batch) += op(W_t) (rows x inner) * P_j^T, W_t stored out x in, P_j stored batch x inner.
                long tap = adjoint ? tapOffset(g, j, i, out, in) : tapOffset(g, i, j, out, in);
                Gemms.best().sgemm(adjoint, true, rows, batch, inner, 1f, taps, tap, in, planes,
                        (long) j * batch * inner, inner, j == 0 ? 0f : 1f, products, (long) i * rows * batch, batch);
            }
        }
        untranspose(products, hw, rows, batch, dst, dstOffset);
    }

    /**
     * Element offset in the tap-major weight of the tap through which output position {@code p} reads pixel {@code q}.
     */
    private static long tapOffset(ConvGeometry g, int p, int q, int out, int in) {
        int w = g.width();
        int tap = (q / w - p / w + 1) * 3 + (q % w - p % w + 1);
        return (long) tap * out * in;
    }

    /** One item per task, or all on the caller when the pool's threads cannot access the segments. */
    private static long grain(int n, MemorySegment... segments) {
        return Parallel.poolCanAccess(segments) ? 1 : n;
    }

    /** {@code w} ({@code [out][in][9]}) as {@code [9][out][in]}, the calling thread's scratch. */
    private static MemorySegment tapMajor(MemorySegment w, long wOffset, int out, int in) {
        MemorySegment taps = CALL.floats(TAP_WEIGHT, 9L * out * in);
        Parallel.get().balancedFor(out, grain(out, w, taps), (lo, hi) -> {
            MemorySegment src = NativeSegments.typed(w);
            MemorySegment dst = NativeSegments.typed(taps);
            for (long o = lo; o < hi; o++) {
                for (int c = 0; c < in; c++) {
                    long from = wOffset + (o * in + c) * 9;
                    for (int t = 0; t < 9; t++) {
                        dst.setAtIndex(F32, (t * out + o) * in + c, src.getAtIndex(F32, from + t));
                    }
                }
            }
        });
        return taps;
    }

    /** {@code to[q][b][c] = from[b][c][q]} for {@code batch} images of {@code channels} planes of {@code hw}. */
    private static void transpose(MemorySegment from, long offset, int batch, int channels, int hw, MemorySegment to) {
        Parallel.get().balancedFor(batch, grain(batch, from, to), (lo, hi) -> {
            MemorySegment src = NativeSegments.typed(from);
            MemorySegment dst = NativeSegments.typed(to);
            for (long b = lo; b < hi; b++) {
                for (int c = 0; c < channels; c++) {
                    for (int q = 0; q < hw; q++) {
                        dst.setAtIndex(F32, ((long) q * batch + b) * channels + c,
                                src.getAtIndex(F32, offset + (b * channels + c) * hw + q));
                    }
                }
            }
        });
    }

    /** {@code to[b][c][p] = from[p][c][b]} for {@code hw} products of {@code channels x batch}. */
    private static void untranspose(MemorySegment from, int hw, int channels, int batch, MemorySegment to,
                                    long offset) {
        Parallel.get().balancedFor(batch, grain(batch, from, to), (lo, hi) -> {
            MemorySegment src = NativeSegments.typed(from);
            MemorySegment dst = NativeSegments.typed(to);
            for (long b = lo; b < hi; b++) {
                for (int c = 0; c < channels; c++) {
                    for (int p = 0; p < hw; p++) {
                        dst.setAtIndex(F32, offset + (b * channels + c) * hw + p,
                                src.getAtIndex(F32, ((long) p * channels + c) * batch + b));
                    }
                }
            }
        });
    }
}
