package org.nnpan.report;

import java.math.BigDecimal;
import java.math.MathContext;

/** Number formats shared by the reports and tables. */
final class Numbers {
    private Numbers() {
    }

    /** {@code v} to {@code digits} significant digits, without trailing zeros or exponent: 0.02, 98, 99.5, 0.0001. */
    static String plain(double v, int digits) {
        return new BigDecimal(v).round(new MathContext(digits)).stripTrailingZeros().toPlainString();
    }

    /** A fraction as a percentage to 4 significant digits: {@code 0.98 → "98 %"}. */
    static String percent(double fraction) {
        return plain(100 * fraction, 4) + " %";
    }
}
