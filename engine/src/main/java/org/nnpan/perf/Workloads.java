package org.nnpan.perf;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.nnpan.agent.Td3Agent;
import org.nnpan.agent.Td3Config;
import org.nnpan.autograd.Autograd;
import org.nnpan.models.ModelSpec;
import org.nnpan.models.ModelZoo;
import org.nnpan.nn.Module;
import org.nnpan.nn.init.InitScheme;
import org.nnpan.ops.Conv;
import org.nnpan.ops.Linalg;
import org.nnpan.ops.Losses;
import org.nnpan.ops.Selection;
import org.nnpan.optim.Sgd;
import org.nnpan.pruning.Density;
import org.nnpan.pruning.Mask;
import org.nnpan.pruning.PanningEnvironment;
import org.nnpan.pruning.MaskSelection;
import org.nnpan.pruning.Pruner;
import org.nnpan.pruning.PruningMethod;
import org.nnpan.pruning.Saliency;
import org.nnpan.pruning.Schedule;
import org.nnpan.pruning.ScoringBatch;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * The engine's standard workloads, shared by {@code nnpan-engine bench} and the JMH benchmarks so that both time
 * the same thing. Inputs are seeded, so every run times identical numbers.
 */
public final class Workloads {
    private static final long SEED = 1;
    private static final int CLASSES = 10;

    private Workloads() {
    }

    /** Single-precision {@code n×n} matrix product. */
    public static Workload gemm(int n) {
        SplittableRandom rng = new SplittableRandom(SEED);
        Tensor a = Tensor.randn(rng, 1, DType.F32, n, n);
        Tensor b = Tensor.randn(rng, 1, DType.F32, n, n);
        return of("gemm " + n, String.format(Locale.ROOT, "float32 %d×%d times %d×%d", n, n, n, n), 2.0 * n * n * n,
                () -> Linalg.matmul(a, b));
    }

    /**
     * A 3×3, stride-1, padding-1 convolution without bias, {@code channels → channels} on {@code size×size}
     * images: forward, then the input and weight gradients.
     */
    public static Workload convolution(int batch, int channels, int size) {
        SplittableRandom rng = new SplittableRandom(SEED);
        Tensor x = Tensor.randn(rng, 1, DType.F32, batch, channels, size, size).requiresGrad(true);
        Tensor w = Tensor.randn(rng, 0.1, DType.F32, channels, channels, 3, 3).requiresGrad(true);
        Tensor gy = Tensor.randn(rng, 1, DType.F32, batch, channels, size, size);
        double forwardFlops = 2.0 * batch * channels * channels * 9 * size * size;
        return of(String.format(Locale.ROOT, "conv %dch %dx%d", channels, size, size),
                String.format(Locale.ROOT, "3×3 conv forward + both gradients, batch %d, %d→%d channels, %d×%d",
                        batch, channels, channels, size, size), 3 * forwardFlops,
                () -> Autograd.grad(new Tensor[] {Conv.conv2d(x, w, null, 1, 1)}, new Tensor[] {x, w},
                        new Tensor[] {gy}, false));
    }

    /** One SGD step (forward, cross-entropy, backward, momentum update) of a zoo model in training mode. */
    public static Workload trainStep(String model, int batch) {
        Module net = model(model);
        net.train();
        Sgd sgd = new Sgd(net.namedParameters(), 0.05, 0.9, 5e-4, false);
        ScoringBatch data = batch(model, batch);
        return of("train-step " + model, String.format(Locale.ROOT, "SGD step of %s (%,d parameters), batch %d",
                model, net.numParameters(), batch), 0, () -> {
                    sgd.zeroGrad();
                    Losses.crossEntropy(net.forward(data.inputs()), data.labels(), Losses.Reduction.MEAN).backward();
                    sgd.step();
                });
    }

    /** One scoring call of a pruning method's saliency on a dense zoo model, with {@code batch} images. */
    public static Workload scoring(PruningMethod method, String model, int batch) {
        Module net = model(model);
        Saliency saliency = method.saliency(SEED);
        Mask dense = Mask.dense(net);
        ScoringBatch data = batch(model, batch);
        return of(method.cliName() + " " + model, String.format(Locale.ROOT, "%s scores of %s (%,d prunable weights),"
                + " %d images", saliency.name(), model, dense.numel(), batch), 0,
                () -> saliency.score(net, dense, data));
    }

    /**
     * A whole SynFlow pruning run of a zoo model: {@code steps} scoring calls on the shrinking mask, each followed by
     * a global top-k, down to 2 % density on an exponential schedule.
     */
    public static Workload synflowSchedule(String model, int steps) {
        Module net = model(model);
        ScoringBatch data = batch(model, 1);
        Pruner.Config config = new Pruner.Config(PruningMethod.SYNFLOW, Density.ofSparsity(0.98),
                MaskSelection.Scope.GLOBAL, Schedule.EXPONENTIAL, steps, SEED);
        return of("synflow-schedule " + model, String.format(Locale.ROOT, "%d SynFlow steps of %s to 2 %% density,"
                + " global top-k", steps, model), 0, () -> Pruner.prune(net, data, config));
    }

    /**
     * One step of the panning agent's environment on a zoo model (one panning step to 2 % target density plus its
     * observation), with {@code batch} images per step and seeded random actions; a new episode starts when one
     * ends. The environment's construction (its normalisation batches) is not timed.
     */
    public static Workload panningStep(String model, int batch) {
        Module net = model(model);
        PanningEnvironment env = new PanningEnvironment(net, step -> batch(model, batch, SEED + 1 + step),
                PanningEnvironment.Config.defaults(Density.ofSparsity(0.98)));
        SplittableRandom rng = new SplittableRandom(SEED);
        double[] action = new double[env.actionSize()];
        boolean[] done = {true};
        return of("panning-step " + model, String.format(Locale.ROOT, "RL environment step (panning step +"
                + " observation) of %s, %d images", model, batch), 0, () -> {
                    if (done[0]) {
                        env.reset(rng);
                    }
                    for (int i = 0; i < action.length; i++) {
                        action[i] = rng.nextDouble(-1, 1);
                    }
                    done[0] = env.step(action).done();
                });
    }

    /**
     * One update of the panning agent with the paper's settings ({@link Td3Config#defaults()}: minibatch 256, actor
     * 7→256→256→3, twin critics 10→256→256→1, Adam, a soft update every second call) from a replay buffer of 2,000
     * seeded random transitions; the agent is built and its buffer filled outside the timing. The update runs on one
     * thread whatever the pool ({@link Td3Agent#update()}).
     */
    public static Workload agentUpdate() {
        Td3Config config = Td3Config.defaults().toBuilder().replayCapacity(AGENT_TRANSITIONS).build();
        Td3Agent agent = new Td3Agent(AGENT_STATES, AGENT_ACTIONS, config, SEED);
        SplittableRandom rng = new SplittableRandom(SEED);
        for (int i = 0; i < AGENT_TRANSITIONS; i++) {
            agent.observe(rng.doubles(AGENT_STATES).toArray(), agent.randomAction(), rng.nextGaussian(),
                    rng.doubles(AGENT_STATES).toArray(), i % 100 == 99);
        }
        String hidden = config.hiddenSizes().stream().map(String::valueOf).collect(Collectors.joining("→"));
        return of("agent-update", String.format(Locale.ROOT, "TD3 update (one thread), minibatch %d, actor %d→%s→%d,"
                + " %d critics %d→%s→1, Adam", config.batchSize(), AGENT_STATES, hidden, AGENT_ACTIONS,
                config.criticCount(), AGENT_STATES + AGENT_ACTIONS, hidden), 0, agent::update);
    }

    private static final int AGENT_STATES = 7;
    private static final int AGENT_ACTIONS = 3;
    private static final int AGENT_TRANSITIONS = 2000;

    /** The 0/1 mask of the {@code k} largest of {@code n} random float32 scores. */
    public static Workload topK(int n, long k) {
        Tensor scores = Tensor.randn(new SplittableRandom(SEED), 1, DType.F32, n);
        return of("top-k " + n, String.format(Locale.ROOT, "0/1 mask of the %,d largest of %,d floats", k, n), 0,
                () -> Selection.topKMask(scores, k));
    }

    /** The workload names {@link #named} accepts. */
    public static final List<String> NAMES = List.of("gemm", "conv", "train-step", "snip", "grasp", "synflow",
            "synflow-schedule", "top-k", "panning-step", "agent-update");

    /** The workloads {@code bench} runs when none are named: all but the long SynFlow schedule and panning step. */
    public static final List<String> DEFAULTS = NAMES.stream()
            .filter(n -> !n.equals("synflow-schedule") && !n.equals("panning-step")).toList();

    /**
     * A standard workload by name, with the given model and batch where it takes them.
     *
     * @throws IllegalArgumentException for a name not in {@link #NAMES} or an unknown model
     */
    public static Workload named(String name, String model, int batch) {
        return switch (name) {
            case "gemm" -> gemm(1024);
            case "conv" -> convolution(batch, 16, 32);
            case "train-step" -> trainStep(model, batch);
            case "snip", "grasp", "synflow" -> scoring(PruningMethod.parse(name), model, batch);
            case "synflow-schedule" -> synflowSchedule(model, 100);
            case "top-k" -> topK(4_000_000, 80_000);
            case "panning-step" -> panningStep(model, batch);
            case "agent-update" -> agentUpdate();
            default -> throw new IllegalArgumentException("unknown workload '" + name + "'; valid: "
                    + String.join(", ", NAMES));
        };
    }

    private static Module model(String name) {
        ModelSpec spec = name.startsWith("lenet") ? ModelSpec.of(CLASSES, 1, 28) : ModelSpec.of(CLASSES, 3, 32);
        return ModelZoo.create(name, spec, InitScheme.REFERENCE, new SplittableRandom(SEED));
    }

    /** Random images of the model's input shape with balanced labels. */
    private static ScoringBatch batch(String model, int size) {
        return batch(model, size, SEED + 1);
    }

    /** {@link #batch(String, int)} drawn from {@code seed}. */
    private static ScoringBatch batch(String model, int size, long seed) {
        boolean lenet = model.startsWith("lenet");
        int hw = lenet ? 28 : 32;
        Tensor x = Tensor.randn(new SplittableRandom(seed), 1, DType.F32, size, lenet ? 1 : 3, hw, hw);
        long[] y = new long[size];
        for (int i = 0; i < size; i++) {
            y[i] = i % CLASSES;
        }
        return new ScoringBatch(x, Tensor.of(y, size));
    }

    /** Wraps a body so each call runs in its own memory scope. */
    private static Workload of(String name, String description, double flops, Runnable body) {
        return new Workload() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String description() {
                return description;
            }

            @Override
            public double flops() {
                return flops;
            }

            @Override
            public void run() {
                try (MemoryScope _ = MemoryScope.open(name)) {
                    body.run();
                }
            }
        };
    }
}
