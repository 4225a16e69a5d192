package org.nnpan.train;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Shows training progress: epoch, batch, running loss and accuracy, throughput and the time left.
 *
 * <p>On a terminal it redraws one line in place (with a bar) and leaves a summary line per epoch. Elsewhere (a CI
 * log, a file) it writes a plain status line at most once per interval, plus the same per-epoch summary
 * ({@link StatusLine}).
 */
public final class ProgressBar implements TrainingListener {
    private static final int BAR_WIDTH = 24;
    /** How often a non-terminal gets a status line. */
    public static final Duration PLAIN_INTERVAL = StatusLine.PLAIN_INTERVAL;

    private final StatusLine line;

    private int epoch;
    private int epochs;
    private int batches;
    private long epochStart;
    private long lastBatchEnd;
    /** Seconds an epoch spends after its last batch (evaluation, checkpoint); 0 until one epoch has finished. */
    private double epochOverhead;

    /**
     * @param interactive   whether {@code out} is a terminal that understands carriage returns
     * @param plainInterval the least time between two status lines when not interactive
     * @param clock         nanosecond time source ({@code System::nanoTime}; tests pass a fake one)
     */
    public ProgressBar(PrintStream out, boolean interactive, Duration plainInterval, LongSupplier clock) {
        this(new StatusLine(out, interactive, plainInterval, clock));
    }

    private ProgressBar(StatusLine line) {
        this.line = line;
    }

    /**
     * A progress display on standard error: a redrawn bar when the JVM runs in a terminal, plain lines every
     * {@link #PLAIN_INTERVAL} otherwise ({@link StatusLine#onStandardError()}).
     */
    public static ProgressBar onStandardError() {
        return new ProgressBar(StatusLine.onStandardError());
    }

    @Override
    public void epochStarted(int epoch, int epochs, int batches) {
        this.epoch = epoch;
        this.epochs = epochs;
        this.batches = batches;
        this.epochStart = line.now();
        line.restartInterval();
    }

    @Override
    public void batchFinished(int batch, double loss, double accuracy, double imagesPerSecond) {
        long now = line.now();
        lastBatchEnd = now;
        if (!line.due() && batch < batches) {
            return;
        }
        double perBatch = (now - epochStart) / 1e9 / batch;
        double epochLeft = (batches - batch) * perBatch;
        double runLeft = epochLeft + epochOverhead + (epochs - epoch) * (batches * perBatch + epochOverhead);
        String status = String.format(Locale.ROOT, "%s %d/%d  loss %.4f  acc %.2f%%  %.0f img/s  ETA %s (run %s)",
                line.interactive() ? bar(batch) : "batch", batch, batches, loss, accuracy, imagesPerSecond,
                duration(epochLeft), duration(runLeft));
        line.status("epoch " + epoch + "/" + epochs + "  " + status);
    }

    @Override
    public void epochFinished(EpochMetrics m) {
        epochOverhead = Math.max(0, (line.now() - lastBatchEnd) / 1e9);
        line.println(String.format(Locale.ROOT,
                "epoch %d/%d  train loss %.4f acc %.2f%%  test loss %.4f acc %.2f%%  lr %.4g  %.1f s  %.0f img/s",
                m.epoch(), epochs, m.trainLoss(), m.trainAcc(), m.testLoss(), m.testAcc(), m.lr(), m.epochSeconds(),
                m.imagesPerSecond()));
    }

    private String bar(int batch) {
        int filled = (int) ((long) BAR_WIDTH * batch / batches);
        return "[" + "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled) + "]";
    }

    /** {@code h:mm:ss} or {@code m:ss}. */
    public static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
