package org.nnpan.ops;

import java.util.random.RandomGenerator;
import org.nnpan.autograd.Autograd;
import org.nnpan.backend.BinaryOp;
import org.nnpan.backend.UnaryOp;
import org.nnpan.tensor.Shape;
import org.nnpan.tensor.Tensor;

/**
 * Elementwise arithmetic and math with NumPy broadcasting. Every gradient rule is written with these same ops, so
 * all of them can be differentiated twice.
 */
public final class Elementwise {
    private Elementwise() {
    }

    static void checkFloatPair(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(op + ": dtype mismatch " + a.dtype() + " " + Shape.str(a.shape())
                    + " vs " + b.dtype() + " " + Shape.str(b.shape()));
        }
        checkFloat(op, a);
    }

    static void checkFloat(String op, Tensor a) {
        if (!a.dtype().isFloating()) {
            throw new IllegalArgumentException(op + ": needs a floating-point tensor, got " + a.dtype());
        }
    }

    private static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        String name = op.name().toLowerCase();
        checkFloatPair(name, a, b);
        Shape.broadcast(name, a.shape(), b.shape());
        return a.backend().binary(op, a, b);
    }

    private static Tensor unary(UnaryOp op, Tensor x) {
        checkFloat(op.name().toLowerCase(), x);
        return x.backend().unary(op, x);
    }

    /** a + b. */
    public static Tensor add(Tensor a, Tensor b) {
        Tensor out = binary(BinaryOp.ADD, a, b);
        return Autograd.record(out, "add", new Tensor[] {a, b}, Autograd.NOTHING_SAVED, g -> new Tensor[] {
            a.requiresGrad() ? Reductions.sumToShape(g, a.shape()) : null,
            b.requiresGrad() ? Reductions.sumToShape(g, b.shape()) : null});
    }

    /** a - b. */
    public static Tensor sub(Tensor a, Tensor b) {
        Tensor out = binary(BinaryOp.SUB, a, b);
        return Autograd.record(out, "sub", new Tensor[] {a, b}, Autograd.NOTHING_SAVED, g -> new Tensor[] {
            a.requiresGrad() ? Reductions.sumToShape(g, a.shape()) : null,
            b.requiresGrad() ? Reductions.sumToShape(neg(g), b.shape()) : null});
    }

    /** a * b. */
    public static Tensor mul(Tensor a, Tensor b) {
        Tensor out = binary(BinaryOp.MUL, a, b);
        return Autograd.record(out, "mul", new Tensor[] {a, b},
                new Tensor[] {b.requiresGrad() ? a : null, a.requiresGrad() ? b : null}, g -> new Tensor[] {
            a.requiresGrad() ? Reductions.sumToShape(mul(g, b), a.shape()) : null,
            b.requiresGrad() ? Reductions.sumToShape(mul(g, a), b.shape()) : null});
    }

    /** a / b. */
    public static Tensor div(Tensor a, Tensor b) {
        Tensor out = binary(BinaryOp.DIV, a, b);
        return Autograd.record(out, "div", new Tensor[] {a, b}, new Tensor[] {b, b.requiresGrad() ? out : null}, g -> new Tensor[] {
            a.requiresGrad() ? Reductions.sumToShape(div(g, b), a.shape()) : null,
            b.requiresGrad() ? Reductions.sumToShape(neg(mul(g, div(out, b))), b.shape()) : null});
    }

    /** -x. */
    public static Tensor neg(Tensor x) {
        Tensor out = unary(UnaryOp.NEG, x);
        return Autograd.record(out, "neg", new Tensor[] {x}, Autograd.NOTHING_SAVED, g -> new Tensor[] {neg(g)});
    }

    /** |x|; the gradient at 0 is 0, as in PyTorch. */
    public static Tensor abs(Tensor x) {
        Tensor out = unary(UnaryOp.ABS, x);
        return Autograd.record(out, "abs", new Tensor[] {x}, new Tensor[] {x}, g -> new Tensor[] {mul(g, sign(x))});
    }

    /** sign(x) in {-1, 0, 1}; its gradient is zero. */
    public static Tensor sign(Tensor x) {
        return unary(UnaryOp.SIGN, x);
    }

    /** e^x. */
    public static Tensor exp(Tensor x) {
        Tensor out = unary(UnaryOp.EXP, x);
        return Autograd.record(out, "exp", new Tensor[] {x}, new Tensor[] {out}, g -> new Tensor[] {mul(g, out)});
    }

    /** Natural logarithm. */
    public static Tensor log(Tensor x) {
        Tensor out = unary(UnaryOp.LOG, x);
        return Autograd.record(out, "log", new Tensor[] {x}, new Tensor[] {x}, g -> new Tensor[] {div(g, x)});
    }

    /** Square root. */
    public static Tensor sqrt(Tensor x) {
        Tensor out = unary(UnaryOp.SQRT, x);
        return Autograd.record(out, "sqrt", new Tensor[] {x}, new Tensor[] {out}, g -> new Tensor[] {div(mul(g, out.scalarLike(0.5)), out)});
    }

    /** x raised to a constant power. */
    public static Tensor pow(Tensor x, double exponent) {
        checkFloat("pow", x);
        Tensor out = x.backend().binary(BinaryOp.POW, x, x.scalarLike(exponent));
        return Autograd.record(out, "pow", new Tensor[] {x}, new Tensor[] {x}, g -> new Tensor[] {
            mul(g, mul(pow(x, exponent - 1), x.scalarLike(exponent)))});
    }

    /** a raised to b elementwise (a &gt; 0 where b's gradient is needed). */
    public static Tensor pow(Tensor a, Tensor b) {
        Tensor out = binary(BinaryOp.POW, a, b);
        return Autograd.record(out, "pow", new Tensor[] {a, b}, new Tensor[] {a, b, out}, g -> new Tensor[] {
            a.requiresGrad() ? Reductions.sumToShape(mul(g, mul(b, pow(a, sub(b, b.scalarLike(1))))), a.shape()) : null,
            b.requiresGrad() ? Reductions.sumToShape(mul(g, mul(out, log(a))), b.shape()) : null});
    }

    /** max(x, 0). */
    public static Tensor relu(Tensor x) {
        Tensor out = unary(UnaryOp.RELU, x);
        // step(out) = step(x), and out is what the next layer saves anyway: x itself need not be kept.
        return Autograd.record(out, "relu", new Tensor[] {x}, new Tensor[] {out}, g -> new Tensor[] {reluGrad(g, out)});
    }

    /**
     * g ⊙ step(y) for y = relu(x), ReLU's gradient. Recorded as one op that saves {@code y} (kept anyway) instead of
     * as a product that would save the step mask, a new tensor of y's size in every create-graph pass, and computed
     * by the backend's {@code reluBackward} (one pass on the CPU backend instead of the mask's and the product's).
     */
    static Tensor reluGrad(Tensor g, Tensor y) {
        checkFloatPair("relu_backward", g, y);
        if (!g.sameShape(y)) {
            throw new IllegalArgumentException("relu_backward: gradient " + Shape.str(g.shape()) + " vs output "
                    + Shape.str(y.shape()));
        }
        Tensor out = g.backend().reluBackward(g, y);
        return Autograd.record(out, "relu_backward", new Tensor[] {g}, new Tensor[] {y}, v -> new Tensor[] {reluGrad(v, y)});
    }

    /**
     * relu(a + b), a residual block's output, in one pass (one op, "add_relu", saving only its output) unless
     * {@link Fusion} is off; the same numbers as {@code relu(add(a, b))}.
     */
    public static Tensor addRelu(Tensor a, Tensor b) {
        if (!Fusion.isOn()) {
            return relu(add(a, b));
        }
        checkFloatPair("add_relu", a, b);
        Shape.broadcast("add_relu", a.shape(), b.shape());
        Tensor out = a.backend().addRelu(a, b);
        return Autograd.record(out, "add_relu", new Tensor[] {a, b}, new Tensor[] {out}, g -> {
            Tensor masked = reluGrad(g, out);
            return new Tensor[] {
                a.requiresGrad() ? Reductions.sumToShape(masked, a.shape()) : null,
                b.requiresGrad() ? Reductions.sumToShape(masked, b.shape()) : null};
        });
    }

    /** 1 / (1 + e^-x). */
    public static Tensor sigmoid(Tensor x) {
        Tensor out = unary(UnaryOp.SIGMOID, x);
        return Autograd.record(out, "sigmoid", new Tensor[] {x}, new Tensor[] {out}, g -> new Tensor[] {
            mul(g, mul(out, sub(out.scalarLike(1), out)))});
    }

    /** Hyperbolic tangent. */
    public static Tensor tanh(Tensor x) {
        Tensor out = unary(UnaryOp.TANH, x);
        return Autograd.record(out, "tanh", new Tensor[] {x}, new Tensor[] {out}, g -> new Tensor[] {
            mul(g, sub(out.scalarLike(1), mul(out, out)))});
    }

    /** Clamps into {@code [min, max]}; the gradient flows where {@code min <= x <= max}. */
    public static Tensor clamp(Tensor x, double min, double max) {
        if (min > max) {
            throw new IllegalArgumentException("clamp: min " + min + " > max " + max);
        }
        checkFloat("clamp", x);
        Tensor lo = x.scalarLike(min);
        Tensor hi = x.scalarLike(max);
        Tensor out = x.backend().binary(BinaryOp.MIN, x.backend().binary(BinaryOp.MAX, x, lo), hi);
        return Autograd.record(out, "clamp", new Tensor[] {x}, new Tensor[] {x, lo, hi}, g -> new Tensor[] {
            mul(g, mul(compare(BinaryOp.GE, x, lo), compare(BinaryOp.LE, x, hi)))});
    }

    /** Elementwise maximum; on ties each side gets half the gradient, as in PyTorch. */
    public static Tensor maximum(Tensor a, Tensor b) {
        return extremum(BinaryOp.MAX, BinaryOp.GT, a, b);
    }

    /** Elementwise minimum; on ties each side gets half the gradient. */
    public static Tensor minimum(Tensor a, Tensor b) {
        return extremum(BinaryOp.MIN, BinaryOp.LT, a, b);
    }

    private static Tensor extremum(BinaryOp op, BinaryOp wins, Tensor a, Tensor b) {
        Tensor out = binary(op, a, b);
        return Autograd.record(out, op.name().toLowerCase(), new Tensor[] {a, b}, new Tensor[] {a, b}, g -> {
            Tensor half = mul(compare(BinaryOp.EQ, a, b), g.scalarLike(0.5));
            return new Tensor[] {
                Reductions.sumToShape(mul(g, add(compare(wins, a, b), half)), a.shape()),
                Reductions.sumToShape(mul(g, add(compare(wins, b, a), half)), b.shape())};
        });
    }

    /** {@code cond != 0 ? a : b} with broadcasting; no gradient flows to {@code cond}. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        checkFloatPair("where", a, b);
        Shape.broadcast("where", Shape.broadcast("where", cond.shape(), a.shape()), b.shape());
        Tensor out = a.backend().where(cond, a, b);
        return Autograd.record(out, "where", new Tensor[] {cond, a, b}, new Tensor[] {cond}, g -> {
            Tensor zero = g.scalarLike(0);
            return new Tensor[] {null,
                Reductions.sumToShape(where(cond, g, zero), a.shape()),
                Reductions.sumToShape(where(cond, zero, g), b.shape())};
        });
    }

    /** A comparison ({@code GT, GE, LT, LE, EQ}) giving 1 or 0; never differentiated. */
    public static Tensor compare(BinaryOp op, Tensor a, Tensor b) {
        if (op.ordinal() < BinaryOp.GT.ordinal()) {
            throw new IllegalArgumentException("compare: " + op + " is not a comparison");
        }
        return binary(op, a, b);
    }

    /** The derivative of ReLU, 1 where x &gt; 0 else 0; not differentiated. */
    public static Tensor step(Tensor x) {
        return unary(UnaryOp.STEP, x);
    }

    /**
     * Inverted dropout: in training, zeroes each element with probability {@code p} (drawn from {@code rng}) and
     * scales the rest by 1/(1-p); the identity in evaluation.
     */
    public static Tensor dropout(Tensor x, double p, RandomGenerator rng, boolean training) {
        if (p < 0 || p >= 1) {
            throw new IllegalArgumentException("dropout: p must be in [0, 1), got " + p);
        }
        if (!training || p == 0) {
            return x;
        }
        Tensor mask = Tensor.uniform(rng, 0, 1, x.dtype(), x.shape());
        Tensor keep = mul(compare(BinaryOp.GE, mask, mask.scalarLike(p)), mask.scalarLike(1 / (1 - p)));
        return mul(x, keep);
    }
}
