package org.nnpan.backend;

import org.nnpan.kernels.norm.BatchNormSecondOrder;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Shape;
import org.nnpan.tensor.Storage;
import org.nnpan.tensor.Tensor;

/**
 * The naive backend: every kernel is the textbook loop in double precision over strided element accessors, for any
 * dtype. It is slow and obviously right; the fast backends are tested against it, and float64 gradient checks run on
 * it.
 */
public class ReferenceBackend implements Backend {

    @Override
    public String name() {
        return "reference";
    }

    /** A new contiguous output in the current scope, on this backend, for a kernel that writes every element. */
    protected Tensor alloc(DType dtype, int... shape) {
        return Tensor.uninitialized(MemoryScope.current(), this, dtype, shape);
    }

    /** A new zero-filled output, for kernels that accumulate into it. */
    protected Tensor allocZeroed(DType dtype, int... shape) {
        return Tensor.empty(MemoryScope.current(), this, dtype, shape);
    }

    /** Storage index of the {@code linear}-th element (row-major over {@code shape}) of a strided view. */
    protected static long at(int[] shape, int[] strides, long offset, long linear) {
        long p = offset;
        for (int d = shape.length - 1; d >= 0; d--) {
            int n = shape[d];
            if (n == 0) {
                return p;
            }
            p += (linear % n) * strides[d];
            linear /= n;
        }
        return p;
    }

    /** Reads element {@code linear} of {@code t} viewed with {@code strides} over {@code shape}. */
    private static double read(Tensor t, int[] shape, int[] strides, long linear) {
        return t.storage().getDouble(at(shape, strides, t.offset(), linear));
    }

    @Override
    public void fill(Tensor t, double value) {
        int[] shape = t.shape();
        int[] strides = t.strides();
        long n = t.numel();
        for (long i = 0; i < n; i++) {
            t.storage().setDouble(at(shape, strides, t.offset(), i), value);
        }
    }

    @Override
    public void copyInto(Tensor dst, Tensor src) {
        combineInto(dst, src, false);
    }

    @Override
    public void addInPlace(Tensor dst, Tensor src) {
        combineInto(dst, src, true);
    }

    private void combineInto(Tensor dst, Tensor src, boolean add) {
        int[] shape = dst.shape();
        int[] ds = dst.strides();
        int[] ss = Shape.broadcastStrides(src.shape(), src.strides(), shape);
        long n = dst.numel();
        Storage d = dst.storage();
        for (long i = 0; i < n; i++) {
            long p = at(shape, ds, dst.offset(), i);
            double v = read(src, shape, ss, i);
            d.setDouble(p, add ? d.getDouble(p) + v : v);
        }
    }

    @Override
    public Tensor unary(UnaryOp op, Tensor x) {
        Tensor out = alloc(x.dtype(), x.shape());
        int[] shape = x.shape();
        int[] st = x.strides();
        long n = x.numel();
        for (long i = 0; i < n; i++) {
            out.storage().setDouble(i, op.apply(read(x, shape, st, i)));
        }
        return out;
    }

    @Override
    public Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        int[] shape = Shape.broadcast(op.name().toLowerCase(), a.shape(), b.shape());
        int[] sa = Shape.broadcastStrides(a.shape(), a.strides(), shape);
        int[] sb = Shape.broadcastStrides(b.shape(), b.strides(), shape);
        Tensor out = alloc(a.dtype(), shape);
        long n = out.numel();
        for (long i = 0; i < n; i++) {
            out.storage().setDouble(i, op.apply(read(a, shape, sa, i), read(b, shape, sb, i)));
        }
        return out;
    }

    @Override
    public Tensor where(Tensor cond, Tensor a, Tensor b) {
        int[] shape = Shape.broadcast("where", Shape.broadcast("where", cond.shape(), a.shape()), b.shape());
        int[] sc = Shape.broadcastStrides(cond.shape(), cond.strides(), shape);
        int[] sa = Shape.broadcastStrides(a.shape(), a.strides(), shape);
        int[] sb = Shape.broadcastStrides(b.shape(), b.strides(), shape);
        Tensor out = alloc(a.dtype(), shape);
        long n = out.numel();
        for (long i = 0; i < n; i++) {
            double v = read(cond, shape, sc, i) != 0 ? read(a, shape, sa, i) : read(b, shape, sb, i);
            out.storage().setDouble(i, v);
        }
        return out;
    }

    /** Shape and strides of {@code x} permuted so the kept axes come first and the reduced ones last. */
    private record Split(int[] keptShape, int[] keptStrides, int[] redShape, int[] redStrides) {
        static Split of(Tensor x, int[] axes) {
            int[] shape = x.shape();
            int[] strides = x.strides();
            boolean[] reduce = new boolean[shape.length];
            for (int a : axes) {
                reduce[a] = true;
            }
            int[] ks = new int[shape.length - axes.length];
            int[] kst = new int[ks.length];
            int[] rs = new int[axes.length];
            int[] rst = new int[axes.length];
            for (int i = 0, k = 0, r = 0; i < shape.length; i++) {
                if (reduce[i]) {
                    rs[r] = shape[i];
                    rst[r++] = strides[i];
                } else {
                    ks[k] = shape[i];
                    kst[k++] = strides[i];
                }
            }
            return new Split(ks, kst, rs, rst);
        }
    }

    @Override
    public Tensor reduce(ReduceOp op, Tensor x, int[] axes, boolean keepDim) {
        Split s = Split.of(x, axes);
        Tensor out = alloc(x.dtype(), Shape.reduced(x.shape(), axes, keepDim));
        long outer = Shape.numel(s.keptShape());
        long inner = Shape.numel(s.redShape());
        for (long o = 0; o < outer; o++) {
            long base = at(s.keptShape(), s.keptStrides(), x.offset(), o);
            double acc = op.identity();
            for (long r = 0; r < inner; r++) {
                acc = op.combine(acc, x.storage().getDouble(at(s.redShape(), s.redStrides(), base, r)));
            }
            out.storage().setDouble(o, acc);
        }
        return out;
    }

    @Override
    public Tensor argmax(Tensor x, int axis, boolean keepDim) {
        Split s = Split.of(x, new int[] {axis});
        Tensor out = alloc(DType.I64, Shape.reduced(x.shape(), new int[] {axis}, keepDim));
        long outer = Shape.numel(s.keptShape());
        int len = s.redShape()[0];
        int stride = s.redStrides()[0];
        for (long o = 0; o < outer; o++) {
            long base = at(s.keptShape(), s.keptStrides(), x.offset(), o);
            int best = 0;
            double bestV = Double.NEGATIVE_INFINITY;
            for (int r = 0; r < len; r++) {
                double v = x.storage().getDouble(base + (long) r * stride);
                if (v > bestV || (r == 0)) {
                    best = r;
                    bestV = v;
                }
            }
            out.storage().setDouble(o, best);
        }
        return out;
    }

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        int batch = a.size(0);
        int m = a.size(1);
        int k = a.size(2);
        int n = b.size(2);
        Tensor out = alloc(a.dtype(), batch, m, n);
        int[] as = a.strides();
        int[] bs = b.strides();
        Storage sa = a.storage();
        Storage sb = b.storage();
        for (int p = 0; p < batch; p++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int q = 0; q < k; q++) {
                        acc += sa.getDouble(a.offset() + (long) p * as[0] + (long) i * as[1] + (long) q * as[2])
                                * sb.getDouble(b.offset() + (long) p * bs[0] + (long) q * bs[1] + (long) j * bs[2]);
                    }
                    out.storage().setDouble(((long) p * m + i) * n + j, acc);
                }
            }
        }
        return out;
    }

    /** Visits every (input position, weight position, output position) triple of a convolution. */
    @FunctionalInterface
    private interface ConvVisitor {
        void visit(long xIndex, long wIndex, long yIndex);
    }

    /** Walks all multiply-adds of a convolution of x [N,C,H,W] by w [O,C,KH,KW] over contiguous index spaces. */
    private static void forEachConvTap(int[] xs, int[] ws, Conv2dGeometry g, ConvVisitor v) {
        int n = xs[0];
        int c = xs[1];
        int h = xs[2];
        int w = xs[3];
        int o = ws[0];
        int oh = g.outH(h);
        int ow = g.outW(w);
        for (int b = 0; b < n; b++) {
            for (int oc = 0; oc < o; oc++) {
                for (int y = 0; y < oh; y++) {
                    for (int xq = 0; xq < ow; xq++) {
                        long yi = (((long) b * o + oc) * oh + y) * ow + xq;
                        for (int ic = 0; ic < c; ic++) {
                            for (int i = 0; i < g.kh(); i++) {
                                int iy = y * g.sh() - g.ph() + i;
                                if (iy < 0 || iy >= h) {
                                    continue;
                                }
                                for (int j = 0; j < g.kw(); j++) {
                                    int ix = xq * g.sw() - g.pw() + j;
                                    if (ix < 0 || ix >= w) {
                                        continue;
                                    }
                                    long xi = (((long) b * c + ic) * h + iy) * w + ix;
                                    long wi = (((long) oc * c + ic) * g.kh() + i) * g.kw() + j;
                                    v.visit(xi, wi, yi);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Override
    public Tensor conv2d(Tensor x, Tensor w, Conv2dGeometry g) {
        Tensor xc = dense(x);
        Tensor wc = dense(w);
        int[] xs = x.shape();
        Tensor out = alloc(x.dtype(), xs[0], w.size(0), g.outH(xs[2]), g.outW(xs[3]));
        double[] acc = new double[Math.toIntExact(out.numel())];
        forEachConvTap(xs, w.shape(), g, (xi, wi, yi) ->
                acc[(int) yi] += xc.storage().getDouble(xc.offset() + xi) * wc.storage().getDouble(wc.offset() + wi));
        return fromDoubles(out, acc);
    }

    @Override
    public Tensor conv2dInputGrad(Tensor gy, Tensor w, int[] inputShape, Conv2dGeometry g) {
        Tensor gc = dense(gy);
        Tensor wc = dense(w);
        Tensor out = alloc(gy.dtype(), inputShape);
        double[] acc = new double[Math.toIntExact(out.numel())];
        forEachConvTap(inputShape, w.shape(), g, (xi, wi, yi) ->
                acc[(int) xi] += gc.storage().getDouble(gc.offset() + yi) * wc.storage().getDouble(wc.offset() + wi));
        return fromDoubles(out, acc);
    }

    @Override
    public Tensor conv2dWeightGrad(Tensor x, Tensor gy, int[] weightShape, Conv2dGeometry g) {
        Tensor xc = dense(x);
        Tensor gc = dense(gy);
        Tensor out = alloc(x.dtype(), weightShape);
        double[] acc = new double[Math.toIntExact(out.numel())];
        forEachConvTap(x.shape(), weightShape, g, (xi, wi, yi) ->
                acc[(int) wi] += xc.storage().getDouble(xc.offset() + xi) * gc.storage().getDouble(gc.offset() + yi));
        return fromDoubles(out, acc);
    }

    private static Tensor fromDoubles(Tensor out, double[] values) {
        for (int i = 0; i < values.length; i++) {
            out.storage().setDouble(i, values[i]);
        }
        return out;
    }

    /** Visits every (input plane index, output index) pair of a pooling window; padding positions are skipped. */
    @FunctionalInterface
    private interface WindowVisitor {
        void visit(long plane, int inIndex, long outIndex, int windowSize);
    }

    private static void forEachWindowTap(int[] xs, Conv2dGeometry g, boolean countIncludePad, WindowVisitor v) {
        int h = xs[2];
        int w = xs[3];
        int oh = g.outH(h);
        int ow = g.outW(w);
        long planes = (long) xs[0] * xs[1];
        for (long p = 0; p < planes; p++) {
            for (int y = 0; y < oh; y++) {
                for (int xq = 0; xq < ow; xq++) {
                    int y0 = y * g.sh() - g.ph();
                    int x0 = xq * g.sw() - g.pw();
                    int y1 = Math.min(y0 + g.kh(), h + g.ph());
                    int x1 = Math.min(x0 + g.kw(), w + g.pw());
                    int size = countIncludePad ? (y1 - y0) * (x1 - x0)
                            : (Math.min(y1, h) - Math.max(y0, 0)) * (Math.min(x1, w) - Math.max(x0, 0));
                    long oi = (p * oh + y) * ow + xq;
                    for (int iy = Math.max(y0, 0); iy < Math.min(y1, h); iy++) {
                        for (int ix = Math.max(x0, 0); ix < Math.min(x1, w); ix++) {
                            v.visit(p, iy * w + ix, oi, size);
                        }
                    }
                }
            }
        }
    }

    @Override
    public Tensor maxPool2dIndices(Tensor x, Conv2dGeometry g) {
        Tensor xc = dense(x);
        int[] xs = x.shape();
        int hw = xs[2] * xs[3];
        Tensor out = alloc(DType.I64, xs[0], xs[1], g.outH(xs[2]), g.outW(xs[3]));
        double[] best = new double[Math.toIntExact(out.numel())];
        java.util.Arrays.fill(best, Double.NaN);
        forEachWindowTap(xs, g, false, (p, in, oi, size) -> {
            double v = xc.storage().getDouble(xc.offset() + p * hw + in);
            if (Double.isNaN(best[(int) oi]) || v > best[(int) oi]) {
                best[(int) oi] = v;
                out.storage().setDouble(oi, in);
            }
        });
        return out;
    }

    @Override
    public Tensor planeGather(Tensor x, Tensor idx) {
        Tensor xc = dense(x);
        Tensor ic = dense(idx);
        int[] is = idx.shape();
        int hw = x.size(2) * x.size(3);
        int per = is[2] * is[3];
        Tensor out = alloc(x.dtype(), is);
        long n = out.numel();
        for (long i = 0; i < n; i++) {
            long plane = i / per;
            long src = plane * hw + (long) ic.storage().getDouble(ic.offset() + i);
            out.storage().setDouble(i, xc.storage().getDouble(xc.offset() + src));
        }
        return out;
    }

    @Override
    public Tensor planeScatterAdd(Tensor g, Tensor idx, int[] inputShape) {
        Tensor gc = dense(g);
        Tensor ic = dense(idx);
        int[] is = idx.shape();
        int hw = inputShape[2] * inputShape[3];
        int per = is[2] * is[3];
        Tensor out = allocZeroed(g.dtype(), inputShape);
        long n = gc.numel();
        for (long i = 0; i < n; i++) {
            long dst = (i / per) * hw + (long) ic.storage().getDouble(ic.offset() + i);
            out.storage().setDouble(dst, out.storage().getDouble(dst) + gc.storage().getDouble(gc.offset() + i));
        }
        return out;
    }

    @Override
    public Tensor avgPool2d(Tensor x, Conv2dGeometry g, boolean countIncludePad) {
        Tensor xc = dense(x);
        int[] xs = x.shape();
        int hw = xs[2] * xs[3];
        Tensor out = alloc(x.dtype(), xs[0], xs[1], g.outH(xs[2]), g.outW(xs[3]));
        double[] acc = new double[Math.toIntExact(out.numel())];
        forEachWindowTap(xs, g, countIncludePad, (p, in, oi, size) ->
                acc[(int) oi] += xc.storage().getDouble(xc.offset() + p * hw + in) / size);
        return fromDoubles(out, acc);
    }

    @Override
    public Tensor avgPool2dAdjoint(Tensor gy, int[] inputShape, Conv2dGeometry g, boolean countIncludePad) {
        Tensor gc = dense(gy);
        int hw = inputShape[2] * inputShape[3];
        Tensor out = alloc(gy.dtype(), inputShape);
        double[] acc = new double[Math.toIntExact(out.numel())];
        forEachWindowTap(inputShape, g, countIncludePad, (p, in, oi, size) ->
                acc[(int) (p * hw + in)] += gc.storage().getDouble(gc.offset() + oi) / size);
        return fromDoubles(out, acc);
    }

    /** PyTorch's adaptive bin {@code [start, end)} for output cell {@code i} of {@code out} over {@code in}. */
    private static int binStart(int i, int in, int out) {
        return (int) Math.floor((double) i * in / out);
    }

    private static int binEnd(int i, int in, int out) {
        return (int) Math.ceil((double) (i + 1) * in / out);
    }

    /** Visits every (plane, input index, output index, bin size) of adaptive average pooling. */
    private static void forEachAdaptiveTap(int[] xs, int oh, int ow, WindowVisitor v) {
        int h = xs[2];
        int w = xs[3];
        long planes = (long) xs[0] * xs[1];
        for (long p = 0; p < planes; p++) {
            for (int y = 0; y < oh; y++) {
                int y0 = binStart(y, h, oh);
                int y1 = binEnd(y, h, oh);
                for (int xq = 0; xq < ow; xq++) {
                    int x0 = binStart(xq, w, ow);
                    int x1 = binEnd(xq, w, ow);
                    long oi = (p * oh + y) * ow + xq;
                    int size = (y1 - y0) * (x1 - x0);
                    for (int iy = y0; iy < y1; iy++) {
                        for (int ix = x0; ix < x1; ix++) {
                            v.visit(p, iy * w + ix, oi, size);
                        }
                    }
                }
            }
        }
    }

    @Override
    public Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) {
        Tensor xc = dense(x);
        int[] xs = x.shape();
        int hw = xs[2] * xs[3];
        Tensor out = alloc(x.dtype(), xs[0], xs[1], outH, outW);
        double[] acc = new double[Math.toIntExact(out.numel())];
        forEachAdaptiveTap(xs, outH, outW, (p, in, oi, size) ->
                acc[(int) oi] += xc.storage().getDouble(xc.offset() + p * hw + in) / size);
        return fromDoubles(out, acc);
    }

    @Override
    public Tensor adaptiveAvgPool2dAdjoint(Tensor gy, int[] inputShape) {
        Tensor gc = dense(gy);
        int hw = inputShape[2] * inputShape[3];
        Tensor out = alloc(gy.dtype(), inputShape);
        double[] acc = new double[Math.toIntExact(out.numel())];
        forEachAdaptiveTap(inputShape, gy.size(2), gy.size(3), (p, in, oi, size) ->
                acc[(int) (p * hw + in)] += gc.storage().getDouble(gc.offset() + oi) / size);
        return fromDoubles(out, acc);
    }

    /** Channel count, elements per channel per sample, and sample count of an [N, C, ...] tensor. */
    private static int[] channelGeometry(Tensor x) {
        int n = x.size(0);
        int c = x.size(1);
        return new int[] {n, c, (int) (x.numel() / ((long) n * c))};
    }

    /** Element {@code c} of a [C] tensor (γ, β, a per-channel gradient), or {@code dflt} when it is null. */
    protected static double valueOr(Tensor t, int c, double dflt) {
        return t == null ? dflt : t.storage().getDouble(t.offset() + (long) c * t.strides()[0]);
    }

    @Override
    public Tensor[] batchNormForward(Tensor x, Tensor gamma, Tensor beta, double eps) {
        Tensor xc = dense(x);
        int[] g = channelGeometry(x);
        int n = g[0];
        int c = g[1];
        int inner = g[2];
        Tensor y = alloc(x.dtype(), x.shape());
        Tensor mean = alloc(x.dtype(), c);
        Tensor invStd = alloc(x.dtype(), c);
        Storage in = xc.storage();
        long count = (long) n * inner;
        for (int ch = 0; ch < c; ch++) {
            double s = 0;
            for (int b = 0; b < n; b++) {
                long base = xc.offset() + ((long) b * c + ch) * inner;
                for (int i = 0; i < inner; i++) {
                    s += in.getDouble(base + i);
                }
            }
            double m = s / count;
            double v = 0;
            for (int b = 0; b < n; b++) {
                long base = xc.offset() + ((long) b * c + ch) * inner;
                for (int i = 0; i < inner; i++) {
                    double d = in.getDouble(base + i) - m;
                    v += d * d;
                }
            }
            double is = 1 / Math.sqrt(v / count + eps);
            double scale = is * valueOr(gamma, ch, 1);
            double shift = valueOr(beta, ch, 0) - m * scale;
            for (int b = 0; b < n; b++) {
                long off = ((long) b * c + ch) * inner;
                for (int i = 0; i < inner; i++) {
                    y.storage().setDouble(off + i, in.getDouble(xc.offset() + off + i) * scale + shift);
                }
            }
            mean.storage().setDouble(ch, m);
            invStd.storage().setDouble(ch, is);
        }
        return new Tensor[] {y, mean, invStd};
    }

    @Override
    public Tensor[] batchNormBackward(Tensor gy, Tensor x, Tensor gamma, Tensor mean, Tensor invStd) {
        Tensor xc = dense(x);
        Tensor gc = dense(gy);
        int[] g = channelGeometry(x);
        int n = g[0];
        int c = g[1];
        int inner = g[2];
        long count = (long) n * inner;
        Tensor gx = alloc(x.dtype(), x.shape());
        Tensor gGamma = alloc(x.dtype(), c);
        Tensor gBeta = alloc(x.dtype(), c);
        for (int ch = 0; ch < c; ch++) {
            double m = mean.storage().getDouble(ch);
            double is = invStd.storage().getDouble(ch);
            double sumG = 0;
            double sumGX = 0;
            for (int b = 0; b < n; b++) {
                long off = ((long) b * c + ch) * inner;
                for (int i = 0; i < inner; i++) {
                    double gv = gc.storage().getDouble(gc.offset() + off + i);
                    sumG += gv;
                    sumGX += gv * (xc.storage().getDouble(xc.offset() + off + i) - m) * is;
                }
            }
            double gam = valueOr(gamma, ch, 1);
            // dx = gamma * invStd / count * (count * g - sum(g) - xhat * sum(g * xhat))
            double k = gam * is / count;
            for (int b = 0; b < n; b++) {
                long off = ((long) b * c + ch) * inner;
                for (int i = 0; i < inner; i++) {
                    double xhat = (xc.storage().getDouble(xc.offset() + off + i) - m) * is;
                    double gv = gc.storage().getDouble(gc.offset() + off + i);
                    gx.storage().setDouble(off + i, k * (count * gv - sumG - xhat * sumGX));
                }
            }
            gGamma.storage().setDouble(ch, sumGX);
            gBeta.storage().setDouble(ch, sumG);
        }
        return new Tensor[] {gx, gGamma, gBeta};
    }

    /** The textbook formulas of {@link BatchNormSecondOrder} over one channel's values at a time. */
    @Override
    public Tensor[] batchNormSecondOrder(BatchNormSecondOrder.Of of, Tensor upstream, Tensor g, Tensor x, Tensor gamma,
            double eps, boolean[] wanted) {
        Tensor xc = dense(x);
        Tensor gc = dense(g);
        Tensor uc = of == BatchNormSecondOrder.Of.X ? dense(upstream) : null;
        int c = x.size(1);
        Tensor dg = wanted[0] ? alloc(x.dtype(), x.shape()) : null;
        Tensor dx = wanted[1] && of != BatchNormSecondOrder.Of.BETA ? alloc(x.dtype(), x.shape()) : null;
        Tensor dGamma = wanted[2] && of == BatchNormSecondOrder.Of.X ? alloc(x.dtype(), c) : null;
        for (int ch = 0; ch < c; ch++) {
            double[] xv = channelValues(xc, ch);
            double[] gv = channelValues(gc, ch);
            int m = xv.length;
            double mean = mean(xv, null);
            double var = 0;
            for (double v : xv) {
                var += (v - mean) * (v - mean);
            }
            double a = 1 / Math.sqrt(var / m + eps);
            double[] xhat = new double[m];
            for (int k = 0; k < m; k++) {
                xhat[k] = (xv[k] - mean) * a;
            }
            double gam = valueOr(gamma, ch, 1);
            double meanG = mean(gv, null);
            double meanGXhat = mean(gv, xhat);
            double[] dgv = new double[m];
            double[] dxv = new double[m];
            if (of == BatchNormSecondOrder.Of.X) {
                double[] uv = channelValues(uc, ch);
                double meanU = mean(uv, null);
                double meanUXhat = mean(uv, xhat);
                double meanUG = mean(uv, gv);
                double sumUDx = 0;
                for (int k = 0; k < m; k++) {
                    dgv[k] = gam * a * (uv[k] - meanU - xhat[k] * meanUXhat);
                    dxv[k] = gam * a * a * (-xhat[k] * (meanUG - meanU * meanG) + 3 * xhat[k] * meanGXhat * meanUXhat
                            - (gv[k] - meanG) * meanUXhat - (uv[k] - meanU) * meanGXhat);
                    sumUDx += uv[k] * (gv[k] - meanG - xhat[k] * meanGXhat);
                }
                if (dGamma != null) {
                    dGamma.storage().setDouble(ch, a * sumUDx);
                }
            } else {
                double s = valueOr(upstream, ch, 0);
                boolean ofGamma = of == BatchNormSecondOrder.Of.GAMMA;
                for (int k = 0; k < m; k++) {
                    dgv[k] = ofGamma ? s * xhat[k] : s;
                    dxv[k] = ofGamma ? s * a * (gv[k] - meanG - xhat[k] * meanGXhat) : 0;
                }
            }
            setChannelValues(dg, ch, dgv);
            setChannelValues(dx, ch, dxv);
        }
        return new Tensor[] {dg, dx, dGamma};
    }

    /** Channel {@code ch} of a contiguous [N, C, ...] tensor, in storage order. */
    private static double[] channelValues(Tensor t, int ch) {
        int[] g = channelGeometry(t);
        double[] v = new double[Math.toIntExact((long) g[0] * g[2])];
        for (int b = 0; b < g[0]; b++) {
            long base = t.offset() + ((long) b * g[1] + ch) * g[2];
            for (int i = 0; i < g[2]; i++) {
                v[b * g[2] + i] = t.storage().getDouble(base + i);
            }
        }
        return v;
    }

    /** Writes {@code v} into channel {@code ch} of {@code t} (a new contiguous tensor), unless {@code t} is null. */
    private static void setChannelValues(Tensor t, int ch, double[] v) {
        if (t == null) {
            return;
        }
        int[] g = channelGeometry(t);
        for (int b = 0; b < g[0]; b++) {
            long base = ((long) b * g[1] + ch) * g[2];
            for (int i = 0; i < g[2]; i++) {
                t.storage().setDouble(base + i, v[b * g[2] + i]);
            }
        }
    }

    /** The mean of {@code a}, or of {@code a·b} elementwise when {@code b} is not null. */
    private static double mean(double[] a, double[] b) {
        double s = 0;
        for (int k = 0; k < a.length; k++) {
            s += b == null ? a[k] : a[k] * b[k];
        }
        return s / a.length;
    }
}
