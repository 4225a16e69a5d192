package org.nnpan.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.nnpan.autograd.Autograd;
import org.nnpan.ops.Conv;
import org.nnpan.ops.Linalg;
import org.nnpan.ops.Losses;
import org.nnpan.ops.Pooling;
import org.nnpan.ops.Shapes;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * GraSP's Hessian-gradient product for LeNet-5-Caffe on 100 images 1×28×28 at temperature 200: forward,
 * g = ∂L/∂θ with the graph recorded, then Hg = ∂(½Σg²)/∂θ — benchmarks/pytorch/bench_ops.py's lenet5_hg row.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class HessianGradBenchmark {
    private Tensor[] theta;
    private Tensor x;
    private Tensor labels;

    @Setup
    public void setup() {
        SplittableRandom rng = new SplittableRandom(5);
        theta = new Tensor[] {
            Tensor.randn(rng, 0.2, DType.F32, 20, 1, 5, 5), Tensor.zeros(20),
            Tensor.randn(rng, 0.03, DType.F32, 50, 20, 5, 5), Tensor.zeros(50),
            Tensor.randn(rng, 0.035, DType.F32, 500, 800), Tensor.zeros(500),
            Tensor.randn(rng, 0.045, DType.F32, 10, 500), Tensor.zeros(10)};
        for (Tensor t : theta) {
            t.requiresGrad(true);
        }
        x = Tensor.randn(rng, 1, DType.F32, 100, 1, 28, 28);
        long[] y = new long[100];
        for (int i = 0; i < y.length; i++) {
            y[i] = i % 10;
        }
        labels = Tensor.of(y, 100);
    }

    @Benchmark
    public float hessianGradient() {
        try (MemoryScope s = MemoryScope.open("bench")) {
            Tensor h = Pooling.maxPool2d(Conv.conv2d(x, theta[0], theta[1], 1, 0).relu(), 2, 2, 0);
            h = Pooling.maxPool2d(Conv.conv2d(h, theta[2], theta[3], 1, 0).relu(), 2, 2, 0);
            h = Linalg.linear(Shapes.flatten(h, 1), theta[4], theta[5]).relu();
            Tensor logits = Linalg.linear(h, theta[6], theta[7]);
            Tensor loss = Losses.crossEntropy(logits.div(200), labels, Losses.Reduction.MEAN);
            Tensor[] g = Autograd.grad(new Tensor[] {loss}, theta, null, true);
            Tensor half = null;
            for (Tensor gi : g) {
                Tensor sq = gi.mul(gi).sum();
                half = half == null ? sq : half.add(sq);
            }
            Tensor[] hg = Autograd.grad(new Tensor[] {half.mul(0.5)}, theta, null, false);
            return (float) hg[0].get(0, 0, 0, 0);
        }
    }
}
