package org.nnpan.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.nnpan.autograd.Autograd;
import org.nnpan.backend.Conv2dGeometry;
import org.nnpan.ops.Conv;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * 3×3 convolution forward + backward (input and weight gradients) at the layer shapes of a CIFAR ResNet-20/32,
 * stride 1, padding 1, no bias — the shapes of benchmarks/pytorch/bench_ops.py's conv2d rows at its batch of 128. The
 * input and weight gradients are also timed alone, on the backend's kernels as the backward pass calls them; the
 * scoring workloads use 100 images ({@code -p batch=100}), and {@code -Dnnpan.threads} sets the intra-op threads
 * (pass it with {@code -jvmArgsAppend}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class ConvBenchmark {

    /** channels x spatial size. */
    @Param({"16x32", "32x16", "64x8"})
    public String layer;

    /** Images per call. */
    @Param({"128"})
    public int batch;

    private static final Conv2dGeometry SAME_3X3 = new Conv2dGeometry(3, 3, 1, 1, 1, 1);

    private Tensor x;
    private Tensor w;
    private Tensor gy;

    @Setup
    public void setup() {
        String[] p = layer.split("x");
        int c = Integer.parseInt(p[0]);
        int hw = Integer.parseInt(p[1]);
        SplittableRandom rng = new SplittableRandom(1);
        x = Tensor.randn(rng, 1, DType.F32, batch, c, hw, hw).requiresGrad(true);
        w = Tensor.randn(rng, 0.1, DType.F32, c, c, 3, 3).requiresGrad(true);
        gy = Tensor.randn(rng, 1, DType.F32, batch, c, hw, hw);
    }

    @Benchmark
    public float forward() {
        try (MemoryScope s = MemoryScope.open("bench")) {
            Tensor y = Conv.conv2d(x.detach(), w.detach(), null, 1, 1);
            return (float) y.get(0, 0, 0, 0);
        }
    }

    @Benchmark
    public float forwardBackward() {
        try (MemoryScope s = MemoryScope.open("bench")) {
            Tensor y = Conv.conv2d(x, w, null, 1, 1);
            Tensor[] g = Autograd.grad(new Tensor[] {y}, new Tensor[] {x, w}, new Tensor[] {gy}, false);
            return (float) (g[0].get(0, 0, 0, 0) + g[1].get(0, 0, 0, 0));
        }
    }

    @Benchmark
    public float inputGradient() {
        try (MemoryScope s = MemoryScope.open("bench")) {
            Tensor g = x.backend().conv2dInputGrad(gy, w.detach(), x.shape(), SAME_3X3);
            return (float) g.get(0, 0, 0, 0);
        }
    }

    @Benchmark
    public float weightGradient() {
        try (MemoryScope s = MemoryScope.open("bench")) {
            Tensor g = x.backend().conv2dWeightGrad(x.detach(), gy, w.shape(), SAME_3X3);
            return (float) g.get(0, 0, 0, 0);
        }
    }
}
