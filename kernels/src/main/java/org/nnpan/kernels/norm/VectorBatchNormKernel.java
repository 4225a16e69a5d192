package org.nnpan.kernels.norm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nnpan.kernels.memory.NativeSegments;

/**
 * {@link BatchNormKernel} on the Vector API: a run's sums are whole-vector lane-wise additions, its lanes then added
 * in lane order (and its tail after them), and runs added in image order in double, so the result is the same whether
 * the Vector API runs interpreted or compiled. The element-wise steps are the scalar kernel's float expressions, so
 * they agree with it bit for bit given the same statistics. Takes native segments only (every tensor's storage is
 * one). Loaded only with the Vector API present.
 */
final class VectorBatchNormKernel implements BatchNormKernel {

    private static final String KERNEL = "vector batch-norm kernel";
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Lanes of the last run's vector sums, per thread (avoids allocating a lane array per run). */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[L]);
    private static final FloatVector ZERO = FloatVector.zero(SPECIES);
    private static final FloatVector ONE = FloatVector.broadcast(SPECIES, 1f);

    @Override
    public void forward(Layout layout, int from, int to, MemorySegment x, long xOffset, MemorySegment y, long yOffset,
                        double eps, boolean relu, Channels c) {
        NativeSegments.require(x, KERNEL, "x");
        NativeSegments.require(y, KERNEL, "y");
        int block = layout.channelBlock(FORWARD_INPUTS);
        for (int first = from; first < to; first += block) {
            forwardBlock(layout, first, Math.min(to, first + block), x, xOffset, y, yOffset, eps, relu, c);
        }
    }

    /**
     * {@link #forward} for channels read together: each pass goes image by image over the block's runs (one
     * contiguous stretch per image), and each channel's sums are added in image order as one channel at a time would.
     */
    private static void forwardBlock(Layout layout, int from, int to, MemorySegment x, long xOffset, MemorySegment y,
                                     long yOffset, double eps, boolean relu, Channels c) {
        int inner = layout.inner();
        int whole = SPECIES.loopBound(inner);
        float[] lanes = LANES.get();
        double[] sums = new double[to - from];
        for (int b = 0; b < layout.batch(); b++) {
            for (int ch = from; ch < to; ch++) {
                sums[ch - from] += runSum(x, xOffset + layout.run(b, ch), whole, inner, lanes);
            }
        }
        for (int ch = from; ch < to; ch++) {
            c.mean()[ch] = (float) (sums[ch - from] / layout.count());
            sums[ch - from] = 0;
        }
        for (int b = 0; b < layout.batch(); b++) {
            for (int ch = from; ch < to; ch++) {
                sums[ch - from] += runSquares(x, xOffset + layout.run(b, ch), c.mean()[ch], whole, inner, lanes);
            }
        }
        float[] scales = new float[to - from];
        float[] shifts = new float[to - from];
        for (int ch = from; ch < to; ch++) {
            c.invStd()[ch] = (float) (1 / Math.sqrt(sums[ch - from] / layout.count() + eps));
            Affine affine = Affine.of(c, ch);
            scales[ch - from] = affine.scale();
            shifts[ch - from] = affine.shift();
        }
        for (int b = 0; b < layout.batch(); b++) {
            for (int ch = from; ch < to; ch++) {
                long run = layout.run(b, ch);
                normalizeRun(x, xOffset + run, y, yOffset + run, scales[ch - from], shifts[ch - from], relu, whole,
                        inner);
            }
        }
    }

    /** A run's sum: whole vectors lane-wise, their lanes in order, then the tail. */
    private static float runSum(MemorySegment x, long base, int whole, int inner, float[] lanes) {
        FloatVector acc = FloatVector.zero(SPECIES);
        for (int i = 0; i < whole; i += L) {
            acc = acc.add(load(x, base + i));
        }
        float tail = 0;
        for (int i = whole; i < inner; i++) {
            tail += get(x, base + i);
        }
        return laneSum(acc, lanes) + tail;
    }

    /** A run's sum of squared deviations from {@code m}, in {@link #runSum}'s order. */
    private static float runSquares(MemorySegment x, long base, float m, int whole, int inner, float[] lanes) {
        FloatVector mv = FloatVector.broadcast(SPECIES, m);
        FloatVector acc = FloatVector.zero(SPECIES);
        for (int i = 0; i < whole; i += L) {
            FloatVector d = load(x, base + i).sub(mv);
            acc = d.fma(d, acc);
        }
        float tail = 0;
        for (int i = whole; i < inner; i++) {
            float d = get(x, base + i) - m;
            tail += d * d;
        }
        return laneSum(acc, lanes) + tail;
    }

    /** A run of {@code y = x * scale + shift} (with ReLU: {@code y > 0 ? y : 0}), the scalar kernel's expressions. */
    private static void normalizeRun(MemorySegment x, long src, MemorySegment y, long dst, float scale, float shift,
                                     boolean relu, int whole, int inner) {
        FloatVector scaleV = FloatVector.broadcast(SPECIES, scale);
        FloatVector shiftV = FloatVector.broadcast(SPECIES, shift);
        for (int i = 0; i < whole; i += L) {
            FloatVector yv = load(x, src + i).mul(scaleV).add(shiftV);
            store(relu ? ZERO.blend(yv, yv.compare(VectorOperators.GT, 0f)) : yv, y, dst + i);
        }
        for (int i = whole; i < inner; i++) {
            float yi = get(x, src + i) * scale + shift;
            set(y, dst + i, relu && !(yi > 0f) ? 0f : yi);
        }
    }

    @Override
    public void backward(Layout layout, int from, int to, MemorySegment gy, long gyOffset, MemorySegment x,
                         long xOffset, MemorySegment gx, long gxOffset, boolean relu, Channels c, float[] gammaGrads,
                         float[] betaGrads) {
        NativeSegments.require(gy, KERNEL, "gy");
        NativeSegments.require(x, KERNEL, "x");
        NativeSegments.require(gx, KERNEL, "gx");
        Operands o = new Operands(gy, gyOffset, x, xOffset, gx, gxOffset, relu);
        int block = layout.channelBlock(BACKWARD_INPUTS);
        for (int first = from; first < to; first += block) {
            backwardBlock(layout, first, Math.min(to, first + block), o, c, gammaGrads, betaGrads);
        }
    }

    /** The backward's tensors, and whether ReLU's step applies to gy. */
    private record Operands(MemorySegment gy, long gyOffset, MemorySegment x, long xOffset, MemorySegment gx,
                            long gxOffset, boolean relu) {
    }

    /** {@link #backward} for channels read together, image by image, as {@link #forwardBlock}. */
    private static void backwardBlock(Layout layout, int from, int to, Operands o, Channels c, float[] gammaGrads,
                                      float[] betaGrads) {
        int inner = layout.inner();
        int whole = SPECIES.loopBound(inner);
        float[] lanes = LANES.get();
        int n = to - from;
        float[] scales = new float[n];
        float[] shifts = new float[n];
        if (o.relu()) {
            for (int ch = from; ch < to; ch++) {
                Affine step = Affine.of(c, ch);
                scales[ch - from] = step.scale();
                shifts[ch - from] = step.shift();
            }
        }
        double[] sumG = new double[n];
        double[] sumGX = new double[n];
        float[] runSums = new float[2];
        for (int b = 0; b < layout.batch(); b++) {
            for (int ch = from; ch < to; ch++) {
                int k = ch - from;
                gradientSums(o, layout.run(b, ch), c.mean()[ch], scales[k], shifts[k], whole, inner, lanes, runSums);
                sumG[k] += runSums[0];
                sumGX[k] += runSums[1];
            }
        }
        BackwardTerms[] terms = new BackwardTerms[n];
        for (int ch = from; ch < to; ch++) {
            BackwardTerms t = BackwardTerms.of(layout, sumG[ch - from], sumGX[ch - from], c.invStd()[ch],
                    c.gamma()[ch]);
            terms[ch - from] = t;
            gammaGrads[ch] = t.gGamma();
            betaGrads[ch] = t.sumG();
        }
        for (int b = 0; b < layout.batch(); b++) {
            for (int ch = from; ch < to; ch++) {
                int k = ch - from;
                inputGradientRun(o, layout.run(b, ch), c.mean()[ch], scales[k], shifts[k], terms[k], whole, inner);
            }
        }
    }

    /**
     * A run's {@code sum g} and {@code sum g * (x - mean)} into {@code out[0]} and {@code out[1]}, whole vectors
     * lane-wise, their lanes in order, then the tail; {@code g} is masked by ReLU's step {@code x * scale + shift >
     * 0} when the operands say so.
     */
    private static void gradientSums(Operands o, long run, float mean, float scale, float shift, int whole, int inner,
                                     float[] lanes, float[] out) {
        boolean relu = o.relu();
        FloatVector mv = FloatVector.broadcast(SPECIES, mean);
        FloatVector scaleV = FloatVector.broadcast(SPECIES, scale);
        FloatVector shiftV = FloatVector.broadcast(SPECIES, shift);
        FloatVector sg = FloatVector.zero(SPECIES);
        FloatVector sgx = FloatVector.zero(SPECIES);
        for (int i = 0; i < whole; i += L) {
            FloatVector xv = load(o.x(), o.xOffset() + run + i);
            FloatVector g = relu ? maskedGrad(o.gy(), o.gyOffset() + run + i, xv, scaleV, shiftV)
                    : load(o.gy(), o.gyOffset() + run + i);
            sg = sg.add(g);
            sgx = g.fma(xv.sub(mv), sgx);
        }
        float tailG = 0;
        float tailGX = 0;
        for (int i = whole; i < inner; i++) {
            float g = grad(o, run + i, relu, scale, shift);
            tailG += g;
            tailGX += g * (get(o.x(), o.xOffset() + run + i) - mean);
        }
        out[0] = laneSum(sg, lanes) + tailG;
        out[1] = laneSum(sgx, lanes) + tailGX;
    }

    /**
     * A run of {@code gx = k * (count * g - sumG - (x - mean) * a)}, with {@code g} as {@link #gradientSums} reads it.
     */
    private static void inputGradientRun(Operands o, long run, float mean, float scale, float shift, BackwardTerms t,
                                         int whole, int inner) {
        boolean relu = o.relu();
        FloatVector mv = FloatVector.broadcast(SPECIES, mean);
        FloatVector scaleV = FloatVector.broadcast(SPECIES, scale);
        FloatVector shiftV = FloatVector.broadcast(SPECIES, shift);
        FloatVector k = FloatVector.broadcast(SPECIES, t.k());
        FloatVector count = FloatVector.broadcast(SPECIES, t.count());
        FloatVector sumGV = FloatVector.broadcast(SPECIES, t.sumG());
        FloatVector a = FloatVector.broadcast(SPECIES, t.a());
        for (int i = 0; i < whole; i += L) {
            FloatVector xv = load(o.x(), o.xOffset() + run + i);
            FloatVector g = relu ? maskedGrad(o.gy(), o.gyOffset() + run + i, xv, scaleV, shiftV)
                    : load(o.gy(), o.gyOffset() + run + i);
            FloatVector xc = xv.sub(mv);
            store(count.mul(g).sub(sumGV).sub(xc.mul(a)).mul(k), o.gx(), o.gxOffset() + run + i);
        }
        for (int i = whole; i < inner; i++) {
            float g = grad(o, run + i, relu, scale, shift);
            float xc = get(o.x(), o.xOffset() + run + i) - mean;
            set(o.gx(), o.gxOffset() + run + i, t.k() * (t.count() * g - t.sumG() - xc * t.a()));
        }
    }

    /**
     * gy's vector at {@code at} times ReLU's step of forward's {@code xv * scale + shift} (as forward computes it: a
     * multiply, then an add), lane by lane (g·1 or g·0).
     */
    private static FloatVector maskedGrad(MemorySegment gy, long at, FloatVector xv, FloatVector scale,
                                          FloatVector shift) {
        return load(gy, at).mul(ZERO.blend(ONE, xv.mul(scale).add(shift).compare(VectorOperators.GT, 0f)));
    }

    /** The scalar kernel's expression for the output gradient at element {@code at} of a run's tail. */
    private static float grad(Operands o, long at, boolean relu, float scale, float shift) {
        float g = get(o.gy(), o.gyOffset() + at);
        return relu ? g * (get(o.x(), o.xOffset() + at) * scale + shift > 0f ? 1f : 0f) : g;
    }

    /** Every access goes through the native class: see {@link NativeSegments} for the deoptimisations this avoids. */
    private static FloatVector load(MemorySegment s, long index) {
        return FloatVector.fromMemorySegment(SPECIES, NativeSegments.typed(s), index * Float.BYTES, ORDER);
    }

    private static void store(FloatVector v, MemorySegment s, long index) {
        v.intoMemorySegment(NativeSegments.typed(s), index * Float.BYTES, ORDER);
    }

    private static float get(MemorySegment s, long index) {
        return NativeSegments.typed(s).getAtIndex(F, index);
    }

    private static void set(MemorySegment s, long index, float v) {
        NativeSegments.typed(s).setAtIndex(F, index, v);
    }

    /** The lanes of {@code acc} added in lane order (in float, as the scalar kernel adds a run). */
    private static float laneSum(FloatVector acc, float[] lanes) {
        acc.intoArray(lanes, 0);
        float sum = 0;
        for (float lane : lanes) {
            sum += lane;
        }
        return sum;
    }
}
