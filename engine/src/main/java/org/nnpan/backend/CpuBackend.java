package org.nnpan.backend;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.DoubleBinaryOperator;
import org.nnpan.kernels.conv.BatchConv;
import org.nnpan.kernels.conv.BatchConvs;
import org.nnpan.kernels.conv.ConvGeometry;
import org.nnpan.kernels.conv.Im2col;
import org.nnpan.kernels.elementwise.Elementwise;
import org.nnpan.kernels.elementwise.ElementwiseKernels;
import org.nnpan.kernels.gemm.Gemm;
import org.nnpan.kernels.gemm.Gemms;
import org.nnpan.kernels.norm.BatchNormKernel;
import org.nnpan.kernels.norm.BatchNormKernels;
import org.nnpan.kernels.norm.BatchNormSecondOrder;
import org.nnpan.kernels.parallel.Parallel;
import org.nnpan.kernels.pool.MaxPoolIndices;
import org.nnpan.kernels.pool.MaxPoolKernels;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Shape;
import org.nnpan.tensor.Tensor;

/**
 * The production CPU backend: float32 fast paths (merged-dimension loops, the element-wise kernels, the intra-op
 * thread pool, GEMM-based matmul and convolution) over the {@link ReferenceBackend}, which still serves every other
 * case (int64, float64 reductions and pooling). Float64, which SynFlow and the path analysis run in, has fast
 * elementwise arithmetic, fills, copies, matmul and convolution.
 */
public class CpuBackend extends ReferenceBackend {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE;
    /** The ops with dedicated loops on dense and scalar runs. */
    private static final Set<BinaryOp> ARITHMETIC = EnumSet.of(BinaryOp.ADD, BinaryOp.SUB, BinaryOp.MUL, BinaryOp.DIV);
    /** Elements per task below which splitting work across threads costs more than it saves. */
    private static final long GRAIN = 1 << 15;
    /** The hot element-wise loops (Vector API where available). */
    private static final Elementwise ELEMENTWISE = ElementwiseKernels.best();
    /** The common 2×2, stride-2, unpadded max pooling's window scan. */
    private static final MaxPoolIndices MAX_POOL = MaxPoolKernels.best();

    @Override
    public String name() {
        return "cpu";
    }

    private static boolean f32(Tensor... ts) {
        for (Tensor t : ts) {
            if (t.dtype() != DType.F32) {
                return false;
            }
        }
        return true;
    }

    /** A float function of two arguments; each call site passes a constant so the JIT can inline it into the loop. */
    @FunctionalInterface
    private interface FloatBinary {
        float apply(float a, float b);
    }

    /** A float function of one argument. */
    @FunctionalInterface
    private interface FloatUnary {
        float apply(float x);
    }

    private static FloatBinary floatFn(BinaryOp op) {
        return switch (op) {
            case ADD -> new Fast(op, Elementwise.Arithmetic.ADD, (a, b) -> a + b);
            case SUB -> new Fast(op, Elementwise.Arithmetic.SUB, (a, b) -> a - b);
            case MUL -> new Fast(op, Elementwise.Arithmetic.MUL, (a, b) -> a * b);
            case DIV -> new Fast(op, Elementwise.Arithmetic.DIV, (a, b) -> a / b);
            case MAX -> Math::max;
            case MIN -> Math::min;
            case GT -> (a, b) -> a > b ? 1f : 0f;
            case GE -> (a, b) -> a >= b ? 1f : 0f;
            case LT -> (a, b) -> a < b ? 1f : 0f;
            case LE -> (a, b) -> a <= b ? 1f : 0f;
            case EQ -> (a, b) -> a == b ? 1f : 0f;
            case POW -> (a, b) -> (float) Math.pow(a, b);
        };
    }

    private static FloatUnary floatFn(UnaryOp op) {
        return switch (op) {
            case NEG -> x -> -x;
            case ABS -> Math::abs;
            case SIGN -> Math::signum;
            case RELU -> x -> x > 0 ? x : 0f;
            case STEP -> x -> x > 0 ? 1f : 0f;
            case EXP -> x -> (float) Math.exp(x);
            case LOG -> x -> (float) Math.log(x);
            case SQRT -> x -> (float) Math.sqrt(x);
            case SIGMOID, TANH -> x -> (float) op.apply(x);
        };
    }

    @Override
    public void fill(Tensor t, double value) {
        if (!t.dtype().isFloating() || !t.isContiguous()) {
            super.fill(t, value);
            return;
        }
        int width = t.dtype().byteSize();
        t.storage().segment().asSlice(t.offset() * width, t.numel() * width).fill((byte) 0);
        if (value != 0) {
            MemorySegment s = t.storage().segment();
            long base = t.offset();
            boolean f64 = t.dtype() == DType.F64;
            Parallel.get().balancedFor(t.numel(), GRAIN, (lo, hi) -> {
                for (long i = lo; i < hi; i++) {
                    if (f64) {
                        s.setAtIndex(D, base + i, value);
                    } else {
                        s.setAtIndex(F, base + i, (float) value);
                    }
                }
            });
        }
    }

    @Override
    public void copyInto(Tensor dst, Tensor src) {
        if (dst.dtype() == src.dtype() && dst.dtype().isFloating() && dst.isContiguous() && src.isContiguous()
                && dst.sameShape(src)) {
            int width = dst.dtype().byteSize();
            MemorySegment.copy(src.storage().segment(), src.offset() * width, dst.storage().segment(),
                    dst.offset() * width, dst.numel() * width);
            return;
        }
        if (!f32(dst, src)) {
            if (dst.dtype().isFloating() && src.dtype().isFloating()) {
                runDoubleInto(layout(dst, dst, src), null, (a, b) -> b, dst, dst, src);
            } else {
                super.copyInto(dst, src);
            }
            return;
        }
        int[] shape = dst.shape();
        StridedLayout l = StridedLayout.of(shape, dst.strides(), dst.strides(), Shape.broadcastStrides(src.shape(), src.strides(), shape));
        MemorySegment so = dst.storage().segment();
        MemorySegment sb = src.storage().segment();
        // Its own loop, not a binary op's per-element call: contiguous() of a transposed gradient copies every weight.
        forEachRun(l, dst, dst, src, (oo, os, ao, as, bo, bs, n) -> {
            for (int i = 0; i < n; i++) {
                so.setAtIndex(F, oo + (long) i * os, sb.getAtIndex(F, bo + (long) i * bs));
            }
        });
    }

    @Override
    public void addInPlace(Tensor dst, Tensor src) {
        if (!f32(dst, src)) {
            if (dst.dtype().isFloating() && src.dtype().isFloating()) {
                runDoubleInto(layout(dst, dst, src), BinaryOp.ADD, Double::sum, dst, dst, src);
            } else {
                super.addInPlace(dst, src);
            }
            return;
        }
        int[] shape = dst.shape();
        StridedLayout l = StridedLayout.of(shape, dst.strides(), dst.strides(), Shape.broadcastStrides(src.shape(), src.strides(), shape));
        runBinaryInto(l, floatFn(BinaryOp.ADD), dst, dst, src);
    }

    @Override
    public Tensor unary(UnaryOp op, Tensor x) {
        if (!x.dtype().isFloating()) {
            return super.unary(op, x);
        }
        Tensor xd = dense(x);
        Tensor out = alloc(x.dtype(), x.shape());
        MemorySegment in = xd.storage().segment();
        MemorySegment o = out.storage().segment();
        long base = xd.offset();
        if (x.dtype() == DType.F64) {
            Parallel.get().balancedFor(out.numel(), GRAIN, (lo, hi) -> doubleUnaryLoop(op, in, base, o, lo, hi));
            return out;
        }
        FloatUnary f = floatFn(op);
        Parallel.get().balancedFor(out.numel(), GRAIN, (lo, hi) -> unaryLoop(op, f, in, base, o, lo, hi));
        return out;
    }

    /** Like {@link #binaryRun}: ReLU and its derivative, the hot unary ops, run in the element-wise kernels. */
    private static void unaryLoop(UnaryOp op, FloatUnary f, MemorySegment in, long base, MemorySegment o, long lo, long hi) {
        int n = (int) (hi - lo);
        switch (op) {
            case RELU -> ELEMENTWISE.reluF32(o, lo, in, base + lo, n);
            case STEP -> ELEMENTWISE.stepF32(o, lo, in, base + lo, n);
            default -> { for (long i = lo; i < hi; i++) { o.setAtIndex(F, i, f.apply(in.getAtIndex(F, base + i))); } }
        }
    }

    /** {@link #unaryLoop} in float64, with SynFlow's hot ops (ReLU, its derivative, |x|) in the kernels. */
    private static void doubleUnaryLoop(UnaryOp op, MemorySegment in, long base, MemorySegment o, long lo, long hi) {
        int n = (int) (hi - lo);
        switch (op) {
            case RELU -> ELEMENTWISE.reluF64(o, lo, in, base + lo, n);
            case STEP -> ELEMENTWISE.stepF64(o, lo, in, base + lo, n);
            case ABS -> ELEMENTWISE.absF64(o, lo, in, base + lo, n);
            default -> { for (long i = lo; i < hi; i++) { o.setAtIndex(D, i, op.apply(in.getAtIndex(D, base + i))); } }
        }
    }

    @Override
    public Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        if (a.dtype() == DType.F64 && b.dtype() == DType.F64) {
            Tensor out = alloc(DType.F64, Shape.broadcast(op.name().toLowerCase(), a.shape(), b.shape()));
            runDoubleInto(layout(out, a, b), op, op::apply, out, a, b);
            return out;
        }
        if (!f32(a, b)) {
            return super.binary(op, a, b);
        }
        int[] shape = Shape.broadcast(op.name().toLowerCase(), a.shape(), b.shape());
        Tensor out = alloc(DType.F32, shape);
        StridedLayout l = StridedLayout.of(shape, out.strides(),
                Shape.broadcastStrides(a.shape(), a.strides(), shape),
                Shape.broadcastStrides(b.shape(), b.strides(), shape));
        runBinaryInto(l, floatFn(op), out, a, b);
        return out;
    }

    /**
     * One output tensor instead of a step mask and a product, in the element-wise kernel (one pass with the Vector
     * API): g·1 or g·0 per element, the floats of the two ops (signed zeros and NaN kept). One kernel method per
     * dtype: with one loop shared by the float64 calls (SynFlow, path analysis) and the float32 calls of a panning
     * step, C2 could leave a bounds check per element in it.
     */
    @Override
    public Tensor reluBackward(Tensor g, Tensor y) {
        if (!g.dtype().isFloating() || g.dtype() != y.dtype() || !g.isContiguous() || !y.isContiguous()
                || !g.sameShape(y)) {
            return super.reluBackward(g, y);
        }
        Tensor out = alloc(g.dtype(), g.shape());
        MemorySegment gs = g.storage().segment();
        MemorySegment ys = y.storage().segment();
        MemorySegment o = out.storage().segment();
        long go = g.offset();
        long yo = y.offset();
        Parallel.get().balancedFor(out.numel(), GRAIN, g.dtype() == DType.F64
                ? (lo, hi) -> ELEMENTWISE.reluBackwardF64(o, lo, gs, go + lo, ys, yo + lo, (int) (hi - lo))
                : (lo, hi) -> ELEMENTWISE.reluBackwardF32(o, lo, gs, go + lo, ys, yo + lo, (int) (hi - lo)));
        return out;
    }

    /**
     * One pass instead of the sum's tensor and ReLU's; the same floats. Two shapes run in it: {@code b} of
     * {@code a}'s shape (a residual block) and {@code b} one row repeated over {@code a}'s rows (a linear layer's
     * bias); others take the two separate ops.
     */
    @Override
    public Tensor addRelu(Tensor a, Tensor b) {
        boolean rowBias = b.dim() >= 1 && b.dim() <= a.dim() && a.size(-1) > 0 && b.numel() == a.size(-1)
                && b.size(-1) == a.size(-1);
        if (!f32(a, b) || !a.isContiguous() || !b.isContiguous() || !(a.sameShape(b) || rowBias)) {
            return super.addRelu(a, b);
        }
        Tensor out = alloc(DType.F32, a.shape());
        MemorySegment as = a.storage().segment();
        MemorySegment bs = b.storage().segment();
        MemorySegment o = out.storage().segment();
        long ao = a.offset();
        long bo = b.offset();
        if (a.sameShape(b)) {
            Parallel.get().balancedFor(out.numel(), GRAIN,
                    (lo, hi) -> ELEMENTWISE.addReluF32(o, lo, as, ao + lo, bs, bo + lo, (int) (hi - lo)));
            return out;
        }
        int width = a.size(-1);
        long rows = out.numel() / width;
        Parallel.get().balancedFor(rows, Math.max(1, GRAIN / width), (lo, hi) -> {
            for (long r = lo; r < hi; r++) {
                long row = r * width;
                ELEMENTWISE.addReluF32(o, row, as, ao + row, bs, bo, width);
            }
        });
        return out;
    }

    @Override
    public Tensor where(Tensor cond, Tensor a, Tensor b) {
        int[] shape = Shape.broadcast("where", Shape.broadcast("where", cond.shape(), a.shape()), b.shape());
        boolean bScalar = b.numel() == 1;
        if (!f32(cond, a, b) || !cond.isContiguous() || !a.isContiguous() || !cond.sameShape(a) || a.dim() != shape.length
                || !(bScalar || (b.isContiguous() && b.sameShape(a)))) {
            return super.where(cond, a, b);
        }
        // The common case, e.g. scores where a mask keeps a weight and −∞ elsewhere (each step of a pruning schedule).
        Tensor out = alloc(DType.F32, shape);
        MemorySegment c = cond.storage().segment();
        MemorySegment x = a.storage().segment();
        MemorySegment y = b.storage().segment();
        MemorySegment o = out.storage().segment();
        long bStep = bScalar ? 0 : 1;
        Parallel.get().balancedFor(out.numel(), GRAIN, (lo, hi) -> {
            for (long i = lo; i < hi; i++) {
                o.setAtIndex(F, i, c.getAtIndex(F, cond.offset() + i) != 0 ? x.getAtIndex(F, a.offset() + i)
                        : y.getAtIndex(F, b.offset() + i * bStep));
            }
        });
        return out;
    }

    /** One inner run of an elementwise kernel: element offsets and strides of out, a and b, and the length. */
    @FunctionalInterface
    private interface RunKernel {
        void run(long oo, int os, long ao, int as, long bo, int bs, int n);
    }

    /** Runs {@code k} over every inner run of the merged layout {@code l} (operands 0 = out, 1 = a, 2 = b). */
    private static void forEachRun(StridedLayout l, Tensor out, Tensor a, Tensor b, RunKernel k) {
        int inner = l.inner();
        int io = l.innerStride(0);
        int ia = l.innerStride(1);
        int ib = l.innerStride(2);
        long runs = l.outer();
        if (runs == 1) {
            // One long run: split the run itself across threads.
            Parallel.get().balancedFor(inner, GRAIN, (lo, hi) -> k.run(out.offset() + lo * io, io,
                    a.offset() + lo * ia, ia, b.offset() + lo * ib, ib, (int) (hi - lo)));
            return;
        }
        Parallel.get().balancedFor(runs, Math.max(1, GRAIN / Math.max(1, inner)), (lo, hi) -> {
            for (long r = lo; r < hi; r++) {
                k.run(out.offset() + l.outerOffset(0, r), io, a.offset() + l.outerOffset(1, r), ia,
                        b.offset() + l.outerOffset(2, r), ib, inner);
            }
        });
    }

    /** out[i] = f(a[i], b[i]) in float32 over the merged layout {@code l}. */
    private static void runBinaryInto(StridedLayout l, FloatBinary f, Tensor out, Tensor a, Tensor b) {
        MemorySegment so = out.storage().segment();
        MemorySegment sa = a.storage().segment();
        MemorySegment sb = b.storage().segment();
        forEachRun(l, out, a, b, (oo, os, ao, as, bo, bs, n) -> binaryRun(f, so, oo, os, sa, ao, as, sb, bo, bs, n));
    }

    /**
     * out[i] = f(a[i], b[i]) computed in double for float32/float64 operands in any mix (float64 kernels and
     * conversions: SynFlow and the path analysis run in float64), free of the reference backend's per-element index
     * arithmetic. {@code op} is f itself or null; when all three tensors are float64, its arithmetic on dense runs
     * (against a dense or a broadcast scalar b) gets {@link #doubleRun}'s loops instead of a call per element.
     */
    private static void runDoubleInto(StridedLayout l, BinaryOp op, DoubleBinaryOperator f, Tensor out, Tensor a, Tensor b) {
        MemorySegment so = out.storage().segment();
        MemorySegment sa = a.storage().segment();
        MemorySegment sb = b.storage().segment();
        boolean o32 = out.dtype() == DType.F32;
        boolean a32 = a.dtype() == DType.F32;
        boolean b32 = b.dtype() == DType.F32;
        boolean arithmetic = op != null && ARITHMETIC.contains(op);
        BinaryOp fast = arithmetic && out.dtype() == DType.F64 && a.dtype() == DType.F64 && b.dtype() == DType.F64 ? op : null;
        forEachRun(l, out, a, b, (oo, os, ao, as, bo, bs, n) -> {
            if (fast != null && os == 1 && as == 1 && (bs == 1 || bs == 0)) {
                doubleRun(fast, so, oo, sa, ao, sb, bo, bs, n);
                return;
            }
            for (int i = 0; i < n; i++) {
                long ai = ao + (long) i * as;
                long bi = bo + (long) i * bs;
                double v = f.applyAsDouble(a32 ? sa.getAtIndex(F, ai) : sa.getAtIndex(D, ai),
                        b32 ? sb.getAtIndex(F, bi) : sb.getAtIndex(D, bi));
                long oi = oo + (long) i * os;
                if (o32) {
                    so.setAtIndex(F, oi, (float) v);
                } else {
                    so.setAtIndex(D, oi, v);
                }
            }
        });
    }

    /**
     * The element-wise kernels' dense and scalar arithmetic in float64 (plain loops): b is dense ({@code bs == 1}) or
     * one value ({@code 0}).
     */
    private static void doubleRun(BinaryOp op, MemorySegment o, long oo, MemorySegment a, long ao, MemorySegment b,
            long bo, int bs, int n) {
        if (bs == 0) {
            double y = b.getAtIndex(D, bo);
            switch (op) {
                case ADD -> { for (int i = 0; i < n; i++) { o.setAtIndex(D, oo + i, a.getAtIndex(D, ao + i) + y); } }
                case SUB -> { for (int i = 0; i < n; i++) { o.setAtIndex(D, oo + i, a.getAtIndex(D, ao + i) - y); } }
                case MUL -> { for (int i = 0; i < n; i++) { o.setAtIndex(D, oo + i, a.getAtIndex(D, ao + i) * y); } }
                case DIV -> { for (int i = 0; i < n; i++) { o.setAtIndex(D, oo + i, a.getAtIndex(D, ao + i) / y); } }
                default -> throw new IllegalStateException("no float64 scalar loop for " + op);
            }
            return;
        }
        switch (op) {
            case ADD -> { for (int i = 0; i < n; i++) { o.setAtIndex(D, oo + i, a.getAtIndex(D, ao + i) + b.getAtIndex(D, bo + i)); } }
            case SUB -> { for (int i = 0; i < n; i++) { o.setAtIndex(D, oo + i, a.getAtIndex(D, ao + i) - b.getAtIndex(D, bo + i)); } }
            case MUL -> { for (int i = 0; i < n; i++) { o.setAtIndex(D, oo + i, a.getAtIndex(D, ao + i) * b.getAtIndex(D, bo + i)); } }
            case DIV -> { for (int i = 0; i < n; i++) { o.setAtIndex(D, oo + i, a.getAtIndex(D, ao + i) / b.getAtIndex(D, bo + i)); } }
            default -> throw new IllegalStateException("no float64 dense loop for " + op);
        }
    }

    /** Layout of an elementwise op writing {@code out} from {@code a} and {@code b} broadcast to its shape. */
    private static StridedLayout layout(Tensor out, Tensor a, Tensor b) {
        int[] shape = out.shape();
        return StridedLayout.of(shape, out.strides(), Shape.broadcastStrides(a.shape(), a.strides(), shape),
                Shape.broadcastStrides(b.shape(), b.strides(), shape));
    }

    /**
     * One inner run. Calling {@code f} through an interface costs a virtual call per element because one loop serves
     * every op, so the hot ops on the common stride patterns get their own loops (the element-wise kernels' on dense
     * runs).
     */
    private static void binaryRun(FloatBinary f, MemorySegment o, long oo, int os, MemorySegment a, long ao, int as,
            MemorySegment b, long bo, int bs, int n) {
        Fast fast = f instanceof Fast x ? x : null;
        if (fast != null && os == 1 && as == 1 && (bs == 1 || bs == 0)) {
            if (bs == 1) {
                ELEMENTWISE.binaryF32(fast.arithmetic, o, oo, a, ao, b, bo, n);
            } else {
                ELEMENTWISE.binaryScalarF32(fast.arithmetic, o, oo, a, ao, b.getAtIndex(F, bo), n);
            }
            return;
        }
        if (fast != null) {
            stridedRun(fast.op, o, oo, os, a, ao, as, b, bo, bs, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            o.setAtIndex(F, oo + (long) i * os, f.apply(a.getAtIndex(F, ao + (long) i * as), b.getAtIndex(F, bo + (long) i * bs)));
        }
    }

    /** An op with dedicated loops (the kernels' on dense runs); {@link #apply} is the fallback for other layouts. */
    private record Fast(BinaryOp op, Elementwise.Arithmetic arithmetic, FloatBinary fn) implements FloatBinary {
        @Override
        public float apply(float a, float b) {
            return fn.apply(a, b);
        }
    }

    /**
     * Any other layout of an arithmetic op (a transposed operand: the gradients of {@code x @ w^T} reach a linear
     * layer's weight as transposed views, which backward adds and multiplies with contiguous tensors): one loop per op
     * instead of {@link Fast#apply}'s megamorphic call per element.
     */
    private static void stridedRun(BinaryOp op, MemorySegment o, long oo, int os, MemorySegment a, long ao, int as,
            MemorySegment b, long bo, int bs, int n) {
        switch (op) {
            case ADD -> { for (int i = 0; i < n; i++) { o.setAtIndex(F, oo + (long) i * os, a.getAtIndex(F, ao + (long) i * as) + b.getAtIndex(F, bo + (long) i * bs)); } }
            case SUB -> { for (int i = 0; i < n; i++) { o.setAtIndex(F, oo + (long) i * os, a.getAtIndex(F, ao + (long) i * as) - b.getAtIndex(F, bo + (long) i * bs)); } }
            case MUL -> { for (int i = 0; i < n; i++) { o.setAtIndex(F, oo + (long) i * os, a.getAtIndex(F, ao + (long) i * as) * b.getAtIndex(F, bo + (long) i * bs)); } }
            case DIV -> { for (int i = 0; i < n; i++) { o.setAtIndex(F, oo + (long) i * os, a.getAtIndex(F, ao + (long) i * as) / b.getAtIndex(F, bo + (long) i * bs)); } }
            default -> throw new IllegalStateException("no strided loop for " + op);
        }
    }

    @Override
    public Tensor reduce(ReduceOp op, Tensor x, int[] axes, boolean keepDim) {
        if (!f32(x) || x.numel() == 0) {
            return super.reduce(op, x, axes, keepDim);
        }
        // Put the kept axes first and the reduced ones last, then merge: each output is one strided block.
        boolean[] red = new boolean[x.dim()];
        for (int a : axes) {
            red[a] = true;
        }
        int[] order = new int[x.dim()];
        int k = 0;
        for (int i = 0; i < x.dim(); i++) {
            if (!red[i]) {
                order[k++] = i;
            }
        }
        int kept = k;
        for (int a : axes) {
            order[k++] = a;
        }
        int[] xs = x.shape();
        int[] xst = x.strides();
        int[] keptShape = new int[kept];
        int[] keptStrides = new int[kept];
        int[] redShape = new int[axes.length];
        int[] redStrides = new int[axes.length];
        for (int i = 0; i < order.length; i++) {
            if (i < kept) {
                keptShape[i] = xs[order[i]];
                keptStrides[i] = xst[order[i]];
            } else {
                redShape[i - kept] = xs[order[i]];
                redStrides[i - kept] = xst[order[i]];
            }
        }
        StridedLayout outer = StridedLayout.of(keptShape, keptStrides);
        StridedLayout inner = StridedLayout.of(redShape, redStrides);
        Tensor out = alloc(DType.F32, Shape.reduced(xs, axes, keepDim));
        MemorySegment in = x.storage().segment();
        MemorySegment o = out.storage().segment();
        long outputs = out.numel();
        long perOutput = Shape.numel(redShape);
        long innerRuns = inner.outer();
        int runLen = inner.inner();
        int runStride = inner.innerStride(0);
        Parallel.get().balancedFor(outputs, Math.max(1, GRAIN / Math.max(1, perOutput)), (lo, hi) -> {
            for (long q = lo; q < hi; q++) {
                long base = x.offset() + (kept == 0 ? 0 : outer.outerOffset(0, q / outer.inner()) + (q % outer.inner()) * outer.innerStride(0));
                double acc = op.identity();
                for (long r = 0; r < innerRuns; r++) {
                    acc = reduceRun(op, in, base + inner.outerOffset(0, r), runStride, runLen, acc);
                }
                o.setAtIndex(F, q, (float) acc);
            }
        });
        return out;
    }

    /** Folds one strided run into {@code acc}; sums accumulate in double for accuracy over long runs. */
    private static double reduceRun(ReduceOp op, MemorySegment in, long start, int stride, int n, double acc) {
        switch (op) {
            case SUM -> {
                double s = 0;
                if (stride == 1) {
                    for (int i = 0; i < n; i++) {
                        s += in.getAtIndex(F, start + i);
                    }
                } else {
                    for (int i = 0; i < n; i++) {
                        s += in.getAtIndex(F, start + (long) i * stride);
                    }
                }
                return acc + s;
            }
            case MAX -> {
                float m = (float) acc;
                for (int i = 0; i < n; i++) {
                    m = Math.max(m, in.getAtIndex(F, start + (long) i * stride));
                }
                return m;
            }
            case MIN -> {
                float m = (float) acc;
                for (int i = 0; i < n; i++) {
                    m = Math.min(m, in.getAtIndex(F, start + (long) i * stride));
                }
                return m;
            }
            default -> throw new IllegalStateException("unhandled reduction " + op);
        }
    }

    /**
     * γ or β per channel, or {@code dflt} for every channel when absent. Read before the channel tasks, so their loops
     * hold no tensor accessors: with eight segment accesses (each with its scope and bounds checks) in its loop, C2
     * compiled the backward task into 27 KB, late in a scoring run and twice.
     */
    private static float[] channelValues(Tensor t, int channels, float dflt) {
        if (t == null) {
            float[] values = new float[channels];
            Arrays.fill(values, dflt);
            return values;
        }
        return t.toFloatArray();
    }

    @Override
    public Tensor[] batchNormForward(Tensor x, Tensor gamma, Tensor beta, double eps) {
        if (!f32(x) || !x.isContiguous()) {
            return super.batchNormForward(x, gamma, beta, eps);
        }
        return batchNormForward(x, gamma, beta, eps, false);
    }

    /** ReLU applied as the normalising pass stores each value: the same floats as ReLU's own loop. */
    @Override
    public Tensor[] batchNormReluForward(Tensor x, Tensor gamma, Tensor beta, double eps) {
        if (!f32(x) || !x.isContiguous()) {
            return super.batchNormReluForward(x, gamma, beta, eps);
        }
        return batchNormForward(x, gamma, beta, eps, true);
    }

    private Tensor[] batchNormForward(Tensor x, Tensor gamma, Tensor beta, double eps, boolean relu) {
        BatchNormKernel.Layout layout = batchNormLayout(x);
        Tensor y = alloc(DType.F32, x.shape());
        Tensor mean = alloc(DType.F32, layout.channels());
        Tensor invStd = alloc(DType.F32, layout.channels());
        BatchNormKernel kernel = BatchNormKernels.best();
        int channels = layout.channels();
        float[] means = new float[channels];
        float[] invStds = new float[channels];
        BatchNormKernel.Channels c = new BatchNormKernel.Channels(channelValues(gamma, channels, 1f),
                channelValues(beta, channels, 0f), means, invStds);
        MemorySegment xs = x.storage().segment();
        long xOffset = x.offset();
        MemorySegment ys = y.storage().segment();
        Parallel.get().balancedFor(channels, channelGrain(layout, BatchNormKernel.FORWARD_INPUTS),
                (lo, hi) -> kernel.forward(layout, (int) lo, (int) hi, xs, xOffset, ys, 0, eps, relu, c));
        MemorySegment.copy(means, 0, mean.storage().segment(), F, 0, channels);
        MemorySegment.copy(invStds, 0, invStd.storage().segment(), F, 0, channels);
        return new Tensor[] {y, mean, invStd};
    }

    @Override
    public Tensor[] batchNormBackward(Tensor gy, Tensor x, Tensor gamma, Tensor mean, Tensor invStd) {
        if (!f32(gy, x) || !x.isContiguous() || !gy.isContiguous()) {
            return super.batchNormBackward(gy, x, gamma, mean, invStd);
        }
        return batchNormBackward(gy, false, x, gamma, null, mean, invStd);
    }

    /**
     * ReLU's step taken as the kernel reads each output gradient, instead of a masked copy of them, and recomputed
     * from {@code x}, {@code gamma}, {@code beta} and the statistics as the fused forward's kernel computed its output
     * (this backend's forward took the kernel for every contiguous float32 {@code x}), so {@code out} is not read.
     */
    @Override
    public Tensor[] batchNormReluBackward(Tensor gy, Tensor out, Tensor x, Tensor gamma, Tensor beta, Tensor mean,
            Tensor invStd) {
        if (!f32(gy, x) || !x.isContiguous() || !gy.isContiguous()) {
            return super.batchNormReluBackward(gy, out, x, gamma, beta, mean, invStd);
        }
        return batchNormBackward(gy, true, x, gamma, beta, mean, invStd);
    }

    /** Both backwards, ranges of channels per task; {@code beta} is read only with {@code relu}. */
    private Tensor[] batchNormBackward(Tensor gy, boolean relu, Tensor x, Tensor gamma, Tensor beta, Tensor mean,
            Tensor invStd) {
        BatchNormKernel.Layout layout = batchNormLayout(x);
        Tensor gx = alloc(DType.F32, x.shape());
        Tensor gGamma = alloc(DType.F32, layout.channels());
        Tensor gBeta = alloc(DType.F32, layout.channels());
        BatchNormKernel kernel = BatchNormKernels.best();
        int channels = layout.channels();
        // beta also without ReLU: never null, so no branch guards its reads
        BatchNormKernel.Channels c = new BatchNormKernel.Channels(channelValues(gamma, channels, 1f),
                channelValues(beta, channels, 0f), mean.toFloatArray(), invStd.toFloatArray());
        float[] gammaGrads = new float[channels];
        float[] betaGrads = new float[channels];
        MemorySegment gys = gy.storage().segment();
        long gyOffset = gy.offset();
        MemorySegment xs = x.storage().segment();
        long xOffset = x.offset();
        MemorySegment gxs = gx.storage().segment();
        Parallel.get().balancedFor(channels, channelGrain(layout, BatchNormKernel.BACKWARD_INPUTS),
                (lo, hi) -> kernel.backward(layout, (int) lo, (int) hi, gys, gyOffset, xs, xOffset, gxs, 0, relu, c,
                        gammaGrads, betaGrads));
        MemorySegment.copy(gammaGrads, 0, gGamma.storage().segment(), F, 0, channels);
        MemorySegment.copy(betaGrads, 0, gBeta.storage().segment(), F, 0, channels);
        return new Tensor[] {gx, gGamma, gBeta};
    }

    /** The fused kernel, a channel per task, for contiguous float32 or float64 inputs. */
    @Override
    public Tensor[] batchNormSecondOrder(BatchNormSecondOrder.Of of, Tensor upstream, Tensor g, Tensor x, Tensor gamma,
            double eps, boolean[] wanted) {
        boolean ofX = of == BatchNormSecondOrder.Of.X;
        if (!x.dtype().isFloating() || !x.isContiguous() || !g.isContiguous() || ofX && !upstream.isContiguous()) {
            return super.batchNormSecondOrder(of, upstream, g, x, gamma, eps, wanted);
        }
        BatchNormKernel.Layout layout = batchNormLayout(x);
        Tensor dg = wanted[0] ? alloc(x.dtype(), x.shape()) : null;
        Tensor dx = wanted[1] && of != BatchNormSecondOrder.Of.BETA ? alloc(x.dtype(), x.shape()) : null;
        Tensor dGamma = wanted[2] && ofX ? alloc(x.dtype(), layout.channels()) : null;
        BatchNormSecondOrder.Operands operands = new BatchNormSecondOrder.Operands(
                x.dtype() == DType.F64 ? BatchNormSecondOrder.Element.F64 : BatchNormSecondOrder.Element.F32, layout,
                x.storage().segment(), x.offset(), g.storage().segment(), g.offset(),
                ofX ? upstream.storage().segment() : null, ofX ? upstream.offset() : 0,
                dx == null ? null : dx.storage().segment(), dg == null ? null : dg.storage().segment());
        Parallel.get().balancedFor(layout.channels(), 1, (lo, hi) -> {
            for (int ch = (int) lo; ch < hi; ch++) {
                double s = ofX ? 0 : valueOr(upstream, ch, 0);
                double dGammaCh = BatchNormSecondOrder.channel(of, operands, ch, eps, valueOr(gamma, ch, 1), s);
                if (dGamma != null) {
                    dGamma.storage().setDouble(ch, dGammaCh);
                }
            }
        });
        return new Tensor[] {dg, dx, dGamma};
    }

    /**
     * The fewest channels a batch-norm task takes: the kernel's block of channels read together in a pass over
     * {@code inputs} tensors, or a thread's share where that is less (so every thread gets work).
     */
    private static int channelGrain(BatchNormKernel.Layout layout, int inputs) {
        int share = Math.ceilDiv(layout.channels(), Parallel.get().threads());
        return Math.min(layout.channelBlock(inputs), share);
    }

    /** An NCHW (or NC...) tensor's shape as the batch-norm kernels see it. */
    private static BatchNormKernel.Layout batchNormLayout(Tensor x) {
        int n = x.size(0);
        int c = x.size(1);
        return new BatchNormKernel.Layout(n, c, (int) (x.numel() / ((long) n * c)));
    }

    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG;

    @Override
    public Tensor maxPool2dIndices(Tensor x, Conv2dGeometry g) {
        if (!f32(x)) {
            return super.maxPool2dIndices(x, g);
        }
        Tensor xc = dense(x);
        int[] xs = x.shape();
        int h = xs[2];
        int w = xs[3];
        int oh = g.outH(h);
        int ow = g.outW(w);
        Tensor out = alloc(DType.I64, xs[0], xs[1], oh, ow);
        MemorySegment in = xc.storage().segment();
        MemorySegment idx = out.storage().segment();
        long planes = (long) xs[0] * xs[1];
        boolean twoByTwo = g.kh() == 2 && g.kw() == 2 && g.sh() == 2 && g.sw() == 2 && g.ph() == 0 && g.pw() == 0;
        Parallel.get().balancedFor(planes, Math.max(1, GRAIN / ((long) h * w)), (lo, hi) -> {
            for (long p = lo; p < hi; p++) {
                long src = xc.offset() + p * h * w;
                long dst = p * oh * ow;
                if (twoByTwo) {
                    MAX_POOL.indices2x2(in, src, h, w, idx, dst);
                    continue;
                }
                for (int oy = 0; oy < oh; oy++) {
                    int y0 = Math.max(oy * g.sh() - g.ph(), 0);
                    int y1 = Math.min(oy * g.sh() - g.ph() + g.kh(), h);
                    for (int ox = 0; ox < ow; ox++) {
                        int x0 = Math.max(ox * g.sw() - g.pw(), 0);
                        int x1 = Math.min(ox * g.sw() - g.pw() + g.kw(), w);
                        int best = y0 * w + x0;
                        float bestV = in.getAtIndex(F, src + best);
                        for (int iy = y0; iy < y1; iy++) {
                            for (int ix = x0; ix < x1; ix++) {
                                float v = in.getAtIndex(F, src + iy * w + ix);
                                if (v > bestV) { // strict: the first maximum wins, like PyTorch
                                    bestV = v;
                                    best = iy * w + ix;
                                }
                            }
                        }
                        idx.setAtIndex(L, dst + (long) oy * ow + ox, best);
                    }
                }
            }
        });
        return out;
    }

    @Override
    public Tensor planeGather(Tensor x, Tensor idx) {
        if (!f32(x)) {
            return super.planeGather(x, idx);
        }
        Tensor xc = dense(x);
        Tensor ic = dense(idx);
        int[] is = idx.shape();
        long hw = (long) x.size(2) * x.size(3);
        int per = is[2] * is[3];
        Tensor out = alloc(DType.F32, is);
        MemorySegment in = xc.storage().segment();
        MemorySegment ix = ic.storage().segment();
        MemorySegment o = out.storage().segment();
        long planes = (long) is[0] * is[1];
        Parallel.get().balancedFor(planes, Math.max(1, GRAIN / Math.max(1, per)), (lo, hi) -> {
            for (long p = lo; p < hi; p++) {
                long src = xc.offset() + p * hw;
                for (int i = 0; i < per; i++) {
                    long q = p * per + i;
                    o.setAtIndex(F, q, in.getAtIndex(F, src + ix.getAtIndex(L, ic.offset() + q)));
                }
            }
        });
        return out;
    }

    @Override
    public Tensor planeScatterAdd(Tensor g, Tensor idx, int[] inputShape) {
        if (!f32(g)) {
            return super.planeScatterAdd(g, idx, inputShape);
        }
        Tensor gc = dense(g);
        Tensor ic = dense(idx);
        int[] is = idx.shape();
        long hw = (long) inputShape[2] * inputShape[3];
        int per = is[2] * is[3];
        // Each plane is zeroed by the task that scatters into it, just before, rather than the whole output on the
        // calling thread first: one pass over memory instead of two, and the zeroing runs on every thread.
        Tensor out = alloc(DType.F32, inputShape);
        MemorySegment gs = gc.storage().segment();
        MemorySegment ix = ic.storage().segment();
        MemorySegment o = out.storage().segment();
        long planes = (long) is[0] * is[1];
        // Planes are disjoint, so threads never write the same element.
        Parallel.get().balancedFor(planes, Math.max(1, GRAIN / Math.max(1, per)), (lo, hi) -> {
            for (long p = lo; p < hi; p++) {
                long dst = p * hw;
                o.asSlice(dst * Float.BYTES, hw * Float.BYTES).fill((byte) 0);
                for (int i = 0; i < per; i++) {
                    long q = p * per + i;
                    long at = dst + ix.getAtIndex(L, ic.offset() + q);
                    o.setAtIndex(F, at, o.getAtIndex(F, at) + gs.getAtIndex(F, gc.offset() + q));
                }
            }
        });
        return out;
    }

    /**
     * Global average pooling (one 1×1 bin per plane, a ResNet's head) a plane per task, instead of the reference's
     * per-element visitor on the calling thread; the reference's arithmetic in its order (each value divided by the
     * plane size in double, summed from 0), so the same floats.
     */
    @Override
    public Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) {
        if (!f32(x) || outH != 1 || outW != 1) {
            return super.adaptiveAvgPool2d(x, outH, outW);
        }
        Tensor xc = dense(x);
        int hw = x.size(2) * x.size(3);
        Tensor out = alloc(DType.F32, x.size(0), x.size(1), 1, 1);
        MemorySegment in = xc.storage().segment();
        MemorySegment o = out.storage().segment();
        Parallel.get().balancedFor(out.numel(), Math.max(1, GRAIN / hw), (lo, hi) -> {
            for (long p = lo; p < hi; p++) {
                long base = xc.offset() + p * hw;
                double acc = 0;
                for (int i = 0; i < hw; i++) {
                    acc += in.getAtIndex(F, base + i) / (double) hw;
                }
                o.setAtIndex(F, p, (float) acc);
            }
        });
        return out;
    }

    /** The adjoint of the global average pooling above: each plane filled with its gradient over the plane size. */
    @Override
    public Tensor adaptiveAvgPool2dAdjoint(Tensor gy, int[] inputShape) {
        if (!f32(gy) || gy.size(2) != 1 || gy.size(3) != 1) {
            return super.adaptiveAvgPool2dAdjoint(gy, inputShape);
        }
        Tensor gc = dense(gy);
        int hw = inputShape[2] * inputShape[3];
        Tensor out = alloc(DType.F32, inputShape);
        MemorySegment g = gc.storage().segment();
        MemorySegment o = out.storage().segment();
        Parallel.get().balancedFor(gc.numel(), Math.max(1, GRAIN / hw), (lo, hi) -> {
            for (long p = lo; p < hi; p++) {
                // 0.0 + ...: the reference's sum starts from 0, which turns a −0 into +0.
                float v = (float) (0.0 + g.getAtIndex(F, gc.offset() + p) / (double) hw);
                for (int i = 0; i < hw; i++) {
                    o.setAtIndex(F, p * hw + i, v);
                }
            }
        });
        return out;
    }

    // ------------------------------------------------------------------ GEMM-based matmul and convolution

    private static boolean floating(Tensor... ts) {
        for (Tensor t : ts) {
            if (!t.dtype().isFloating() || t.dtype() != ts[0].dtype()) {
                return false;
            }
        }
        return true;
    }

    /** C = alpha·op(A)·op(B) + beta·C in the tensors' precision (offsets in elements). */
    private static void gemm(DType dtype, boolean transA, boolean transB, int m, int n, int k,
            MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
            double beta, MemorySegment c, long cOff, int ldc) {
        Gemm g = Gemms.best();
        if (dtype == DType.F32) {
            g.sgemm(transA, transB, m, n, k, 1f, a, aOff, lda, b, bOff, ldb, (float) beta, c, cOff, ldc);
        } else {
            g.dgemm(transA, transB, m, n, k, 1.0, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /** How GEMM reads matrix {@code p} of a [B, rows, cols] view: leading dimension and whether transposed. */
    private record MatrixLayout(int ld, boolean transposed) {
        /** The layout of a strided [B, rows, cols] view, or null when neither rows nor columns are unit-stride. */
        static MatrixLayout of(Tensor t) {
            int rows = t.size(1);
            int cols = t.size(2);
            int[] st = t.strides();
            if ((st[2] == 1 || cols == 1) && (st[1] >= cols || rows == 1)) {
                return new MatrixLayout(Math.max(st[1], cols), false);
            }
            if ((st[1] == 1 || rows == 1) && (st[2] >= rows || cols == 1)) {
                return new MatrixLayout(Math.max(st[2], rows), true);
            }
            return null;
        }
    }

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        if (!floating(a, b)) {
            return super.matmul(a, b);
        }
        Tensor ad = MatrixLayout.of(a) == null ? dense(a) : a;
        Tensor bd = MatrixLayout.of(b) == null ? dense(b) : b;
        MatrixLayout la = MatrixLayout.of(ad);
        MatrixLayout lb = MatrixLayout.of(bd);
        int batch = a.size(0);
        int m = a.size(1);
        int k = a.size(2);
        int n = b.size(2);
        DType dt = a.dtype();
        Tensor out = alloc(dt, batch, m, n);
        long as = ad.strides()[0];
        long bs = bd.strides()[0];
        // One GEMM per batch entry; several entries run side by side, each GEMM then single-threaded.
        Parallel.get().balancedFor(batch, 1, (lo, hi) -> {
            for (long p = lo; p < hi; p++) {
                gemm(dt, la.transposed(), lb.transposed(), m, n, k,
                        ad.storage().segment(), ad.offset() + p * as, la.ld(),
                        bd.storage().segment(), bd.offset() + p * bs, lb.ld(),
                        0, out.storage().segment(), p * m * n, n);
            }
        });
        return out;
    }

    /** Per-call facts of a convolution: its im2col geometry and whether the column matrix is the input itself. */
    private record ConvPlan(ConvGeometry geometry, int out, int outHW, int colRows, boolean pointwise, Im2col im2col) {
        static ConvPlan of(int[] xs, int[] ws, Conv2dGeometry g, DType dtype) {
            ConvGeometry cg = new ConvGeometry(xs[1], xs[2], xs[3], g.kh(), g.kw(), g.sh(), g.sw(), g.ph(), g.pw());
            boolean pointwise = g.kh() == 1 && g.kw() == 1 && g.sh() == 1 && g.sw() == 1 && g.ph() == 0 && g.pw() == 0;
            return new ConvPlan(cg, ws[0], cg.outH() * cg.outW(), (int) cg.colRows(), pointwise,
                    dtype == DType.F32 ? Im2col.F32 : Im2col.F64);
        }

        long colSize() {
            return (long) colRows * outHW;
        }

        /**
         * The column matrix of {@code image} of x: x's own memory for a pointwise convolution, else im2col into
         * slot {@code chunk} of {@code cols}. Returns the element offset of the matrix in its segment.
         */
        long columns(Tensor x, int image, Tensor cols, int chunk) {
            long at = x.offset() + image * geometry.inputSize();
            if (pointwise) {
                return at;
            }
            im2col.im2col(geometry, x.storage().segment(), at, cols.storage().segment(), chunk * colSize());
            return chunk * colSize();
        }
    }

    /**
     * Runs {@code body(chunk, firstImage, endImage)} over the batch split into one contiguous chunk per thread.
     * Each chunk owns the slice {@code chunk} of any per-chunk scratch, so no two threads share a buffer, and the
     * split depends only on the batch size and thread count (results are deterministic).
     */
    private interface ChunkBody {
        void run(int chunk, int start, int end);
    }

    private static int chunksFor(int batch) {
        return Math.max(1, Math.min(Parallel.get().threads(), batch));
    }

    private static void forEachImageChunk(int batch, int chunks, ChunkBody body) {
        Parallel.get().forEachChunk(chunks, c -> body.run(c, (int) ((long) batch * c / chunks), (int) ((long) batch * (c + 1) / chunks)));
    }

    /** Scratch for {@code chunks} column matrices, in the current scope (freed with the step). */
    private Tensor scratch(DType dt, int chunks, ConvPlan plan) {
        return plan.pointwise() ? null : alloc(dt, chunks, (int) plan.colSize());
    }

    @Override
    public Tensor conv2d(Tensor x, Tensor w, Conv2dGeometry g) {
        if (!floating(x, w)) {
            return super.conv2d(x, w, g);
        }
        Tensor xc = dense(x);
        Tensor wc = dense(w);
        DType dt = x.dtype();
        int[] xs = x.shape();
        ConvPlan plan = ConvPlan.of(xs, w.shape(), g, dt);
        Tensor y = alloc(dt, xs[0], plan.out(), g.outH(xs[2]), g.outW(xs[3]));
        BatchConv fast = dt == DType.F32 ? BatchConvs.best() : null;
        if (fast != null) {
            fast.forward(plan.geometry(), xs[0], plan.out(), xc.storage().segment(), xc.offset(),
                    wc.storage().segment(), wc.offset(), y.storage().segment(), y.offset());
            return y;
        }
        int chunks = chunksFor(xs[0]);
        Tensor cols = scratch(dt, chunks, plan);
        forEachImageChunk(xs[0], chunks, (c, start, end) -> {
            for (int i = start; i < end; i++) {
                long srcOff = plan.columns(xc, i, cols, c);
                MemorySegment src = plan.pointwise() ? xc.storage().segment() : cols.storage().segment();
                gemm(dt, false, false, plan.out(), plan.outHW(), plan.colRows(), wc.storage().segment(), wc.offset(),
                        plan.colRows(), src, srcOff, plan.outHW(), 0, y.storage().segment(),
                        (long) i * plan.out() * plan.outHW(), plan.outHW());
            }
        });
        return y;
    }

    @Override
    public Tensor conv2dInputGrad(Tensor gy, Tensor w, int[] inputShape, Conv2dGeometry g) {
        if (!floating(gy, w)) {
            return super.conv2dInputGrad(gy, w, inputShape, g);
        }
        Tensor gc = dense(gy);
        Tensor wc = dense(w);
        DType dt = gy.dtype();
        ConvPlan plan = ConvPlan.of(inputShape, w.shape(), g, dt);
        BatchConv fast = dt == DType.F32 ? BatchConvs.best() : null;
        if (fast != null && BatchConv.supportsInputGrad(plan.geometry())) {
            Tensor gx = alloc(dt, inputShape);
            fast.inputGrad(plan.geometry(), inputShape[0], plan.out(), gc.storage().segment(), gc.offset(),
                    wc.storage().segment(), wc.offset(), gx.storage().segment(), gx.offset());
            return gx;
        }
        // col2im accumulates overlapping taps, so the non-pointwise case needs zeroed memory.
        Tensor gx = plan.pointwise() ? alloc(dt, inputShape) : allocZeroed(dt, inputShape);
        int chunks = chunksFor(inputShape[0]);
        Tensor cols = scratch(dt, chunks, plan);
        long imageSize = plan.geometry().inputSize();
        long outSize = (long) plan.out() * plan.outHW();
        forEachImageChunk(inputShape[0], chunks, (c, start, end) -> {
            for (int i = start; i < end; i++) {
                // columns = Wᵀ · gy_i, then scattered back onto the image (col2im adds overlapping taps).
                MemorySegment dst = plan.pointwise() ? gx.storage().segment() : cols.storage().segment();
                long dstOff = plan.pointwise() ? i * imageSize : c * plan.colSize();
                gemm(dt, true, false, plan.colRows(), plan.outHW(), plan.out(), wc.storage().segment(), wc.offset(),
                        plan.colRows(), gc.storage().segment(), gc.offset() + i * outSize, plan.outHW(), 0,
                        dst, dstOff, plan.outHW());
                if (!plan.pointwise()) {
                    plan.im2col().col2im(plan.geometry(), dst, dstOff, gx.storage().segment(), i * imageSize);
                }
            }
        });
        return gx;
    }

    @Override
    public Tensor conv2dWeightGrad(Tensor x, Tensor gy, int[] weightShape, Conv2dGeometry g) {
        if (!floating(x, gy)) {
            return super.conv2dWeightGrad(x, gy, weightShape, g);
        }
        Tensor xc = dense(x);
        Tensor gc = dense(gy);
        DType dt = x.dtype();
        int[] xs = x.shape();
        ConvPlan plan = ConvPlan.of(xs, weightShape, g, dt);
        BatchConv fast = dt == DType.F32 ? BatchConvs.best() : null;
        if (fast != null) {
            Tensor gw = alloc(dt, weightShape);
            fast.weightGrad(plan.geometry(), xs[0], plan.out(), xc.storage().segment(), xc.offset(),
                    gc.storage().segment(), gc.offset(), gw.storage().segment(), gw.offset());
            return gw;
        }
        int chunks = chunksFor(xs[0]);
        Tensor cols = scratch(dt, chunks, plan);
        long weightSize = (long) plan.out() * plan.colRows();
        // One partial weight gradient per chunk, summed in chunk order afterwards: deterministic.
        Tensor partial = Tensor.uninitialized(MemoryScope.current(), this, dt, chunks, (int) weightSize);
        long outSize = (long) plan.out() * plan.outHW();
        forEachImageChunk(xs[0], chunks, (c, start, end) -> {
            for (int i = start; i < end; i++) {
                long srcOff = plan.columns(xc, i, cols, c);
                MemorySegment src = plan.pointwise() ? xc.storage().segment() : cols.storage().segment();
                // gW += gy_i · columnsᵀ; the chunk's first image overwrites, so the partial needs no zeroing.
                gemm(dt, false, true, plan.out(), plan.colRows(), plan.outHW(), gc.storage().segment(),
                        gc.offset() + i * outSize, plan.outHW(), src, srcOff, plan.outHW(), i == start ? 0 : 1,
                        partial.storage().segment(), c * weightSize, plan.colRows());
            }
        });
        // A single chunk (a batch of one: SynFlow) is the gradient already; summing it would copy every weight.
        Tensor gw = chunks == 1 ? partial : reduce(ReduceOp.SUM, partial, new int[] {0}, false);
        return new Tensor(gw.storage(), weightShape.clone(), Shape.contiguousStrides(weightShape), gw.offset());
    }
}
