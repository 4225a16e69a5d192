package org.nnpan.kernels.parallel;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * One parallel loop over {@code [0, n)} whose pieces the caller and the pool's workers claim one at a time, so a
 * worker that starts late (or is preempted) leaves its share to the threads that are free instead of holding up the
 * loop. Two ways to cut it:
 * <ul>
 *   <li>{@linkplain #fixed fixed}: {@code pieces} pieces whose boundaries depend only on {@code n} and {@code pieces},
 *   for bodies whose results depend on the split (per-chunk partial sums);</li>
 *   <li>{@linkplain #guided guided}: each claim takes {@code 1 / (4 * sharers)} of what is left (never less than a
 *   grain), so the pieces shrink as the loop drains and the last ones are small: the thread that finishes first waits
 *   at most for one small piece. Boundaries then depend on timing, so only for bodies whose results do not depend
 *   on the split.</li>
 * </ul>
 */
final class Loop implements Runnable {
    /** A guided claim takes {@code 1 / (SHARE * sharers)} of what is left. */
    private static final int SHARE = 4;

    private final long n;
    private final Parallel.RangeBody body;
    /** Fixed: the piece count; guided: 0. */
    private final int pieces;
    /** Guided: the smallest piece and the threads sharing the loop. */
    private final long grain;
    private final int sharers;
    /** Fixed: the next piece's index; guided: the next unclaimed element. */
    private final AtomicLong next = new AtomicLong();
    /** Elements not yet done. */
    private final AtomicLong unfinished;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread caller = Thread.currentThread();
    private volatile boolean callerParked;

    private Loop(long n, int pieces, long grain, int sharers, Parallel.RangeBody body) {
        this.n = n;
        this.pieces = pieces;
        this.grain = grain;
        this.sharers = sharers;
        this.body = body;
        this.unfinished = new AtomicLong(n);
    }

    /** {@code [0, n)} cut into {@code pieces} fixed pieces ({@code 1 <= pieces <= n}). */
    static Loop fixed(long n, int pieces, Parallel.RangeBody body) {
        return new Loop(n, pieces, 0, 0, body);
    }

    /** {@code [0, n)} claimed in shrinking pieces of at least {@code grain} by {@code sharers} threads. */
    static Loop guided(long n, long grain, int sharers, Parallel.RangeBody body) {
        return new Loop(n, 0, Math.max(1, grain), sharers, body);
    }

    /** Runs pieces until none is left to claim (a worker's task, and the caller's share). */
    @Override
    public void run() {
        while (true) {
            long start;
            long end;
            if (pieces > 0) {
                long p = next.getAndIncrement();
                if (p >= pieces) {
                    return;
                }
                start = n * p / pieces;
                end = n * (p + 1) / pieces;
            } else {
                start = next.get();
                if (start >= n) {
                    return;
                }
                long left = n - start;
                long size = Math.max(grain, left / ((long) SHARE * sharers));
                // A remainder under a grain joins this piece rather than making one of its own.
                end = left - size < grain ? n : start + size;
                if (!next.compareAndSet(start, end)) {
                    continue;
                }
            }
            try {
                body.run(start, end);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            } finally {
                // Subtract-then-read pairs with the caller's flag-then-check in awaitAndRethrow.
                if (unfinished.addAndGet(start - end) == 0 && callerParked) {
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
