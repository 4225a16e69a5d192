package org.nnpan.nn.init;

import java.util.random.RandomGenerator;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Shape;
import org.nnpan.tensor.Tensor;

/**
 * Fills tensors in place with the standard initialisation distributions (PyTorch's {@code nn.init}), drawing from a
 * caller-supplied generator so that a seed reproduces the values exactly. Samples are drawn in row-major order.
 * Writes bypass autograd.
 */
public final class Initializers {
    /** The gain of ReLU, √2: keeps activation variance constant through ReLU layers. */
    public static final double RELU_GAIN = Math.sqrt(2);

    private Initializers() {
    }

    /** Which fan the Kaiming variance preserves: activations in the forward pass or gradients in the backward pass. */
    public enum FanMode {
        FAN_IN,
        FAN_OUT
    }

    /** The gain of leaky ReLU with negative slope {@code a}, √(2 / (1 + a²)). */
    public static double leakyReluGain(double a) {
        return Math.sqrt(2 / (1 + a * a));
    }

    /** Inputs per output unit: {@code shape[1]} times the receptive field (product of dimensions 2 and up). */
    public static long fanIn(Tensor w) {
        return w.size(1) * receptiveField(w);
    }

    /** Outputs per input unit: {@code shape[0]} times the receptive field. */
    public static long fanOut(Tensor w) {
        return w.size(0) * receptiveField(w);
    }

    private static long receptiveField(Tensor w) {
        if (w.dim() < 2) {
            throw new IllegalArgumentException("fan in/out needs a weight of rank >= 2, got shape " + Shape.str(w.shape()));
        }
        long r = 1;
        for (int i = 2; i < w.dim(); i++) {
            r *= w.size(i);
        }
        return r;
    }

    private static long fan(Tensor w, FanMode mode) {
        return mode == FanMode.FAN_IN ? fanIn(w) : fanOut(w);
    }

    /** N(0, gain² / fan). */
    public static void kaimingNormal(Tensor w, FanMode mode, double gain, RandomGenerator rng) {
        normal(w, 0, gain / Math.sqrt(fan(w, mode)), rng);
    }

    /** U(−b, b) with b = gain·√(3 / fan), which has the variance of {@link #kaimingNormal}. */
    public static void kaimingUniform(Tensor w, FanMode mode, double gain, RandomGenerator rng) {
        double bound = gain * Math.sqrt(3.0 / fan(w, mode));
        uniform(w, -bound, bound, rng);
    }

    /** N(0, gain² · 2 / (fanIn + fanOut)). */
    public static void xavierNormal(Tensor w, double gain, RandomGenerator rng) {
        normal(w, 0, gain * Math.sqrt(2.0 / (fanIn(w) + fanOut(w))), rng);
    }

    /** U(−b, b) with b = gain·√(6 / (fanIn + fanOut)). */
    public static void xavierUniform(Tensor w, double gain, RandomGenerator rng) {
        double bound = gain * Math.sqrt(6.0 / (fanIn(w) + fanOut(w)));
        uniform(w, -bound, bound, rng);
    }

    /** N(mean, std²). */
    public static void normal(Tensor t, double mean, double std, RandomGenerator rng) {
        try (MemoryScope _ = MemoryScope.open("init")) {
            Tensor samples = Tensor.randn(rng, std, t.dtype(), t.shape());
            t.backend().copyInto(t, mean == 0 ? samples : samples.add(mean));
        }
    }

    /** U(lo, hi). */
    public static void uniform(Tensor t, double lo, double hi, RandomGenerator rng) {
        try (MemoryScope _ = MemoryScope.open("init")) {
            t.backend().copyInto(t, Tensor.uniform(rng, lo, hi, t.dtype(), t.shape()));
        }
    }

    /** Every element set to {@code value}. */
    public static void constant(Tensor t, double value) {
        t.backend().fill(t, value);
    }
}
