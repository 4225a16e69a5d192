package org.nnpan.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** When a status is due, and how lines look on and off a terminal. */
class StatusLineTest {
    private static final long MILLI = 1_000_000L;
    private final long[] now = {0};
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    private StatusLine line(boolean interactive) {
        return new StatusLine(new PrintStream(bytes, true, StandardCharsets.UTF_8), interactive,
                Duration.ofSeconds(30), () -> now[0]);
    }

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void offATerminalAStatusIsDueOncePerIntervalSinceTheLastOne() {
        StatusLine line = line(false);
        now[0] = 29_999 * MILLI;
        assertFalse(line.due());
        now[0] = 30_000 * MILLI;
        assertTrue(line.due());
        line.status("a");
        assertFalse(line.due(), "showing a status starts the interval anew");
        now[0] = 50_000 * MILLI;
        line.restartInterval();
        now[0] = 79_999 * MILLI;
        assertFalse(line.due());
        line.println("b");
        assertEquals("a\nb\n", output());
    }

    @Test
    void onATerminalStatusesAreRedrawnTenTimesASecondAndPermanentLinesBlankWhatIsLeft() {
        StatusLine line = line(true);
        now[0] = 99 * MILLI;
        assertFalse(line.due());
        now[0] = 100 * MILLI;
        assertTrue(line.due());
        line.status("long status");
        line.status("short");
        line.println("end");
        line.println("next");
        assertEquals("\rlong status\rshort      \rend  \n\rnext\n", output());
    }
}
