package org.nnpan.kernels.parallel;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The engine's dedicated intra-op thread pool. A loop is cut into contiguous pieces whose boundaries depend only on
 * the loop and the thread count, so a given thread count always partitions a loop the same way, which keeps
 * reductions deterministic; the caller and the pool's threads claim the pieces one at a time, so a thread that is
 * late (still waking up, or preempted) leaves its pieces to the others instead of holding up the loop.
 *
 * <p>The pool size defaults to the number of available processors and can be set once at start-up with
 * {@link #setThreads(int)} (the CLI's {@code --threads}) or the system property {@code nnpan.threads}.
 * The JDK's common ForkJoinPool is never used.
 *
 * <p>A thread can run a piece of work with a narrower pool of its own ({@link #callWith}), so that independent work on
 * two threads (a pipeline) shares the cores without each side's loops queuing behind the other's.
 */
public final class Parallel {

    /** A loop body over the half-open index range {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeBody {
        void run(long start, long end);
    }

    /** Set while the calling thread runs a chunk of a parallel loop (workers are always inside one). */
    private static final ThreadLocal<boolean[]> IN_REGION = ThreadLocal.withInitial(() -> new boolean[1]);

    private static volatile Parallel instance;

    /** The pool {@link #callWith} put in place on this thread; null outside such a call. */
    private static final ThreadLocal<Parallel> OVERRIDE = new ThreadLocal<>();

    /** The narrower pools of {@link #callWith}, one per size, shared by the threads that ask for that size. */
    private static final ConcurrentHashMap<Integer, Parallel> NARROW =
            new ConcurrentHashMap<>();

    /** Never started; segments it may access are not confined to their owner and can be shared with the pool. */
    private static final Thread ANOTHER_THREAD = new Thread(() -> { });

    private final int threads;
    private final Crew pool;
    private final long spinNanos;

    private Parallel(int threads) {
        this.threads = threads;
        long spin = spinMicrosProperty() * 1000L;
        // Spinning only pays while every pool thread has a core; oversubscribed, a spinner steals the core its
        // partner needs.
        this.spinNanos = threads <= Runtime.getRuntime().availableProcessors() ? spin : 0;
        this.pool = threads > 1 ? new Crew(threads - 1, "nnpan-intraop", spinNanos) : null;
    }

    /** The pool of the calling thread: the shared pool, created on first use, or the one {@link #callWith} set. */
    public static Parallel get() {
        Parallel p = OVERRIDE.get();
        if (p != null) {
            return p;
        }
        p = instance;
        if (p == null) {
            synchronized (Parallel.class) {
                p = instance;
                if (p == null) {
                    instance = p = new Parallel(defaultThreads());
                }
            }
        }
        return p;
    }

    /**
     * Replaces the shared pool with one of {@code threads} threads (the caller's thread counts as one).
     *
     * @throws IllegalArgumentException if {@code threads < 1}
     */
    public static synchronized void setThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        }
        Parallel old = instance;
        if (old != null && old.threads == threads) {
            return;
        }
        instance = new Parallel(threads);
        if (old != null && old.pool != null) {
            old.pool.shutdown();
        }
    }

    /**
     * Runs {@code work} on the calling thread with {@link #get()} answering a pool of {@code threads} threads (the
     * caller included; 1 runs every loop inline), then restores the thread's previous pool. Every loop and every
     * kernel that sizes its partition by {@link #threads()} then splits its work as with {@code --threads threads}, so
     * the results are those of a run with that many threads.
     *
     * @throws IllegalArgumentException if {@code threads < 1}
     */
    public static <T> T callWith(int threads, Supplier<T> work) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be >= 1, got " + threads);
        }
        Parallel previous = OVERRIDE.get();
        OVERRIDE.set(NARROW.computeIfAbsent(threads, Parallel::new));
        try {
            return work.get();
        } finally {
            OVERRIDE.set(previous);
        }
    }

    /**
     * How long an idle pool thread, or a caller waiting for the pool, spins before parking: system property
     * {@code nnpan.spinMicros} (microseconds, 0 parks at once), default 200. Read per pool, so a bad value is an
     * {@link IllegalArgumentException} from {@link #get()}, like a bad {@code nnpan.threads}.
     */
    private static long spinMicrosProperty() {
        return boundedProperty("nnpan.spinMicros", 200, 0, 1_000_000, "an integer from 0 to 1000000 (microseconds)");
    }

    private static int defaultThreads() {
        return (int) boundedProperty("nnpan.threads", Math.max(1, Runtime.getRuntime().availableProcessors()), 1,
                Integer.MAX_VALUE, "a positive integer");
    }

    /**
     * The integer system property {@code name}, or {@code fallback} when it is unset or blank.
     *
     * @throws IllegalArgumentException naming the property and what it {@code mustBe} if it is not an integer in
     *     {@code [min, max]}
     */
    private static long boundedProperty(String name, long fallback, long min, long max, String mustBe) {
        String prop = System.getProperty(name);
        if (prop == null || prop.isBlank()) {
            return fallback;
        }
        try {
            long value = Long.parseLong(prop.trim());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the error
        }
        throw new IllegalArgumentException("system property " + name + " must be " + mustBe + ", got '" + prop + "'");
    }

    /**
     * Whether the calling thread is already running a chunk of a parallel loop. Nested loops then run inline, and
     * callers of native libraries with their own threads (OpenBLAS) should ask them for one thread.
     */
    public static boolean inParallelRegion() {
        return Thread.currentThread() instanceof Crew.Worker || IN_REGION.get()[0];
    }

    /** Whether pool threads may access all of {@code segments} (false for segments of a confined arena). */
    public static boolean poolCanAccess(MemorySegment... segments) {
        for (MemorySegment s : segments) {
            if (!s.isAccessibleBy(ANOTHER_THREAD)) {
                return false;
            }
        }
        return true;
    }

    /** Number of threads that work on a parallel loop, including the calling thread. */
    public int threads() {
        return threads;
    }

    /**
     * How long, in microseconds, this pool's idle threads (and a caller waiting at a join) spin before parking:
     * {@code nnpan.spinMicros}, or 0 when the pool has more threads than the machine has processors.
     */
    public long spinMicros() {
        return spinNanos / 1000;
    }

    /**
     * Runs {@code body} over {@code [0, n)} split into at most {@link #threads()} contiguous chunks, never smaller
     * than {@code grain} elements (small loops run inline on the caller). Chunk boundaries depend only on
     * {@code n}, {@code grain} and the thread count; which thread runs a chunk does not. Returns when every chunk
     * has run, rethrowing the first failure of any.
     */
    public void parallelFor(long n, long grain, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int chunks = (int) Math.min(threads, Math.max(1, n / Math.max(1, grain)));
        // Nested parallel loops run inline: a worker waiting on its own pool could deadlock it, and the caller's
        // chunk would only queue behind busy workers.
        if (chunks <= 1 || pool == null || inParallelRegion()) {
            body.run(0, n);
            return;
        }
        run(chunks, Loop.fixed(n, chunks, body));
    }

    /**
     * Like {@link #parallelFor}, for a body whose results do not depend on how {@code [0, n)} is split (every index
     * computed on its own, as in an elementwise op or a convolution over the images of a batch): threads claim pieces
     * of what is left as they free up, {@code 1 / (4 * threads)} of it and never less than {@code grain} elements, so
     * the pieces shrink as the loop drains, and a thread that starts late or is preempted holds up the loop for one
     * small piece at most. Runs inline when {@code n} is under two grains. The boundaries depend on timing.
     */
    public void balancedFor(long n, long grain, RangeBody body) {
        if (n <= 0) {
            return;
        }
        long g = Math.max(1, grain);
        if (n / g <= 1 || pool == null || inParallelRegion()) {
            body.run(0, n);
            return;
        }
        int sharers = (int) Math.min(threads, n / g);
        run(sharers, Loop.guided(n, g, sharers, body));
    }

    /** Runs {@code loop} on the caller and {@code sharers - 1} workers. */
    private void run(int sharers, Loop loop) {
        for (int w = 1; w < sharers; w++) {
            pool.execute(loop);
        }
        boolean[] region = IN_REGION.get();
        region[0] = true;
        try {
            loop.run();
        } finally {
            region[0] = false;
        }
        loop.awaitAndRethrow(spinNanos);
    }

    /**
     * Runs {@code task(i)} for every chunk index {@code i} in {@code [0, chunks)}, spread over the pool as by
     * {@link #balancedFor} (a chunk's result cannot depend on which thread runs it). Used where a kernel partitions
     * work itself (e.g. GEMM macro-tiles, or one partial sum per chunk).
     */
    public void forEachChunk(int chunks, java.util.function.IntConsumer task) {
        balancedFor(chunks, 1, (s, e) -> {
            for (long i = s; i < e; i++) {
                task.accept((int) i);
            }
        });
    }
}
