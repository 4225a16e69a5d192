package org.nnpan.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.nnpan.backend.Backend;
import org.nnpan.backend.Backends;
import org.nnpan.backend.Conv2dGeometry;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * CPU time of the CPU backend's three convolution kernels (forward, input gradient, weight gradient) at
 * {@link ConvBenchmark}'s ResNet layer shapes, for a shared machine where wall times are noise: each kernel is called
 * {@value #CALLS} times and the median of the last {@value #MEASURED} calls' calling-thread CPU time is printed. Only
 * meaningful with {@code -Dnnpan.threads=1} (pool threads' CPU time is not counted).
 *
 * <pre>java --add-modules jdk.incubator.vector -Dnnpan.threads=1 -cp benchmarks/target/benchmarks.jar \
 *     org.nnpan.bench.ConvCpuTime [f32|f64] [stride] [layers...]</pre>
 *
 * Layers are {@code channelsxsize} (default {@code 16x32 32x16 64x8}); at stride 2 the output has twice the channels,
 * as in ResNet's downsampling convolutions.
 */
public final class ConvCpuTime {

    private static final int CALLS = 15;
    private static final int MEASURED = 10;
    private static final int BATCH = 128;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private ConvCpuTime() {
    }

    public static void main(String[] args) {
        DType dtype = args.length > 0 && args[0].equals("f64") ? DType.F64 : DType.F32;
        int stride = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        String[] layers = args.length > 2 ? Arrays.copyOfRange(args, 2, args.length) : new String[] {"16x32", "32x16", "64x8"};
        Backend cpu = Backends.cpu();
        System.out.printf("%s stride %d, batch %d, CPU ms (median of last %d of %d calls)%n", dtype, stride, BATCH,
                MEASURED, CALLS);
        for (String layer : layers) {
            String[] p = layer.split("x");
            int c = Integer.parseInt(p[0]);
            int hw = Integer.parseInt(p[1]);
            int out = stride == 1 ? c : 2 * c;
            Conv2dGeometry g = new Conv2dGeometry(3, 3, stride, stride, 1, 1);
            SplittableRandom rng = new SplittableRandom(1);
            Tensor x = Tensor.randn(rng, 1, dtype, BATCH, c, hw, hw);
            Tensor w = Tensor.randn(rng, 0.1, dtype, out, c, 3, 3);
            Tensor gy = Tensor.randn(rng, 1, dtype, BATCH, out, g.outH(hw), g.outW(hw));
            double f = median(() -> cpu.conv2d(x, w, g));
            double i = median(() -> cpu.conv2dInputGrad(gy, w, x.shape(), g));
            double wg = median(() -> cpu.conv2dWeightGrad(x, gy, w.shape(), g));
            System.out.printf("%-6s fwd %6.1f  input grad %6.1f  weight grad %6.1f  total %6.1f%n",
                    layer, f, i, wg, f + i + wg);
        }
    }

    /** Median CPU milliseconds of the last {@link #MEASURED} of {@link #CALLS} calls, each in its own memory scope. */
    private static double median(Supplier<Tensor> call) {
        double[] ms = new double[CALLS];
        for (int n = 0; n < CALLS; n++) {
            try (MemoryScope s = MemoryScope.open("conv-cpu-time")) {
                long t0 = THREADS.getCurrentThreadCpuTime();
                call.get();
                ms[n] = (THREADS.getCurrentThreadCpuTime() - t0) / 1e6;
            }
        }
        double[] last = Arrays.copyOfRange(ms, CALLS - MEASURED, CALLS);
        Arrays.sort(last);
        return (last[MEASURED / 2 - 1] + last[MEASURED / 2]) / 2;
    }
}
