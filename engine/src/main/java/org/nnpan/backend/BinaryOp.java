package org.nnpan.backend;

import java.util.function.DoubleBinaryOperator;

/** Elementwise functions of two broadcast arguments; comparisons yield 1 or 0 in the operands' type. */
public enum BinaryOp {
    ADD((a, b) -> a + b),
    SUB((a, b) -> a - b),
    MUL((a, b) -> a * b),
    DIV((a, b) -> a / b),
    POW(Math::pow),
    MAX(Math::max),
    MIN(Math::min),
    GT((a, b) -> a > b ? 1 : 0),
    GE((a, b) -> a >= b ? 1 : 0),
    LT((a, b) -> a < b ? 1 : 0),
    LE((a, b) -> a <= b ? 1 : 0),
    EQ((a, b) -> a == b ? 1 : 0);

    private final DoubleBinaryOperator fn;

    BinaryOp(DoubleBinaryOperator fn) {
        this.fn = fn;
    }

    /** The function's value at {@code (a, b)}. */
    public double apply(double a, double b) {
        return fn.applyAsDouble(a, b);
    }
}
