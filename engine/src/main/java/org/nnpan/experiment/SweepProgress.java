package org.nnpan.experiment;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.nnpan.train.ProgressBar;
import org.nnpan.train.StatusLine;
import org.nnpan.train.TrainingListener;

/**
 * Shows a sweep's progress: before each cell a line with a bar over the grid (cells done of all, failed, the time
 * the remaining cells should take), beneath it the cell's own training {@link ProgressBar}, and after it one line
 * with the cell's outcome. The estimate is the mean wall time of the cells computed in this session (finished ones
 * that are skipped cost nothing) times the cells left.
 */
public final class SweepProgress implements Sweep.Listener {
    private static final int BAR_WIDTH = 20;

    private final PrintStream out;
    private final LongSupplier clock;
    private final StatusLine line;

    private int total;
    private int done;
    private int failed;
    private int computed;
    private double computedSeconds;
    private long cellStart;

    /**
     * @param interactive whether {@code out} is a terminal (the cells' training bars redraw in place)
     * @param clock       nanosecond time source ({@code System::nanoTime}; tests pass a fake one)
     */
    public SweepProgress(PrintStream out, boolean interactive, LongSupplier clock) {
        this.out = out;
        this.clock = clock;
        this.line = new StatusLine(out, interactive, StatusLine.PLAIN_INTERVAL, clock);
    }

    /** A display on standard error, redrawn in place where {@link StatusLine#onStandardError()} would be. */
    public static SweepProgress onStandardError() {
        return new SweepProgress(System.err, StatusLine.onStandardError().interactive(), System::nanoTime);
    }

    @Override
    public void sweepStarted(List<Sweep.Cell> cells) {
        total = cells.size();
    }

    @Override
    public TrainingListener cellStarted(int index, Sweep.Cell cell) {
        cellStart = line.now();
        String eta = computed == 0 ? "unknown" : ProgressBar.duration(computedSeconds / computed * (total - done));
        line.println(String.format(Locale.ROOT, "sweep %s %d/%d cells done%s  ETA %s  |  cell %d: %s", bar(), done,
                total, failed > 0 ? ", " + failed + " failed" : "", eta, index + 1, cell.name()));
        return new ProgressBar(out, line.interactive(), ProgressBar.PLAIN_INTERVAL, clock);
    }

    @Override
    public void cellFinished(int index, Sweep.CellResult r) {
        done++;
        double seconds = (line.now() - cellStart) / 1e9;
        String outcome;
        if (r.failed()) {
            failed++;
            outcome = "FAILED: " + r.error();
        } else if (r.result().skipped()) {
            outcome = String.format(Locale.ROOT, "finished earlier: %.2f%%", r.result().finalTestAcc());
        } else {
            outcome = String.format(Locale.ROOT, "%.2f%% in %s", r.result().finalTestAcc(),
                    ProgressBar.duration(seconds));
        }
        if (r.failed() || !r.result().skipped()) {
            computed++;
            computedSeconds += seconds;
        }
        line.println(String.format(Locale.ROOT, "cell %d/%d %s: %s", index + 1, total, r.cell().name(), outcome));
    }

    private String bar() {
        int filled = total == 0 ? 0 : BAR_WIDTH * done / total;
        return "[" + "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled) + "]";
    }
}
