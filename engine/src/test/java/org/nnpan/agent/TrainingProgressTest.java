package org.nnpan.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nnpan.train.StatusLine;

/** The progress display: plain lines at an interval when not on a terminal, redrawn lines on one. */
class TrainingProgressTest {
    private static final String STATUS_LINE = "step 500/2000 (25.0%)  episodes 5  mean reward -12.5000  last eval -  "
            + "3.75 ms/step (env 1.50, agent 2.25)";
    private final long[] now = {0};
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TrainingProgress.Status status =
            new TrainingProgress.Status(500, 2000, 5, -12.5, Double.NaN, 1.5, 2.25);

    private TrainingProgress progress(boolean interactive) {
        return new TrainingProgress(new StatusLine(new PrintStream(bytes, true, StandardCharsets.UTF_8), interactive,
                Duration.ofSeconds(30), () -> now[0]));
    }

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void plainLinesComeAtTheInterval() {
        TrainingProgress p = progress(false);
        assertFalse(p.due());
        now[0] = Duration.ofSeconds(30).toNanos();
        assertTrue(p.due());
        p.show(status);
        assertFalse(p.due());
        assertEquals(STATUS_LINE + "\n", output());
        p.evaluated(2000, new EpisodeResult(-3, 100, Map.of("effective_sparsity", 0.9)));
        assertTrue(output().endsWith("eval at step 2000: reward -3.0000 over 100 steps {effective_sparsity=0.9}\n"));
        assertFalse(output().contains("\r"));
    }

    @Test
    void aTerminalGetsOneRedrawnLine() {
        TrainingProgress p = progress(true);
        now[0] = Duration.ofMillis(100).toNanos();
        assertTrue(p.due());
        p.show(status);
        p.finished("done");
        // The final line overwrites the status line completely, then ends it.
        assertEquals("\r" + STATUS_LINE + "\rdone" + " ".repeat(STATUS_LINE.length() - 4) + "\n", output());
    }
}
