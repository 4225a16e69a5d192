package org.nnpan.backend;

import java.util.function.DoubleUnaryOperator;

/** Elementwise functions of one argument; {@link #apply} is the double-precision definition every backend matches. */
public enum UnaryOp {
    NEG(x -> -x),
    ABS(Math::abs),
    SIGN(Math::signum),
    EXP(Math::exp),
    LOG(Math::log),
    SQRT(Math::sqrt),
    RELU(x -> x > 0 ? x : 0),
    /** 1 where x &gt; 0, else 0: the derivative of ReLU. */
    STEP(x -> x > 0 ? 1 : 0),
    SIGMOID(x -> x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
    TANH(Math::tanh);

    private final DoubleUnaryOperator fn;

    UnaryOp(DoubleUnaryOperator fn) {
        this.fn = fn;
    }

    /** The function's value at {@code x}. */
    public double apply(double x) {
        return fn.applyAsDouble(x);
    }
}
