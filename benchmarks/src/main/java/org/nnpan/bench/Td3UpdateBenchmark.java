package org.nnpan.bench;

import java.util.concurrent.TimeUnit;
import org.nnpan.agent.Td3Agent;
import org.nnpan.agent.Td3Config;
import org.nnpan.data.SplitMix64;
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
 * One iteration of the panning agent at the method document's sizes (state 7, action 3, 256-256 networks,
 * minibatch 256): {@code update} alternates critic-only and critic + actor + target iterations as TD3's policy
 * delay of 2 does, so its mean is the per-environment-step cost; {@code act} is one exploring action.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class Td3UpdateBenchmark {

    @Param({"TD3", "DDPG"})
    public Td3Config.Algorithm algorithm;

    private Td3Agent agent;
    private final double[] state = {0.1, 0.5, 0.01, 0.02, 0.3, 0.9, 0.4};

    @Setup
    public void setup() {
        agent = new Td3Agent(7, 3, Td3Config.defaults().toBuilder().algorithm(algorithm).replayCapacity(10_000)
                .build(), 1);
        SplitMix64 rng = new SplitMix64(2);
        for (int i = 0; i < 10_000; i++) {
            double[] s = new double[7];
            double[] next = new double[7];
            for (int k = 0; k < 7; k++) {
                s[k] = rng.nextDouble();
                next[k] = rng.nextDouble();
            }
            agent.observe(s, agent.randomAction(), -rng.nextDouble(), next, i % 100 == 99);
        }
    }

    @Benchmark
    public Td3Agent.Losses update() {
        return agent.update();
    }

    @Benchmark
    public double[] act() {
        return agent.act(state, true);
    }
}
