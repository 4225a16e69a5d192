package org.nnpan.kernels.parallel;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The worker threads behind a {@link Parallel} pool. An idle worker spins for a short while before it parks: waking a
 * parked thread took a median 0.1 ms on the two-core virtual machines this was measured on (an idle virtual CPU
 * halts), the length of many of a scoring pass's loops (ResNet-32's SNIP pass runs ≈ 210 of them).
 */
final class Crew {

    /** A pool thread; {@link Parallel#inParallelRegion()} recognises it. */
    static final class Worker extends Thread {
        /** Set while parked (or about to park); whoever clears it owes the worker an unpark. */
        final AtomicBoolean parked = new AtomicBoolean();

        Worker(Runnable r, String name) {
            super(r, name);
        }
    }

    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Worker[] workers;
    private final long spinNanos;
    private volatile boolean stopped;

    /**
     * Starts {@code size} daemon workers named {@code prefix-1}, {@code prefix-2}, ... that spin up to
     * {@code spinNanos} for work before parking.
     */
    Crew(int size, String prefix, long spinNanos) {
        this.spinNanos = spinNanos;
        this.workers = new Worker[size];
        for (int i = 0; i < size; i++) {
            Worker w = new Worker(this::work, prefix + "-" + (i + 1));
            w.setDaemon(true);
            workers[i] = w;
        }
        for (Worker w : workers) {
            w.start();
        }
    }

    /**
     * Queues {@code task} for the first free worker and wakes one parked worker, if any (a spinning worker may take the
     * task first; the woken one then finds the queue empty, spins and parks again).
     */
    void execute(Runnable task) {
        tasks.offer(task);
        // Offer-then-check pairs with the worker's flag-then-poll, so a task is never left with every worker asleep.
        for (Worker w : workers) {
            if (w.parked.get() && w.parked.compareAndSet(true, false)) {
                LockSupport.unpark(w);
                return;
            }
        }
    }

    /** Lets the workers finish the tasks already queued, then end. */
    void shutdown() {
        stopped = true;
        for (Worker w : workers) {
            w.parked.set(false);
            LockSupport.unpark(w);
        }
    }

    private void work() {
        Worker self = (Worker) Thread.currentThread();
        while (true) {
            Runnable task = poll();
            if (task == null) {
                if (stopped) {
                    return;
                }
                self.parked.set(true);
                task = tasks.poll();
                if (task == null) {
                    while (self.parked.get() && !stopped) {
                        LockSupport.park(this);
                    }
                    continue;
                }
                // A submitter that cleared the flag meanwhile left a permit; the next park absorbs it.
                self.parked.set(false);
            }
            task.run();
        }
    }

    /** The next task, spinning up to {@code spinNanos} for one to arrive. */
    private Runnable poll() {
        Runnable task = tasks.poll();
        if (task != null || spinNanos <= 0) {
            return task;
        }
        long deadline = System.nanoTime() + spinNanos;
        while (task == null && !stopped && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            task = tasks.poll();
        }
        return task;
    }
}
