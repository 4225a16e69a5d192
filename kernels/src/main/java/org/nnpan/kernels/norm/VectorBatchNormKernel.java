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
    public void forward(Layout layout, int ch, MemorySegment x, long xOffset, MemorySegment y, long yOffset,
                        double eps, float gamma, float beta, boolean relu, float[] stats) {
        NativeSegments.require(x, KERNEL, "x");
        NativeSegments.require(y, KERNEL, "y");
        int inner = layout.inner();
        int whole = SPECIES.loopBound(inner);
        float[] lanes = LANES.get();
        double s = 0;
        for (int b = 0; b < layout.batch(); b++) {
            long base = xOffset + layout.run(b, ch);
            FloatVector acc = FloatVector.zero(SPECIES);
            for (int i = 0; i < whole; i += L) {
                acc = acc.add(load(x, base + i));
            }
            float tail = 0;
            for (int i = whole; i < inner; i++) {
                tail += get(x, base + i);
            }
            s += laneSum(acc, lanes) + tail;
        }
        float m = (float) (s / layout.count());
        FloatVector mv = FloatVector.broadcast(SPECIES, m);
        double v = 0;
        for (int b = 0; b < layout.batch(); b++) {
            long base = xOffset + layout.run(b, ch);
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
            v += laneSum(acc, lanes) + tail;
        }
        float is = (float) (1 / Math.sqrt(v / layout.count() + eps));
        Affine affine = Affine.of(m, is, gamma, beta);
        float scale = affine.scale();
        float shift = affine.shift();
        FloatVector scaleV = FloatVector.broadcast(SPECIES, scale);
        FloatVector shiftV = FloatVector.broadcast(SPECIES, shift);
        for (int b = 0; b < layout.batch(); b++) {
            long src = xOffset + layout.run(b, ch);
            long dst = yOffset + layout.run(b, ch);
            for (int i = 0; i < whole; i += L) {
                FloatVector yv = load(x, src + i).mul(scaleV).add(shiftV);
                store(relu ? ZERO.blend(yv, yv.compare(VectorOperators.GT, 0f)) : yv, y, dst + i);
            }
            for (int i = whole; i < inner; i++) {
                float yi = get(x, src + i) * scale + shift;
                set(y, dst + i, relu && !(yi > 0f) ? 0f : yi);
            }
        }
        stats[0] = m;
        stats[1] = is;
    }

    @Override
    public void backward(Layout layout, int ch, MemorySegment gy, long gyOffset, MemorySegment x, long xOffset,
                         MemorySegment gx, long gxOffset, float mean, float invStd, float gamma, Affine reluStep,
                         float[] grads) {
        boolean relu = reluStep != null;
        float scale = relu ? reluStep.scale() : 0f;
        float shift = relu ? reluStep.shift() : 0f;
        NativeSegments.require(gy, KERNEL, "gy");
        NativeSegments.require(x, KERNEL, "x");
        NativeSegments.require(gx, KERNEL, "gx");
        int inner = layout.inner();
        int whole = SPECIES.loopBound(inner);
        float[] lanes = LANES.get();
        FloatVector mv = FloatVector.broadcast(SPECIES, mean);
        FloatVector scaleV = FloatVector.broadcast(SPECIES, scale);
        FloatVector shiftV = FloatVector.broadcast(SPECIES, shift);
        double sumG = 0;
        double sumGX = 0;
        for (int b = 0; b < layout.batch(); b++) {
            long run = layout.run(b, ch);
            FloatVector sg = FloatVector.zero(SPECIES);
            FloatVector sgx = FloatVector.zero(SPECIES);
            for (int i = 0; i < whole; i += L) {
                FloatVector xv = load(x, xOffset + run + i);
                FloatVector g = relu ? maskedGrad(gy, gyOffset + run + i, xv, scaleV, shiftV)
                        : load(gy, gyOffset + run + i);
                sg = sg.add(g);
                sgx = g.fma(xv.sub(mv), sgx);
            }
            float tailG = 0;
            float tailGX = 0;
            for (int i = whole; i < inner; i++) {
                float g = grad(gy, gyOffset + run + i, x, xOffset + run + i, relu, scale, shift);
                tailG += g;
                tailGX += g * (get(x, xOffset + run + i) - mean);
            }
            sumG += laneSum(sg, lanes) + tailG;
            sumGX += laneSum(sgx, lanes) + tailGX;
        }
        BackwardTerms t = BackwardTerms.of(layout, sumG, sumGX, invStd, gamma);
        FloatVector k = FloatVector.broadcast(SPECIES, t.k());
        FloatVector count = FloatVector.broadcast(SPECIES, t.count());
        FloatVector sumGV = FloatVector.broadcast(SPECIES, t.sumG());
        FloatVector a = FloatVector.broadcast(SPECIES, t.a());
        for (int b = 0; b < layout.batch(); b++) {
            long run = layout.run(b, ch);
            for (int i = 0; i < whole; i += L) {
                FloatVector xv = load(x, xOffset + run + i);
                FloatVector g = relu ? maskedGrad(gy, gyOffset + run + i, xv, scaleV, shiftV)
                        : load(gy, gyOffset + run + i);
                FloatVector xc = xv.sub(mv);
                store(count.mul(g).sub(sumGV).sub(xc.mul(a)).mul(k), gx, gxOffset + run + i);
            }
            for (int i = whole; i < inner; i++) {
                float g = grad(gy, gyOffset + run + i, x, xOffset + run + i, relu, scale, shift);
                float xc = get(x, xOffset + run + i) - mean;
                set(gx, gxOffset + run + i, t.k() * (t.count() * g - t.sumG() - xc * t.a()));
            }
        }
        grads[0] = t.gGamma();
        grads[1] = t.sumG();
    }

    /**
     * gy's vector at {@code at} times ReLU's step of forward's {@code xv * scale + shift} (as forward computes it: a
     * multiply, then an add), lane by lane (g·1 or g·0).
     */
    private static FloatVector maskedGrad(MemorySegment gy, long at, FloatVector xv, FloatVector scale,
                                          FloatVector shift) {
        return load(gy, at).mul(ZERO.blend(ONE, xv.mul(scale).add(shift).compare(VectorOperators.GT, 0f)));
    }

    /** The scalar kernel's expression for one element of a run's tail. */
    private static float grad(MemorySegment gy, long at, MemorySegment x, long xAt, boolean relu, float scale,
                              float shift) {
        float g = get(gy, at);
        return relu ? g * (get(x, xAt) * scale + shift > 0f ? 1f : 0f) : g;
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
