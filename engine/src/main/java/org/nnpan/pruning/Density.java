package org.nnpan.pruning;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * The fraction of prunable weights a mask keeps: the one notion of "how sparse" inside the pruning code.
 * Sparsity (fraction pruned) p = 1 − density and compression ratio 1/density are derived from it, and reports
 * print all three.
 *
 * <p>Counts are exact: a density keeps {@code k = ⌊N·density⌋} of N weights, computed in decimal on the
 * density's shortest decimal form, so a sparsity of 0.71 keeps 29 of 100 weights (in binary floating point
 * {@code 100 · 0.29} is 28.999999999999996).
 *
 * @param value the kept fraction, in (0, 1]
 */
public record Density(double value) {

    public Density {
        if (!(value > 0 && value <= 1)) {
            throw new IllegalArgumentException("density must be in (0, 1], got " + value);
        }
    }

    /** The density that keeps fraction {@code value} of the weights. */
    public static Density of(double value) {
        return new Density(value);
    }

    /**
     * The density of sparsity {@code p} (fraction of prunable weights removed: 0.98 removes 98 %).
     *
     * @throws IllegalArgumentException naming the value if {@code p} is not in [0, 1)
     */
    public static Density ofSparsity(double p) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("sparsity must be in [0, 1) (the fraction of weights removed,"
                    + " e.g. 0.98), got " + p);
        }
        return new Density(BigDecimal.ONE.subtract(decimal(p)).doubleValue());
    }

    /** Fraction pruned, 1 − density. */
    public double sparsity() {
        return BigDecimal.ONE.subtract(decimal(value)).doubleValue();
    }

    /** Compression ratio 1/density (50 for a density of 0.02). */
    public double compressionRatio() {
        return 1 / value;
    }

    /**
     * How many of {@code n} weights this density keeps: ⌊n·density⌋, exactly.
     *
     * @throws IllegalArgumentException if {@code n} is negative
     */
    public long keptCount(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("weight count must be non-negative, got " + n);
        }
        return decimal(value).multiply(BigDecimal.valueOf(n)).setScale(0, RoundingMode.FLOOR).longValueExact();
    }

    /** {@code "density 0.02 (98 % pruned, compression 50x)"}. */
    public String describe() {
        return String.format(Locale.ROOT, "density %s (%s %% pruned, compression %sx)", number(value),
                number(100 * sparsity()), number(compressionRatio()));
    }

    /** A number with at most 6 significant digits and no trailing zeros. */
    static String number(double v) {
        return new BigDecimal(v).round(new MathContext(6)).stripTrailingZeros().toPlainString();
    }

    /** The shortest decimal that reads back as {@code v}. */
    private static BigDecimal decimal(double v) {
        return new BigDecimal(Double.toString(v));
    }
}
