package org.nnpan.report;

import java.util.List;
import java.util.stream.Collectors;

/** RFC 4180 CSV lines: fields with a comma, quote or line break are quoted, quotes doubled; lines end in
 * LF. */
final class Csv {
    private Csv() {
    }

    /** One record. */
    static String line(List<String> fields) {
        return fields.stream().map(Csv::field).collect(Collectors.joining(",")) + "\n";
    }

    static String field(String text) {
        if (text.indexOf(',') < 0 && text.indexOf('"') < 0 && text.indexOf('\n') < 0 && text.indexOf('\r') < 0) {
            return text;
        }
        return '"' + text.replace("\"", "\"\"") + '"';
    }

    /** Shortest round-trip decimal; empty for NaN (an undefined value, such as the std of one run). */
    static String number(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }
}
