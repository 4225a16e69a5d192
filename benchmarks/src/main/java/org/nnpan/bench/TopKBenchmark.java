package org.nnpan.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.nnpan.kernels.select.TopK;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Global-pruning selection over 20M float32 scores (the weight count of a large CIFAR network): the keep mask at a
 * 2% and a 50% keep ratio, and the k-th largest score alone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class TopKBenchmark {

    @Param({"20000000"})
    public int n;

    /** Fraction of the scores kept. */
    @Param({"0.02", "0.5"})
    public double keep;

    private Arena arena;
    private MemorySegment scores;
    private MemorySegment mask;
    private long k;

    @Setup
    public void setup() {
        arena = Arena.ofShared();
        scores = arena.allocate((long) n * Float.BYTES, 64);
        mask = arena.allocate((long) n * Float.BYTES, 64);
        SplittableRandom rng = new SplittableRandom(1);
        for (long i = 0; i < n; i++) {
            // Gaussian-ish scores from a sum of uniforms: cheap to generate, continuous, both signs.
            float s = (float) (rng.nextDouble() + rng.nextDouble() + rng.nextDouble() - 1.5);
            scores.setAtIndex(ValueLayout.JAVA_FLOAT, i, s);
        }
        k = Math.round(n * keep);
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public MemorySegment topKMask() {
        TopK.topKMask(scores, 0, n, k, TopK.Order.LARGEST, mask, 0);
        return mask;
    }

    @Benchmark
    public float kthValue() {
        return TopK.kthValue(scores, 0, n, k, TopK.Order.LARGEST);
    }
}
