package org.nnpan.kernels.conv;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.nnpan.kernels.gemm.Gemm;
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
        return g.isSame3x3() && g.height() <= 2 && g.width() <= 2;
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
        permute(src, srcOffset, imageMajor(inner, hw), planes, 0, new long[] {inner, 1, (long) batch * inner}, batch,
                inner, hw);
        MemorySegment products = CALL.floats(PRODUCTS, (long) hw * rows * batch);
        Gemm gemm = Gemms.best();
        for (int i = 0; i < hw; i++) {
            for (int j = 0; j < hw; j++) {
                // D_i (rows x batch) += op(W_t) (rows x inner) * P_j^T, W_t stored out x in, P_j stored batch x inner.
                long tap = adjoint ? tapOffset(g, j, i, out, in) : tapOffset(g, i, j, out, in);
                gemm.sgemm(adjoint, true, rows, batch, inner, 1f, taps, tap, in, planes, (long) j * batch * inner,
                        inner, j == 0 ? 0f : 1f, products, (long) i * rows * batch, batch);
            }
        }
        // dst[b][r][i] = products[i][r][b]
        permute(products, 0, new long[] {1, batch, (long) rows * batch}, dst, dstOffset, imageMajor(rows, hw), batch,
                rows, hw);
    }

    /**
     * Element offset in the tap-major weight of the tap through which output position {@code p} reads pixel {@code q}.
     */
    private static long tapOffset(ConvGeometry g, int p, int q, int out, int in) {
        int w = g.width();
        int tap = (q / w - p / w + 1) * 3 + (q % w - p % w + 1);
        return (long) tap * out * in;
    }

    /** Strides of {@code (image, channel, position)} in a {@code [batch][channels][hw]} tensor (or weight). */
    private static long[] imageMajor(int channels, int hw) {
        return new long[] {(long) channels * hw, hw, 1};
    }

    /** {@code w} ({@code [out][in][9]}) as {@code [9][out][in]}, the calling thread's scratch. */
    private static MemorySegment tapMajor(MemorySegment w, long wOffset, int out, int in) {
        MemorySegment taps = CALL.floats(TAP_WEIGHT, 9L * out * in);
        permute(w, wOffset, imageMajor(in, 9), taps, 0, new long[] {in, 1, (long) out * in}, out, in, 9);
        return taps;
    }

    /**
     * Copies {@code batch x channels x hw} floats between two layouts: element {@code (b, c, q)} from
     * {@code from[fromOffset + b * f[0] + c * f[1] + q * f[2]]} to
     * {@code to[toOffset + b * t[0] + c * t[1] + q * t[2]]}.
     */
    private static void permute(MemorySegment from, long fromOffset, long[] f, MemorySegment to, long toOffset,
                                long[] t, int batch, int channels, int hw) {
        // One image per task, or all on the caller when the pool's threads cannot access the segments.
        long grain = Parallel.poolCanAccess(from, to) ? 1 : batch;
        Parallel.get().balancedFor(batch, grain, (lo, hi) -> {
            MemorySegment src = NativeSegments.typed(from);
            MemorySegment dst = NativeSegments.typed(to);
            for (long b = lo; b < hi; b++) {
                for (int c = 0; c < channels; c++) {
                    for (int q = 0; q < hw; q++) {
                        dst.setAtIndex(F32, toOffset + b * t[0] + c * t[1] + q * t[2],
                                src.getAtIndex(F32, fromOffset + b * f[0] + c * f[1] + q * f[2]));
                    }
                }
            }
        });
    }
}
