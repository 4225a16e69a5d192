package org.nnpan.data;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Turns an {@link ImageSource} into epochs of batches, made ahead of time on one dedicated daemon thread so that
 * loading overlaps compute.
 *
 * <h2>Reproducibility</h2>
 * The loader owns a {@link SplitMix64} seeded from {@link LoaderOptions#seed()}. Each {@link #nextEpoch()} draws
 * one number from it to seed the epoch's own generator, which draws the epoch's permutation and then every
 * sample's augmentation in batch order. The same seed therefore gives the same batches on any machine, however
 * far the prefetch thread has run ahead, and {@link #state()} taken between epochs, given to
 * {@link #restoreState(long)} of a fresh loader, continues with the same epochs.
 *
 * <h2>Prefetching and errors</h2>
 * At most {@value #PREFETCH_BATCHES} finished batches wait for the consumer. If making a batch throws, the
 * consumer's {@code next()} throws a {@link DataLoaderException} with that exception as its cause and the epoch
 * ends. Starting an epoch abandons the unfinished one; {@link #close()} stops the thread.
 *
 * <p>A loader and its epochs are meant for one consumer thread and are not thread-safe.
 */
public final class BatchLoader implements AutoCloseable {

    /** Batches made ahead of the consumer. */
    public static final int PREFETCH_BATCHES = 2;

    private static final AtomicInteger THREAD_NUMBERS = new AtomicInteger();

    private final ImageSource source;
    private final LoaderOptions options;
    private final int outHeight;
    private final int outWidth;
    private final int batchesPerEpoch;
    private final SplitMix64 rng;
    private final BlockingQueue<Epoch> pending = new LinkedBlockingQueue<>();
    private final Thread prefetcher;
    private Epoch current;
    private boolean closed;

    /**
     * A loader over {@code source}; starts its prefetch thread.
     *
     * @throws IllegalArgumentException if the normalisation's channels or the output size don't fit the source,
     *                                  or an epoch would have no batch
     */
    public BatchLoader(ImageSource source, LoaderOptions options) {
        this.source = source;
        this.options = options;
        this.outHeight = options.outputHeight() == 0 ? source.height() : options.outputHeight();
        this.outWidth = options.outputWidth() == 0 ? source.width() : options.outputWidth();
        if (options.normalization().channels() != source.channels()) {
            throw new IllegalArgumentException("normalisation has " + options.normalization().channels()
                    + " channels, images have " + source.channels());
        }
        if (outHeight < source.height() || outWidth < source.width()) {
            throw new IllegalArgumentException("output size " + outHeight + "x" + outWidth
                    + " is smaller than the images, " + source.height() + "x" + source.width());
        }
        int samples = source.sampleCount();
        int batchSize = options.batchSize();
        this.batchesPerEpoch = options.dropLast() ? samples / batchSize : (samples + batchSize - 1) / batchSize;
        if (batchesPerEpoch == 0) {
            throw new IllegalArgumentException("an epoch of " + samples + " samples has no batch of "
                    + batchSize + (options.dropLast() ? " with dropLast" : ""));
        }
        this.rng = new SplitMix64(options.seed());
        this.prefetcher = new Thread(this::prefetchLoop, "nnpan-data-prefetch-" + THREAD_NUMBERS.incrementAndGet());
        prefetcher.setDaemon(true);
        prefetcher.start();
    }

    private void prefetchLoop() {
        try {
            while (true) {
                pending.take().produce();
            }
        } catch (InterruptedException e) {
            // close() interrupts: the thread ends.
        }
    }

    /** Batches in every epoch. */
    public int batchesPerEpoch() {
        return batchesPerEpoch;
    }

    /** The generator state that decides the next epoch; save it between epochs to resume later. */
    public long state() {
        return rng.state();
    }

    /** Makes the next epoch the one that followed when {@link #state()} returned {@code state}. */
    public void restoreState(long state) {
        rng.setState(state);
    }

    /**
     * Starts the next epoch, abandoning the current one if it is unfinished, and hands it to the prefetch thread.
     *
     * @throws IllegalStateException if the loader is closed
     */
    public Epoch nextEpoch() {
        if (closed) {
            throw new IllegalStateException("loader is closed");
        }
        if (current != null) {
            current.cancel();
        }
        current = new Epoch(new SplitMix64(rng.nextLong()));
        pending.add(current);
        return current;
    }

    /** Abandons the current epoch and stops the prefetch thread, waiting for it to end. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (current != null) {
            current.cancel();
        }
        prefetcher.interrupt();
        try {
            prefetcher.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The prefetch thread, for tests. */
    Thread prefetchThread() {
        return prefetcher;
    }

    /** A finished batch or the failure that took its place. */
    private record Produced(Batch batch, Throwable failure) {
    }

    /**
     * One pass over the data, iterable once. Batches arrive in order; the last may be smaller unless
     * {@link LoaderOptions#dropLast()}.
     */
    public final class Epoch implements Iterable<Batch>, Iterator<Batch> {

        private final int[] order;
        private final SplitMix64 augmentationRng;
        private final BlockingQueue<Produced> ready = new ArrayBlockingQueue<>(PREFETCH_BATCHES);
        private volatile boolean cancelled;
        private boolean iterated;
        private boolean failed;
        private int delivered;

        private Epoch(SplitMix64 epochRng) {
            int samples = source.sampleCount();
            this.order = options.shuffle() ? epochRng.permutation(samples) : identity(samples);
            this.augmentationRng = epochRng;
        }

        private static int[] identity(int n) {
            int[] order = new int[n];
            Arrays.setAll(order, i -> i);
            return order;
        }

        /** This epoch itself; may be called once, so that the epoch can be used in a for-each loop. */
        @Override
        public Iterator<Batch> iterator() {
            if (iterated) {
                throw new IllegalStateException("an epoch can be iterated only once");
            }
            iterated = true;
            return this;
        }

        @Override
        public boolean hasNext() {
            return !failed && delivered < batchesPerEpoch;
        }

        /**
         * The next batch, waiting for the prefetch thread if needed.
         *
         * @throws DataLoaderException   if making the batch failed
         * @throws IllegalStateException if a newer epoch was started or the loader was closed
         */
        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException("epoch has no more batches");
            }
            if (cancelled) {
                throw new IllegalStateException("epoch was abandoned: a newer one was started or the loader closed");
            }
            Produced produced;
            try {
                produced = ready.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DataLoaderException("interrupted while waiting for batch " + delivered, e);
            }
            if (produced.failure() != null) {
                failed = true;
                throw new DataLoaderException("making batch " + delivered + " failed: " + produced.failure(),
                        produced.failure());
            }
            delivered++;
            return produced.batch();
        }

        /**
         * Stops production. Clearing the queue after setting the flag wakes a producer blocked on a full queue,
         * which then sees the flag before making another batch.
         */
        private void cancel() {
            cancelled = true;
            ready.clear();
        }

        /** Runs on the prefetch thread. */
        private void produce() throws InterruptedException {
            for (int b = 0; b < batchesPerEpoch && !cancelled; b++) {
                Produced produced;
                try {
                    produced = new Produced(assemble(b), null);
                } catch (RuntimeException | Error e) {
                    produced = new Produced(null, e);
                }
                ready.put(produced);
                if (produced.failure() != null) {
                    return;
                }
            }
        }

        private Batch assemble(int b) {
            int start = b * options.batchSize();
            int[] indices = Arrays.copyOfRange(order, start, Math.min(start + options.batchSize(), order.length));
            int stride = source.channels() * outHeight * outWidth;
            float[] images = new float[indices.length * stride];
            int[] labels = new int[indices.length];
            for (int i = 0; i < indices.length; i++) {
                SampleTransform transform = options.augmentation().draw(augmentationRng);
                source.copyImage(indices[i], options.normalization(), outHeight, outWidth, transform, images,
                        i * stride);
                labels[i] = source.label(indices[i]);
            }
            return new Batch(b, indices, images, labels, source.channels(), outHeight, outWidth);
        }
    }
}
