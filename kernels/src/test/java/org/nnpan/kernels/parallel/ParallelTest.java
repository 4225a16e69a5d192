package org.nnpan.kernels.parallel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The per-thread pools of {@link Parallel#callWith}: what {@link Parallel#get()} answers, where loops run. */
class ParallelTest {

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
    void rejectsAThreadCountBelowOne() {
        assertThrows(IllegalArgumentException.class, () -> Parallel.callWith(0, () -> null));
    }
}
