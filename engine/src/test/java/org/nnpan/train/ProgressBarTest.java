package org.nnpan.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    private static final long SECOND = 1_000_000_000L;
    private final long[] now = {0};
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

    private ProgressBar bar(boolean interactive) {
        return new ProgressBar(new PrintStream(buffer, true, StandardCharsets.UTF_8), interactive,
                Duration.ofSeconds(30), () -> now[0]);
    }

    private String output() {
        return buffer.toString(StandardCharsets.UTF_8);
    }

    @Test
    void withoutATerminalItWritesPlainLinesAtIntervalsAndAnEpochSummary() {
        ProgressBar bar = bar(false);
        bar.epochStarted(1, 2, 100);
        now[0] = 10 * SECOND;
        bar.batchFinished(10, 2.0, 20, 128);
        assertEquals("", output(), "nothing before the interval has passed");
        now[0] = 40 * SECOND;
        bar.batchFinished(40, 1.5, 40.5, 128);
        now[0] = 101 * SECOND;
        bar.batchFinished(100, 1.0, 60, 128);
        bar.epochFinished(new EpochMetrics(1, 1.0, 60, 0.9, 65.25, 0.1, 101, 126.7));
        String[] lines = output().split("\n");
        assertEquals(3, lines.length, output());
        // 40 batches in 40 s: 60 s left in this epoch; the next adds 100 s plus the 0 s after its last batch.
        assertEquals("epoch 1/2  batch 40/100  loss 1.5000  acc 40.50%  128 img/s  ETA 1:00 (run 2:40)", lines[0]);
        assertTrue(lines[1].startsWith("epoch 1/2  batch 100/100"), lines[1]);
        assertEquals("epoch 1/2  train loss 1.0000 acc 60.00%  test loss 0.9000 acc 65.25%  lr 0.1000  101.0 s  127 img/s",
                lines[2]);
        assertFalse(output().contains("\r"));
    }

    @Test
    void onATerminalItRedrawsOneLineWithABar() {
        ProgressBar bar = bar(true);
        bar.epochStarted(1, 1, 4);
        now[0] = SECOND;
        bar.batchFinished(2, 1.0, 50, 10);
        assertTrue(output().startsWith("\repoch 1/1  [############------------] 2/4"), output());
        bar.epochFinished(new EpochMetrics(1, 1.0, 50, 1.0, 50, 0.1, 2, 10));
        assertTrue(output().endsWith("\n") && output().contains("\repoch 1/1  train loss"), output());
    }

    @Test
    void durationsReadAsClockTimes() {
        assertEquals("0:05", ProgressBar.duration(4.6));
        assertEquals("2:03", ProgressBar.duration(123));
        assertEquals("1:00:01", ProgressBar.duration(3601));
    }
}
