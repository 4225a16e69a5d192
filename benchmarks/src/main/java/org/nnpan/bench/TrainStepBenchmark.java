package org.nnpan.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.nnpan.models.ModelSpec;
import org.nnpan.models.ModelZoo;
import org.nnpan.nn.Module;
import org.nnpan.nn.init.InitScheme;
import org.nnpan.ops.Losses;
import org.nnpan.optim.Sgd;
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
 * One SGD training step (forward, cross-entropy, backward, momentum update) at batch 128 — the shapes of
 * benchmarks/pytorch/bench_train_step.py: LeNet-5 on 1×28×28, ResNet-20 and VGG-16-BN on 3×32×32.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class TrainStepBenchmark {

    @Param({"lenet5", "resnet20", "vgg16"})
    public String model;

    private Module net;
    private Sgd sgd;
    private Tensor x;
    private Tensor labels;

    @Setup
    public void setup() {
        SplittableRandom rng = new SplittableRandom(1);
        boolean lenet = model.startsWith("lenet");
        int c = lenet ? 1 : 3;
        int hw = lenet ? 28 : 32;
        net = ModelZoo.create(model, ModelSpec.of(10, c, hw), InitScheme.REFERENCE, rng);
        net.train();
        sgd = new Sgd(net.namedParameters(), 0.05, 0.9, 5e-4, false);
        x = Tensor.randn(rng, 1, DType.F32, 128, c, hw, hw);
        long[] y = new long[128];
        for (int i = 0; i < y.length; i++) {
            y[i] = i % 10;
        }
        labels = Tensor.of(y, 128);
    }

    @Benchmark
    public double step() {
        try (MemoryScope s = MemoryScope.open("step")) {
            sgd.zeroGrad();
            Tensor loss = Losses.crossEntropy(net.forward(x), labels, Losses.Reduction.MEAN);
            loss.backward();
            sgd.step();
            return loss.item();
        }
    }
}
