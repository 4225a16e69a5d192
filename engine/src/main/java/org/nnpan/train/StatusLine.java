package org.nnpan.train;

import java.io.Console;
import java.io.PrintStream;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A status line for long work, shared by every progress display. On a terminal it redraws one line in place (a new
 * status is due {@value #REDRAWS_PER_SECOND} times a second) and ends it with a permanent line. Elsewhere (a CI log,
 * a file) carriage returns would make a mess, so every line is a plain one and a status is due once per interval.
 */
public final class StatusLine {
    private static final int REDRAWS_PER_SECOND = 10;
    /** How often a non-terminal gets a status line by default. */
    public static final Duration PLAIN_INTERVAL = Duration.ofSeconds(30);

    private final PrintStream out;
    private final boolean interactive;
    private final long intervalNanos;
    private final LongSupplier clock;
    private long lastStatus;
    private int lineLength;

    /**
     * @param interactive   whether {@code out} is a terminal that understands carriage returns
     * @param plainInterval the least time between two status lines when not interactive
     * @param clock         nanosecond time source ({@code System::nanoTime}; tests pass a fake one)
     */
    public StatusLine(PrintStream out, boolean interactive, Duration plainInterval, LongSupplier clock) {
        this.out = out;
        this.interactive = interactive;
        this.intervalNanos = (interactive ? Duration.ofSeconds(1).dividedBy(REDRAWS_PER_SECOND) : plainInterval)
                .toNanos();
        this.clock = clock;
        this.lastStatus = clock.getAsLong();
    }

    /**
     * A status line on standard error: redrawn when the JVM runs in a terminal, plain lines every
     * {@link #PLAIN_INTERVAL} otherwise. ({@link Console#isTerminal()} tests standard input and output; standard
     * error is almost always redirected with them.)
     */
    public static StatusLine onStandardError() {
        Console console = System.console();
        return new StatusLine(System.err, console != null && console.isTerminal(), PLAIN_INTERVAL, System::nanoTime);
    }

    /** Whether the line is redrawn in place on a terminal. */
    public boolean interactive() {
        return interactive;
    }

    /** The clock's time, in nanoseconds. */
    public long now() {
        return clock.getAsLong();
    }

    /** Starts the interval before the next status anew, e.g. at the start of a phase. */
    public void restartInterval() {
        lastStatus = now();
    }

    /** Whether a status is due; callers build one only then. */
    public boolean due() {
        return now() - lastStatus >= intervalNanos;
    }

    /** Shows {@code status} now: redraws the line on a terminal, prints a plain line elsewhere. */
    public void status(String status) {
        lastStatus = now();
        print(status, false);
    }

    /** Prints a permanent line; on a terminal it overwrites the status line completely. */
    public void println(String line) {
        print(line, true);
    }

    private void print(String line, boolean permanent) {
        if (interactive) {
            out.print("\r" + line + " ".repeat(Math.max(0, lineLength - line.length())) + (permanent ? "\n" : ""));
            lineLength = permanent ? 0 : line.length();
        } else {
            out.println(line);
        }
        out.flush();
    }
}
