package org.nnpan.bench;

import java.util.Arrays;
import org.nnpan.kernels.parallel.Parallel;

/**
 * Wall time of one {@link Parallel#parallelFor} loop whose body is a fixed amount of arithmetic, against the same work
 * on the calling thread alone: what a loop's hand-off to the pool and its join cost. A scoring pass runs hundreds of
 * such loops (≈ 210 for ResNet-32 SNIP), many of them 0.1–1 ms long. Uses only {@code parallelFor}, so the same class
 * runs against an older engine jar for an old-versus-new comparison.
 *
 * <pre>java -Dnnpan.threads=2 -cp benchmarks/target/benchmarks.jar org.nnpan.bench.LoopOverhead [loops 20000] [work...]</pre>
 *
 * Each {@code work} (default {@code 10 50 200 1000}) is the loop's total arithmetic in microseconds on one thread
 * (roughly: calibrated at start-up); the loop cuts it into {@link Parallel#threads()} chunks. Each parallel loop is timed
 * right after the same body run on the calling thread alone; prints, per size, the median and 90th percentile of the
 * parallel loop's wall time and the ideal (the median alone time divided by the thread count).
 */
public final class LoopOverhead {

    /** Defeats dead-code elimination of the body. */
    private static volatile double sink;

    private LoopOverhead() {
    }

    public static void main(String[] args) {
        int loops = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int[] works = args.length > 1
                ? Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray()
                : new int[] {10, 50, 200, 1000};
        Parallel pool = Parallel.get();
        int threads = pool.threads();
        long stepsPerMicro = calibrate();
        System.out.printf("%d threads, up to %d loops per size; wall µs per loop: median and p90 of the parallel loop, "
                + "and the ideal (median of the same body on the calling thread alone, divided by %d)%n",
                threads, loops, threads);
        for (int work : works) {
            long steps = work * stepsPerMicro;
            int n = Math.max(1, (int) Math.min(loops, 2_000_000L / Math.max(1, work)));
            Parallel.RangeBody body = (s, e) -> sink = spin(steps * (e - s) / threads);
            long[] alone = new long[n];
            long[] wall = new long[n];
            for (int round = 0; round < 2; round++) { // the first round warms up
                for (int i = 0; i < n; i++) {
                    long t0 = System.nanoTime();
                    body.run(0, threads);
                    long t1 = System.nanoTime();
                    pool.parallelFor(threads, 1, body);
                    alone[i] = t1 - t0;
                    wall[i] = System.nanoTime() - t1;
                }
            }
            Arrays.sort(alone);
            Arrays.sort(wall);
            System.out.printf("work %5d µs: median %8.1f  p90 %8.1f  ideal %8.1f%n", work, wall[n / 2] / 1e3,
                    wall[n * 9 / 10] / 1e3, alone[n / 2] / 1e3 / threads);
        }
    }

    /** Loop steps that take one microsecond on this thread. */
    private static long calibrate() {
        long steps = 1 << 16;
        for (int i = 0; i < 20; i++) {
            sink = spin(steps);
        }
        long t0 = System.nanoTime();
        sink = spin(steps * 64);
        return Math.max(1, steps * 64 * 1000 / Math.max(1, System.nanoTime() - t0));
    }

    /** A dependent chain of multiply-adds: a fixed amount of work that touches no memory. */
    private static double spin(long steps) {
        double x = 1;
        for (long i = 0; i < steps; i++) {
            x = x * 0.999999 + 1e-7;
        }
        return x;
    }
}
