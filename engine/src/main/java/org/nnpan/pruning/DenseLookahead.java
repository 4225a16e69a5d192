package org.nnpan.pruning;

import java.util.ArrayDeque;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.nnpan.backend.Backend;
import org.nnpan.backend.Backends;
import org.nnpan.kernels.parallel.Parallel;
import org.nnpan.nn.Module;
import org.nnpan.tensor.MemoryScope;

/**
 * Runs the {@link DensePass} of the batches a panning run will draw next on background threads, while the caller
 * works on the current step: the dense pass depends on θ₀ and the batch only, never on the mask or the action, so
 * batch i+1's can run beside step i's selection and observation (and, in the agent's training, its update).
 *
 * <p>The pool's threads are shared out: each background thread and the caller's side of a step run with
 * {@code max(1, threads / (depth + 1))} of them ({@link Parallel#callWith}), so on 2 cores every side runs on one
 * thread. Each pass runs on a copy of the model per background thread (the pass puts BatchNorm's running statistics
 * back, but meanwhile the caller's working copies read them), into scores this object owns: {@code depth + 1} slots,
 * one for the step being consumed and one per pass in flight. A result is therefore bit for bit what
 * {@link DensePass#run} computes with that share of threads, whichever thread ran it and when; with up to 5 threads
 * that is one thread, so a run's numbers are those of {@code --threads 1}.
 *
 * <p>The caller takes the results in draw order ({@link #take}); asking for another index than the next one (e.g.
 * after an environment's state was loaded) waits for the passes in flight, drops them and starts again there. With
 * depth 0 there is no background thread: each pass runs when it is taken, on the caller's pool.
 */
final class DenseLookahead implements AutoCloseable {
    /**
     * Batches run ahead with more than one thread. With two, on the 2-core machine of docs/benchmarks.md (LeNet-5, 100
     * images), one pass in flight left a core idle while the caller waited for it (82–85 ms per step against 97–106 ms
     * without), two kept both busy (77–79 ms).
     */
    static final int DEFAULT_DEPTH = 2;

    private record Pending(int index, Future<LossProbe.Measurement> result) {
    }

    private final Module model;
    private final Panning.BatchSource batches;
    private final LossProbe probe;
    private final int depth;
    private final int batchCount;
    /** Threads of each side: every background thread and the caller's. */
    private final int share;
    private final Scores[] snip;
    private final Scores[] grasp;
    private final BlockingQueue<Module> copies;
    private final ThreadPoolExecutor workers;
    private final Backend backend = Backends.current();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private int next;

    /**
     * Looks {@code depth} batches ahead of the one taken, with one background thread per batch in flight (none for
     * depth 0). The scores are allocated in the current scope, which must outlive this object.
     *
     * @param model      the dense network θ₀, which must not change while this object is used
     * @param batches    the run's batches, drawn by index on the background threads (so it must be thread-safe)
     * @param probe      measures ℓ and G on the same forward pass, or null; shared by the threads (it keeps no state
     *                   for dense measurements)
     * @param batchCount how many batches the run draws (none is run ahead past them), or
     *                   {@link Integer#MAX_VALUE} when that is open
     * @throws IllegalArgumentException if the model carries masks or {@code depth < 0}
     */
    DenseLookahead(Module model, Panning.BatchSource batches, LossProbe probe, int depth, int batchCount) {
        Scoring.requireDense(model);
        if (depth < 0) {
            throw new IllegalArgumentException("lookahead depth must be at least 0, got " + depth);
        }
        this.model = model;
        this.batches = batches;
        this.probe = probe;
        this.depth = depth;
        this.batchCount = batchCount;
        this.share = Math.max(1, Parallel.get().threads() / (depth + 1));
        WeightLayout layout = WeightLayout.of(model);
        int slots = depth == 0 ? 0 : depth + 1;
        snip = new Scores[slots];
        grasp = new Scores[slots];
        for (int i = 0; i < slots; i++) {
            snip[i] = Scores.allocate(layout);
            grasp[i] = Scores.allocate(layout);
        }
        copies = new ArrayBlockingQueue<>(Math.max(1, depth));
        for (int i = 0; i < depth; i++) {
            copies.add(model.copy());
        }
        AtomicInteger count = new AtomicInteger();
        // Idle threads end by themselves, so an owner that is dropped without close() leaks no threads.
        workers = depth == 0 ? null : new ThreadPoolExecutor(depth, depth, 5, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "nnpan-dense-lookahead-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        if (workers != null) {
            workers.allowCoreThreadTimeOut(true);
        }
    }

    /**
     * The lookahead for the calling thread's pool: {@value #DEFAULT_DEPTH} batches ahead with more than one thread
     * (or {@code -Dnnpan.lookahead=N}), none (passes run in the step, with the pool) with one.
     */
    static DenseLookahead forPool(Module model, Panning.BatchSource batches, LossProbe probe, int batchCount) {
        int depth = Integer.getInteger("nnpan.lookahead", Parallel.get().threads() > 1 ? DEFAULT_DEPTH : 0);
        if (depth < 0) {
            throw new IllegalArgumentException("system property nnpan.lookahead must be 0 or more, got " + depth);
        }
        return new DenseLookahead(model, batches, probe, depth, batchCount);
    }

    /**
     * Runs the caller's side of a step (selection, observation) with its share of the pool while passes run ahead, so
     * the sides share the cores instead of the caller's loops queuing behind busy threads; as it comes with depth 0.
     */
    <T> T callerSide(Supplier<T> work) {
        return depth == 0 ? work.get() : Parallel.callWith(share, work);
    }

    /**
     * ℓ and G of the dense network on batch {@code index}, by the probe: from the pass run ahead, or measured now
     * with depth 0 (a probe alone, no scores).
     */
    LossProbe.Measurement measure(int index) {
        return depth == 0 ? probe.dense(model, batches.draw(index)) : take(index, null).dense();
    }

    /**
     * The dense pass of batch {@code index}, waiting for it if it is still running, and starts the passes up to
     * {@code index + depth}. Its scores stay valid until the next call. With depth 0 the pass runs now, on
     * {@code batch}, its scores in the current scope.
     *
     * @param batch {@code batches.draw(index)}, which the caller has drawn anyway; read with depth 0 only
     */
    DensePass.Result take(int index, ScoringBatch batch) {
        if (depth == 0) {
            return DensePass.run(model, batch, probe);
        }
        if (index >= batchCount) {
            throw new IllegalArgumentException("batch " + index + " is past the run's " + batchCount);
        }
        if (pending.isEmpty() || pending.peekFirst().index() != index) {
            cancelPending();
            next = index;
        }
        while (next <= index + depth && next < batchCount) {
            submit(next++);
        }
        Pending p = pending.removeFirst();
        LossProbe.Measurement dense = await(p.result());
        int slot = slot(index);
        return new DensePass.Result(snip[slot], grasp[slot], dense);
    }

    private int slot(int index) {
        return Math.floorMod(index, depth + 1);
    }

    private void submit(int index) {
        int slot = slot(index);
        pending.addLast(new Pending(index, workers.submit(() -> {
            Module copy = copies.take();
            try (Backends.Use _ = Backends.use(backend); MemoryScope _ = MemoryScope.open("dense-lookahead")) {
                ScoringBatch batch = batches.draw(index);
                return Parallel.callWith(share, () -> DensePass.runInto(copy, batch, probe, snip[slot], grasp[slot]));
            } finally {
                copies.add(copy);
            }
        })));
    }

    /** Waits for the passes in flight (they write into the slots) and forgets them. */
    private void cancelPending() {
        while (!pending.isEmpty()) {
            try {
                pending.removeFirst().result().get();
            } catch (ExecutionException e) {
                // Its result is dropped anyway; a real failure shows again when the caller takes that batch.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the dense passes in flight", e);
            }
        }
    }

    private static LossProbe.Measurement await(Future<LossProbe.Measurement> result) {
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a dense pass", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("dense pass failed", e.getCause());
        }
    }

    /** Stops the background threads once the passes in flight are done. */
    @Override
    public void close() {
        cancelPending();
        if (workers != null) {
            workers.shutdown();
        }
    }
}
