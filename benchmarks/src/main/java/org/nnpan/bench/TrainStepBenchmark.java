package org.nnpan.bench;

import java.util.concurrent.TimeUnit;
import org.nnpan.perf.Workload;
import org.nnpan.perf.Workloads;
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
 * One SGD training step ({@link Workloads#trainStep}: forward, cross-entropy, backward, momentum update) at
 * batch 128 — the shapes of benchmarks/pytorch/bench_train_step.py: LeNet-5 on 1×28×28, ResNet-20 and VGG-16-BN
 * on 3×32×32.
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

    private Workload step;

    @Setup
    public void setup() {
        step = Workloads.trainStep(model, 128);
    }

    @Benchmark
    public void step() {
        step.run();
    }
}
