package org.nnpan.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.nnpan.kernels.gemm.Gemm;
import org.nnpan.kernels.gemm.Gemms;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Square single-precision GEMM, {@code C = A * B} with {@code n x n} row-major matrices in native memory, for each
 * {@link Gemm} implementation. The scalar reference only runs at 512 (it needs seconds per call beyond).
 *
 * <p>The score is milliseconds per call. A call does {@code 2 n^3} floating-point operations, so GFLOP/s is
 * {@code 268.4 / ms} at 512, {@code 2147 / ms} at 1024 and {@code 17180 / ms} at 2048. Run with e.g.
 * {@code java -jar benchmarks/target/benchmarks.jar GemmBenchmark -f 1 -wi 2 -i 3 -w 2s -r 2s}; the fork gets
 * {@code --add-modules jdk.incubator.vector} itself.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class GemmBenchmark {

    /** Operands of one problem size; shared by all benchmark threads (there is one). */
    public abstract static class Problem {
        Arena arena;
        MemorySegment a;
        MemorySegment b;
        MemorySegment c;
        Gemm gemm;
        int n;

        void allocate(String impl, int size) {
            gemm = Gemms.create(impl);
            n = size;
            // Shared, not confined: the vector GEMM hands the operands to its worker threads.
            arena = Arena.ofShared();
            a = random(size, 1);
            b = random(size, 2);
            c = arena.allocate(ValueLayout.JAVA_FLOAT, (long) size * size);
        }

        private MemorySegment random(int size, long seed) {
            SplittableRandom rnd = new SplittableRandom(seed);
            MemorySegment s = arena.allocate(ValueLayout.JAVA_FLOAT, (long) size * size);
            for (long i = 0; i < (long) size * size; i++) {
                s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (rnd.nextDouble() * 2 - 1));
            }
            return s;
        }

        void multiply() {
            gemm.sgemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
        }

        @TearDown(Level.Trial)
        public void close() {
            arena.close();
        }
    }

    /** The fast implementations at every size. */
    @State(Scope.Benchmark)
    public static class Fast extends Problem {
        @Param({"native", "vector"})
        public String impl;

        @Param({"512", "1024", "2048"})
        public int size;

        @Setup(Level.Trial)
        public void setUp() {
            allocate(impl, size);
        }
    }

    /** The scalar reference, at the smallest size only. */
    @State(Scope.Benchmark)
    public static class Scalar extends Problem {
        @Param({"scalar"})
        public String impl;

        @Param({"512"})
        public int size;

        @Setup(Level.Trial)
        public void setUp() {
            allocate(impl, size);
        }
    }

    @Benchmark
    public void sgemm(Fast problem) {
        problem.multiply();
    }

    @Benchmark
    public void sgemmScalar(Scalar problem) {
        problem.multiply();
    }
}
