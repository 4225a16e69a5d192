package org.nnpan.bench;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.nnpan.backend.Backend;
import org.nnpan.backend.Backends;
import org.nnpan.backend.Conv2dGeometry;
import org.nnpan.kernels.parallel.Parallel;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * CPU time of the CPU backend's three convolution kernels (forward, input gradient, weight gradient) for a shared
 * machine where wall times are noise: each kernel is called {@code calls} times and the median of the last
 * {@code measured} calls' CPU time is printed with its G multiply-adds per second of CPU, and the median wall time.
 * With {@code -Dnnpan.threads=1} the CPU time is the calling thread's; with more threads, every Java thread's (the pool's
 * included; GC is not, so a call's garbage shows in its wall time only).
 *
 * <pre>java --add-modules jdk.incubator.vector [-Dnnpan.threads=1] [-Dbatch=128] [-Dcalls=15] [-Dmeasured=10] \
 *     [-Dkernel=3] [-Dpad=1] \
 *     -cp benchmarks/target/benchmarks.jar org.nnpan.bench.ConvCpuTime [f32|f64] [stride] [layers...]</pre>
 *
 * Layers are {@code channelsxsize} (default {@code 16x32 32x16 64x8}; at stride 2 the output has twice the channels,
 * as in ResNet's downsampling convolutions) or {@code in:outxsize} (e.g. {@code 256:512x4}, a VGG stage's first
 * convolution). Kernels are 3x3 with padding 1 unless {@code -Dkernel} and {@code -Dpad} say otherwise (LeNet-5's
 * layers: {@code -Dkernel=5 -Dpad=0 -Dbatch=100 f32 1 1:20x28 20:50x12}).
 */
public final class ConvCpuTime {

    private static final int CALLS = Integer.getInteger("calls", 15);
    private static final int MEASURED = Integer.getInteger("measured", 10);
    private static final int BATCH = Integer.getInteger("batch", 128);
    private static final int KERNEL = Integer.getInteger("kernel", 3);
    private static final int PAD = Integer.getInteger("pad", 1);
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private ConvCpuTime() {
    }

    public static void main(String[] args) {
        DType dtype = args.length > 0 && args[0].equals("f64") ? DType.F64 : DType.F32;
        int stride = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        String[] layers = args.length > 2 ? Arrays.copyOfRange(args, 2, args.length) : new String[] {"16x32", "32x16", "64x8"};
        if (MEASURED < 1 || MEASURED > CALLS) {
            throw new IllegalArgumentException("-Dmeasured must be in [1, -Dcalls], got " + MEASURED);
        }
        Backend cpu = Backends.cpu();
        int threads = Parallel.get().threads();
        LongSupplier clock = threads == 1 ? THREADS::getCurrentThreadCpuTime : ConvCpuTime::allThreadsCpuTime;
        System.out.printf("%s stride %d, batch %d, %d thread(s), %dx%d kernels, padding %d, %s CPU ms (median of last %d of %d calls), "
                + "G multiply-adds per CPU second, wall ms%n", dtype, stride, BATCH, threads, KERNEL, KERNEL, PAD,
                threads == 1 ? "calling thread's" : "all Java threads'", MEASURED, CALLS);
        for (String layer : layers) {
            String[] p = layer.split("x");
            String[] channels = p[0].split(":");
            int c = Integer.parseInt(channels[0]);
            int hw = Integer.parseInt(p[1]);
            int out = channels.length > 1 ? Integer.parseInt(channels[1]) : stride == 1 ? c : 2 * c;
            Conv2dGeometry g = new Conv2dGeometry(KERNEL, KERNEL, stride, stride, PAD, PAD);
            SplittableRandom rng = new SplittableRandom(1);
            Tensor x = Tensor.randn(rng, 1, dtype, BATCH, c, hw, hw);
            Tensor w = Tensor.randn(rng, 0.1, dtype, out, c, KERNEL, KERNEL);
            Tensor gy = Tensor.randn(rng, 1, dtype, BATCH, out, g.outH(hw), g.outW(hw));
            double gMuladds = (double) BATCH * out * c * KERNEL * KERNEL * g.outH(hw) * g.outW(hw) / 1e9;
            Timing f = time(clock, () -> cpu.conv2d(x, w, g));
            Timing i = time(clock, () -> cpu.conv2dInputGrad(gy, w, x.shape(), g));
            Timing wg = time(clock, () -> cpu.conv2dWeightGrad(x, gy, w.shape(), g));
            System.out.printf("%-9s fwd %7.1f (%5.1f G/s, wall %7.1f)  input grad %7.1f (%5.1f G/s, wall %7.1f)  "
                            + "weight grad %7.1f (%5.1f G/s, wall %7.1f)  total %7.1f%n", layer,
                    f.cpu, gMuladds / f.cpu * 1e3, f.wall, i.cpu, gMuladds / i.cpu * 1e3, i.wall,
                    wg.cpu, gMuladds / wg.cpu * 1e3, wg.wall, f.cpu + i.cpu + wg.cpu);
        }
    }

    /**
     * CPU nanoseconds of every live Java thread (the pool's included): unlike the process's CPU time, which the OS
     * reports in 10 ms steps, per-thread clocks resolve a kernel call. GC and JIT threads are not counted.
     */
    private static long allThreadsCpuTime() {
        long sum = 0;
        for (long t : THREADS.getThreadCpuTime(THREADS.getAllThreadIds())) {
            sum += Math.max(0, t);
        }
        return sum;
    }

    /** Median CPU and wall milliseconds of one kernel. */
    private record Timing(double cpu, double wall) {
    }

    /** Medians of the last {@link #MEASURED} of {@link #CALLS} calls, each in its own memory scope. */
    private static Timing time(LongSupplier clock, Supplier<Tensor> call) {
        double[] cpu = new double[CALLS];
        double[] wall = new double[CALLS];
        for (int n = 0; n < CALLS; n++) {
            try (MemoryScope s = MemoryScope.open("conv-cpu-time")) {
                long w0 = System.nanoTime();
                long t0 = clock.getAsLong();
                call.get();
                cpu[n] = (clock.getAsLong() - t0) / 1e6;
                wall[n] = (System.nanoTime() - w0) / 1e6;
            }
        }
        return new Timing(medianOfLast(cpu), medianOfLast(wall));
    }

    private static double medianOfLast(double[] ms) {
        double[] last = Arrays.copyOfRange(ms, CALLS - MEASURED, CALLS);
        Arrays.sort(last);
        return MEASURED % 2 == 1 ? last[MEASURED / 2] : (last[MEASURED / 2 - 1] + last[MEASURED / 2]) / 2;
    }
}
