package org.nnpan.kernels.parallel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * One parallel loop: {@code [0, n)} cut into {@code pieces} fixed contiguous pieces that the caller and the pool's
 * workers claim one at a time. Piece boundaries depend only on {@code n} and {@code pieces}, so which thread runs a
 * piece never changes a result; claiming means a worker that starts late (or is preempted) leaves its pieces to the
 * threads that are free instead of holding up the loop.
 */
final class Loop implements Runnable {
    private final long n;
    private final int pieces;
    private final Parallel.RangeBody body;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger unfinished;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread caller = Thread.currentThread();
    private volatile boolean callerParked;

    Loop(long n, int pieces, Parallel.RangeBody body) {
        this.n = n;
        this.pieces = pieces;
        this.body = body;
        this.unfinished = new AtomicInteger(pieces);
    }

    /** Runs pieces until none is left to claim (a worker's task, and the caller's share). */
    @Override
    public void run() {
        for (int p = next.getAndIncrement(); p < pieces; p = next.getAndIncrement()) {
            try {
                body.run(n * p / pieces, n * (p + 1) / pieces);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            } finally {
                // Decrement-then-read pairs with the caller's flag-then-check in awaitAndRethrow.
                if (unfinished.decrementAndGet() == 0 && callerParked) {
                    LockSupport.unpark(caller);
                }
            }
        }
    }

    /**
     * Waits until every piece is done, spinning up to {@code spinNanos} before parking, then rethrows the first
     * failure of any piece. Interrupts do not cut the wait short (the pieces still write their outputs); the thread's
     * interrupt status is kept.
     */
    void awaitAndRethrow(long spinNanos) {
        if (unfinished.get() != 0) {
            long deadline = System.nanoTime() + spinNanos;
            while (unfinished.get() != 0 && spinNanos > 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            callerParked = true;
            boolean interrupted = false;
            while (unfinished.get() != 0) {
                LockSupport.park(this);
                interrupted |= Thread.interrupted();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException re) {
            throw re;
        } else if (t instanceof Error err) {
            throw err;
        } else if (t != null) {
            throw new IllegalStateException(t);
        }
    }
}
