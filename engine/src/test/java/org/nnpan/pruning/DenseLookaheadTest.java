package org.nnpan.pruning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nnpan.kernels.parallel.Parallel;
import org.nnpan.nn.Sequential;
import org.nnpan.tensor.MemoryScope;

/** The dense passes run ahead: what they return for any order of takes, where failures surface, what is drawn. */
class DenseLookaheadTest {
    private MemoryScope scope;

    @BeforeEach
    void open() {
        scope = MemoryScope.open("dense-lookahead-test");
    }

    @AfterEach
    void close() {
        scope.close();
    }

    private static ScoringBatch batch(int i) {
        return TestNets.batch(new SplittableRandom(200 + i), 5, 2, 3, 6);
    }

    /** The batches of {@link #batch}, noting every index drawn in {@code drawn}. */
    private static Panning.BatchSource recording(Set<Integer> drawn) {
        return i -> {
            drawn.add(i);
            return batch(i);
        };
    }

    /** Sequential takes, a jump back, a jump forward and a repeat: each is bit for bit a one-thread DensePass. */
    @Test
    void everyTakeIsTheOneThreadPassOfItsBatch() {
        Sequential net = TestNets.batchNormNet(new SplittableRandom(5));
        LossProbe probe = new LossProbe(1);
        int[] order = {0, 1, 2, 3, 1, 2, 7, 8, 8, 4};
        for (int depth = 1; depth <= 3; depth++) {
            int d = depth;
            // Built with a pool of 2, so every side has one thread whatever this machine's processor count.
            try (DenseLookahead ahead = Parallel.callWith(2,
                    () -> new DenseLookahead(net, DenseLookaheadTest::batch, probe, d, 20))) {
                for (int index : order) {
                    DensePass.Result got = ahead.take(index, null);
                    DensePass.Result want = Parallel.callWith(1, () -> DensePass.run(net, batch(index), probe));
                    String what = "depth " + depth + ", batch " + index;
                    assertArrayEquals(want.snip().flat().toFloatArray(), got.snip().flat().toFloatArray(), what);
                    assertArrayEquals(want.grasp().flat().toFloatArray(), got.grasp().flat().toFloatArray(), what);
                    assertEquals(want.dense(), got.dense(), what);
                }
            }
        }
    }

    @Test
    void aFailedPassSurfacesWhereItsBatchIsTaken() {
        Sequential net = TestNets.batchNormNet(new SplittableRandom(5));
        IllegalStateException failure = new IllegalStateException("no batch 2");
        Panning.BatchSource batches = i -> {
            if (i == 2) {
                throw failure;
            }
            return batch(i);
        };
        try (DenseLookahead ahead = new DenseLookahead(net, batches, null, 2, 10)) {
            ahead.take(0, null);
            ahead.take(1, null);
            assertSame(failure, assertThrows(IllegalStateException.class, () -> ahead.take(2, null)));
            ahead.take(3, null); // the failure does not stop the passes after it
        }
    }

    @Test
    void drawsNothingPastTheRun() {
        Sequential net = TestNets.batchNormNet(new SplittableRandom(5));
        Set<Integer> drawn = ConcurrentHashMap.newKeySet();
        try (DenseLookahead ahead = new DenseLookahead(net, recording(drawn), null, 2, 4)) {
            for (int i = 0; i < 4; i++) {
                ahead.take(i, null);
            }
            assertThrows(IllegalArgumentException.class, () -> ahead.take(4, null));
        }
        assertEquals(Set.of(0, 1, 2, 3), drawn);
    }

    @Test
    void depthZeroRunsThePassInTheTakeOnTheGivenBatch() {
        Sequential net = TestNets.batchNormNet(new SplittableRandom(5));
        Set<Integer> drawn = ConcurrentHashMap.newKeySet();
        try (DenseLookahead now = new DenseLookahead(net, recording(drawn), new LossProbe(1), 0, Integer.MAX_VALUE)) {
            DensePass.Result got = now.take(3, batch(3));
            assertTrue(drawn.isEmpty(), "the caller's batch is used");
            assertArrayEquals(DensePass.run(net, batch(3), null).grasp().flat().toFloatArray(),
                    got.grasp().flat().toFloatArray());
        }
    }
}
