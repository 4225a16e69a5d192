package org.nnpan.bench;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import org.nnpan.perf.Workload;
import org.nnpan.perf.Workloads;

/**
 * Process CPU time (all threads) and wall time per call of one of {@code bench}'s workloads, for a shared machine where
 * wall times are noise: prints the median and the minimum of each. It uses only the engine's {@link Workloads}, so the
 * same class runs against an older engine jar for an old-versus-new comparison in one script.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *     org.nnpan.bench.WorkloadCpuTime snip resnet32 100 [warmup 3] [calls 10]</pre>
 */
public final class WorkloadCpuTime {

    private WorkloadCpuTime() {
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: WorkloadCpuTime WORKLOAD MODEL BATCH [WARMUP] [CALLS]");
            System.exit(2);
        }
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Workload workload = Workloads.named(args[0], args[1], Integer.parseInt(args[2]));
        int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        int calls = args.length > 4 ? Integer.parseInt(args[4]) : 10;
        for (int i = 0; i < warmup; i++) {
            workload.run();
        }
        double[] cpu = new double[calls];
        double[] wall = new double[calls];
        for (int i = 0; i < calls; i++) {
            long cpu0 = os.getProcessCpuTime();
            long wall0 = System.nanoTime();
            workload.run();
            wall[i] = (System.nanoTime() - wall0) / 1e6;
            cpu[i] = (os.getProcessCpuTime() - cpu0) / 1e6;
        }
        Arrays.sort(cpu);
        Arrays.sort(wall);
        System.out.printf("%s: process CPU median %.0f ms, min %.0f ms; wall median %.1f ms, min %.1f ms (%d calls)%n",
                workload.name(), median(cpu), cpu[0], median(wall), wall[0], calls);
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
