package org.nnpan.agent;

import java.io.Console;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Shows an agent's training on standard error: steps, episodes, mean reward of the recent episodes, the last
 * evaluation and the time per environment step (split into environment and agent).
 *
 * <p>On a terminal it redraws one status line in place, at most {@value #REDRAWS_PER_SECOND} times a second, and
 * leaves a permanent line per evaluation. Elsewhere (a CI log, a file) carriage returns would make a mess, so it
 * writes a plain status line at most once per interval, plus the evaluation lines.
 */
final class TrainingProgress {
    private static final int REDRAWS_PER_SECOND = 10;
    /** How often a non-terminal gets a status line. */
    static final Duration PLAIN_INTERVAL = Duration.ofSeconds(30);

    /** What the status line shows. */
    record Status(long step, long totalSteps, int episodes, double meanReward, double lastEvalReward,
                  double envMsPerStep, double agentMsPerStep) {
    }

    private final PrintStream out;
    private final boolean interactive;
    private final long intervalNanos;
    private final LongSupplier clock;
    private long lastLine;
    private int lineLength;

    /**
     * @param interactive   whether {@code out} is a terminal that understands carriage returns
     * @param plainInterval the least time between two status lines when not interactive
     * @param clock         nanosecond time source ({@code System::nanoTime}; tests pass a fake one)
     */
    TrainingProgress(PrintStream out, boolean interactive, Duration plainInterval, LongSupplier clock) {
        this.out = out;
        this.interactive = interactive;
        this.intervalNanos = (interactive ? Duration.ofSeconds(1).dividedBy(REDRAWS_PER_SECOND) : plainInterval)
                .toNanos();
        this.clock = clock;
        this.lastLine = clock.getAsLong();
    }

    /** Redrawn status lines when the JVM runs in a terminal ({@link System#console()}), plain lines otherwise. */
    static TrainingProgress onStandardError() {
        Console console = System.console();
        return new TrainingProgress(System.err, console != null && console.isTerminal(), PLAIN_INTERVAL,
                System::nanoTime);
    }

    /** Whether a status line is due; the caller builds the {@link Status} only then. */
    boolean due() {
        return clock.getAsLong() - lastLine >= intervalNanos;
    }

    /** Shows the status now. */
    void show(Status s) {
        lastLine = clock.getAsLong();
        String line = String.format(Locale.ROOT, "step %d/%d (%.1f%%)  episodes %d  mean reward %s  last eval %s  "
                        + "%.2f ms/step (env %.2f, agent %.2f)",
                s.step(), s.totalSteps(), 100.0 * s.step() / s.totalSteps(), s.episodes(), number(s.meanReward()),
                number(s.lastEvalReward()), s.envMsPerStep() + s.agentMsPerStep(), s.envMsPerStep(),
                s.agentMsPerStep());
        print(line, false);
    }

    /** A permanent line for an evaluation episode. */
    void evaluated(long step, EpisodeResult result) {
        print(String.format(Locale.ROOT, "eval at step %d: reward %.4f over %d steps %s", step, result.reward(),
                result.length(), result.info()), true);
    }

    /** Ends the status line. */
    void finished(String summary) {
        print(summary, true);
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

    private static String number(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }
}
