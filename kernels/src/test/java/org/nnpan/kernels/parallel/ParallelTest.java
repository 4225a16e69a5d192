package org.nnpan.kernels.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pools' loops ({@link Parallel#parallelFor}, {@link Parallel#balancedFor}, {@link Parallel#forEachChunk}): every
 * index runs once, static piece boundaries depend only on the loop and the thread count, balanced pieces shrink,
 * failures and interrupts; and the per-thread pools of {@link Parallel#callWith}: what {@link Parallel#get()}
 * answers, where loops run.
 */
// A lost piece shows as a loop that never ends; the separate thread turns that into a failure.
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ParallelTest {

    /** The pieces a loop was cut into, as sorted {@code start, end} pairs, checked to tile {@code [0, n)}. */
    private static List<long[]> pieces(boolean balanced, int threads, long n, long grain) {
        List<long[]> seen = Collections.synchronizedList(new ArrayList<>());
        AtomicIntegerArray hits = new AtomicIntegerArray((int) n);
        Parallel.callWith(threads, () -> {
            Parallel.RangeBody body = (s, e) -> {
                seen.add(new long[] {s, e});
                for (long i = s; i < e; i++) {
                    hits.incrementAndGet((int) i);
                }
            };
            if (balanced) {
                Parallel.get().balancedFor(n, grain, body);
            } else {
                Parallel.get().parallelFor(n, grain, body);
            }
            return null;
        });
        for (int i = 0; i < n; i++) {
            assertEquals(1, hits.get(i), "index " + i + " of " + n + " ran once");
        }
        List<long[]> sorted = new ArrayList<>(seen);
        sorted.sort((a, b) -> Long.compare(a[0], b[0]));
        long at = 0;
        for (long[] piece : sorted) {
            assertEquals(at, piece[0], "pieces are contiguous");
            assertTrue(piece[1] > piece[0], "no empty piece");
            at = piece[1];
        }
        assertEquals(n, at);
        return sorted;
    }

    /** A loop of {@code n} elements with a grain, run on a pool of {@code threads}. */
    private record RandomLoop(long n, long grain, int threads) {
        /** 60 loops of up to 3000 elements, grains up to 200, 1 to 4 threads. */
        static List<RandomLoop> draw(long seed) {
            SplittableRandom rng = new SplittableRandom(seed);
            List<RandomLoop> loops = new ArrayList<>();
            for (int trial = 0; trial < 60; trial++) {
                loops.add(new RandomLoop(1 + rng.nextInt(3000), 1 + rng.nextInt(200), 1 + rng.nextInt(4)));
            }
            return loops;
        }
    }

    @Test
    void everyIndexRunsOnceAndStaticPiecesDependOnlyOnTheLoopAndTheThreadCount() {
        for (RandomLoop loop : RandomLoop.draw(7)) {
            long n = loop.n();
            long grain = loop.grain();
            int threads = loop.threads();
            List<long[]> first = pieces(false, threads, n, grain);
            List<long[]> again = pieces(false, threads, n, grain);
            assertEquals(first.size(), again.size());
            for (int i = 0; i < first.size(); i++) {
                assertEquals(first.get(i)[0], again.get(i)[0]);
                assertEquals(first.get(i)[1], again.get(i)[1]);
            }
            long expected = Math.min(threads, Math.max(1, n / grain));
            assertEquals(expected, first.size(), "static loop of " + n + " with grain " + grain + " on " + threads
                    + " threads");
            for (long[] piece : first) {
                assertTrue(first.size() == 1 || piece[1] - piece[0] >= grain, "pieces are at least a grain");
            }
        }
    }

    @Test
    void balancedLoopsRunEveryIndexOnceInPiecesOfAtLeastAGrainThatShrink() {
        for (RandomLoop drawn : RandomLoop.draw(11)) {
            long n = drawn.n();
            long grain = drawn.grain();
            int threads = drawn.threads();
            List<long[]> pieces = pieces(true, threads, n, grain);
            String loop = "balanced loop of " + n + " with grain " + grain + " on " + threads + " threads";
            if (threads == 1 || n < 2 * grain) {
                assertEquals(1, pieces.size(), loop + " runs inline");
                continue;
            }
            assertTrue(pieces.size() >= 2, loop + " is shared");
            for (long[] piece : pieces) {
                assertTrue(piece[1] - piece[0] >= grain, loop + ": pieces are at least a grain");
            }
            // Claims take a share of what is left, so a piece is never larger than the first one (the one at 0),
            // and a loop of many grains ends in pieces of a few grains at most.
            long firstSize = pieces.get(0)[1] - pieces.get(0)[0];
            for (long[] piece : pieces) {
                assertTrue(piece[1] - piece[0] <= firstSize + grain, loop + ": no piece exceeds the first");
            }
            long[] last = pieces.get(pieces.size() - 1);
            assertTrue(last[1] - last[0] < 2 * grain, loop + ": the last piece is under two grains, got "
                    + (last[1] - last[0]));
        }
    }

    @Test
    void forEachChunkRunsEveryChunkOnce() {
        for (int chunks : new int[] {1, 2, 3, 7, 8, 9, 64, 1000}) {
            AtomicIntegerArray hits = new AtomicIntegerArray(chunks);
            Parallel.callWith(2, () -> {
                Parallel.get().forEachChunk(chunks, hits::incrementAndGet);
                return null;
            });
            for (int i = 0; i < chunks; i++) {
                assertEquals(1, hits.get(i), "chunk " + i + " of " + chunks);
            }
        }
    }

    @Test
    void aPieceLeftByABusyWorkerIsRunByTheCaller() throws InterruptedException {
        // Hold the only worker of a 2-thread pool in another loop; the caller's loop must still finish, on its own.
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread blocker = new Thread(() -> Parallel.callWith(2, () -> {
            // Both pieces wait for the release, so the caller sits in one and the worker has to take the other.
            Parallel.get().parallelFor(2, 1, (s, e) -> {
                if (Thread.currentThread().getName().startsWith("nnpan-intraop")) {
                    holding.countDown();
                }
                await(release);
            });
            return null;
        }));
        blocker.start();
        try {
            assertTrue(holding.await(10, TimeUnit.SECONDS), "the worker took the blocking piece");
            Set<Thread> ran = ConcurrentHashMap.newKeySet();
            Parallel.callWith(2, () -> {
                Parallel.get().balancedFor(100, 1, (s, e) -> ran.add(Thread.currentThread()));
                Parallel.get().parallelFor(100, 1, (s, e) -> ran.add(Thread.currentThread()));
                return null;
            });
            assertEquals(Set.of(Thread.currentThread()), ran);
        } finally {
            release.countDown();
            blocker.join();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aFailingPieceIsRethrownAfterEveryPieceHasRun() {
        for (boolean balanced : new boolean[] {false, true}) {
            AtomicIntegerArray hits = new AtomicIntegerArray(1000);
            long[] failed = new long[2];
            IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, () -> Parallel.callWith(3,
                    () -> {
                        Parallel.RangeBody body = (s, e) -> {
                            if (s > 0 && s <= 500 && 500 < e) {
                                failed[0] = s;
                                failed[1] = e;
                                throw new IllegalArgumentException("piece with 500");
                            }
                            for (long i = s; i < e; i++) {
                                hits.incrementAndGet((int) i);
                            }
                        };
                        if (balanced) {
                            Parallel.get().balancedFor(1000, 1, body);
                        } else {
                            Parallel.get().parallelFor(1000, 1, body);
                        }
                        return null;
                    }));
            assertEquals("piece with 500", thrown.getMessage());
            for (int i = 0; i < 1000; i++) {
                int expected = i >= failed[0] && i < failed[1] ? 0 : 1;
                assertEquals(expected, hits.get(i), "index " + i + ": every other piece ran");
            }
        }
    }

    @Test
    void anInterruptDoesNotCutTheWaitShortAndIsKept() {
        AtomicIntegerArray hits = new AtomicIntegerArray(4);
        Parallel.callWith(2, () -> {
            Thread.currentThread().interrupt();
            Parallel.get().parallelFor(4, 1, (s, e) -> {
                spinFor(20);
                for (long i = s; i < e; i++) {
                    hits.incrementAndGet((int) i);
                }
            });
            return null;
        });
        assertTrue(Thread.interrupted(), "the interrupt status survives the loop (and is cleared here)");
        for (int i = 0; i < 4; i++) {
            assertEquals(1, hits.get(i));
        }
    }

    /** Busy-waits: Thread.sleep would throw on the interrupt this test sets. */
    private static void spinFor(long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    @Test
    void nestedLoopsRunInlineOnTheThreadOfTheirPiece() {
        Set<String> mismatches = ConcurrentHashMap.newKeySet();
        Parallel.callWith(2, () -> {
            Parallel.get().balancedFor(8, 1, (s, e) -> {
                Thread outer = Thread.currentThread();
                assertTrue(Parallel.inParallelRegion());
                Parallel.get().parallelFor(100, 1, (a, b) -> {
                    if (Thread.currentThread() != outer || a != 0 || b != 100) {
                        mismatches.add(a + ".." + b + " on " + Thread.currentThread().getName());
                    }
                });
            });
            return null;
        });
        assertEquals(Set.of(), mismatches);
        assertTrue(!Parallel.inParallelRegion(), "the caller leaves the region after the loop");
    }

    @Test
    void callWithSetsThePoolForTheCallOnlyAndNests() {
        Parallel shared = Parallel.get();
        int outer = Parallel.callWith(3, () -> {
            int inner = Parallel.callWith(1, () -> Parallel.get().threads());
            assertEquals(1, inner);
            return Parallel.get().threads();
        });
        assertEquals(3, outer);
        assertSame(shared, Parallel.get(), "the shared pool is back after the call");
    }

    @Test
    void theOverrideIsRestoredWhenTheWorkThrows() {
        Parallel shared = Parallel.get();
        assertThrows(IllegalStateException.class, () -> Parallel.callWith(1, () -> {
            throw new IllegalStateException("boom");
        }));
        assertSame(shared, Parallel.get());
    }

    @Test
    void oneThreadRunsEveryLoopInlineAsOneChunk() {
        List<long[]> chunks = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
        Parallel.callWith(1, () -> {
            Parallel.get().parallelFor(1000, 1, (s, e) -> {
                chunks.add(new long[] {s, e});
                threads.add(Thread.currentThread());
            });
            return null;
        });
        assertEquals(1, chunks.size());
        assertEquals(0, chunks.get(0)[0]);
        assertEquals(1000, chunks.get(0)[1]);
        assertSame(Thread.currentThread(), threads.get(0));
    }

    @Test
    void otherThreadsKeepTheSharedPool() {
        Parallel shared = Parallel.get();
        AtomicReference<Parallel> seen = new AtomicReference<>();
        Parallel.callWith(1, () -> {
            Thread t = new Thread(() -> seen.set(Parallel.get()));
            t.start();
            try {
                t.join();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return null;
        });
        assertSame(shared, seen.get());
    }

    @Test
    void poolsSpinByDefaultUnlessOversubscribed() {
        assertEquals(200, Parallel.callWith(1, () -> Parallel.get().spinMicros()), "nnpan.spinMicros is not set here");
        int oversubscribed = Runtime.getRuntime().availableProcessors() + 1;
        assertEquals(0, Parallel.callWith(oversubscribed, () -> Parallel.get().spinMicros()));
    }

    @Test
    void aBadSpinPropertyIsAClearErrorNamingIt() {
        // Each pool reads the property when it is made; 97 threads is a size no other test asks for.
        System.setProperty("nnpan.spinMicros", "abc");
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Parallel.callWith(97, () -> null));
            assertTrue(e.getMessage().contains("nnpan.spinMicros") && e.getMessage().contains("'abc'"), e.getMessage());
        } finally {
            System.clearProperty("nnpan.spinMicros");
        }
    }

    @Test
    void rejectsAThreadCountBelowOne() {
        assertThrows(IllegalArgumentException.class, () -> Parallel.callWith(0, () -> null));
    }
}
