package org.nnpan.agent;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.stream.IntStream;
import org.nnpan.autograd.Autograd;
import org.nnpan.data.SplitMix64;
import org.nnpan.io.Json;
import org.nnpan.io.TensorFiles;
import org.nnpan.kernels.parallel.Parallel;
import org.nnpan.nn.Module;
import org.nnpan.nn.Parameter;
import org.nnpan.nn.Sequential;
import org.nnpan.ops.Elementwise;
import org.nnpan.ops.Shapes;
import org.nnpan.optim.Adam;
import org.nnpan.optim.Optimizer;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Shape;
import org.nnpan.tensor.Tensor;

/**
 * TD3 (Fujimoto et al., 2018) and DDPG on nnpan's autograd, as the panning agent uses them (method document §4).
 *
 * <p>One {@link #update()} is one iteration of the reference algorithm: sample a minibatch; regress every critic on
 * {@code y = r + γ·(1 − done)·min_i Q'_i(s', clip(π'(s') + clip(ε, −c, c), −1, 1))} with ε ~ N(0, σ²) (DDPG: the
 * one target critic and no ε); and on every {@code policyDelay}-th iteration (DDPG: every one) take an actor step on
 * {@code −mean Q₁(s, π(s))} and move every target network towards its network by τ.
 *
 * <p>Each update runs in its own memory scope: activations and gradients are freed when it ends, so the memory in
 * use does not grow; the networks and the optimizer state are allocated once. All randomness comes from generators
 * derived from the constructor's seed (initialisation, noise, replay sampling), so a run is reproducible for a fixed
 * seed and thread count, and {@link #save}/{@link #load} carry the generators' states so an interrupted run
 * continues exactly.
 */
public final class Td3Agent {
    private static final String NETWORKS_FILE = "networks.safetensors";
    private static final String AGENT_FILE = "agent.json";
    private static final String ACTOR_OPTIMIZER_DIR = "actor_optimizer";
    private static final String CRITIC_OPTIMIZER_DIR = "critic_optimizer";

    /** The losses of one {@link #update()}; {@code actorLoss} is NaN when the update left the actor alone. */
    public record Losses(double criticLoss, double actorLoss) {
    }

    private final int stateSize;
    private final int actionSize;
    private final Td3Config config;
    private final Policy actor;
    private final Policy actorTarget;
    private final List<Sequential> critics = new ArrayList<>();
    private final List<Sequential> criticTargets = new ArrayList<>();
    private final Optimizer actorOptimizer;
    private final Optimizer criticOptimizer;
    private final List<Parameter> actorParameters;
    private final List<Parameter> criticParameters;
    private final ReplayBuffer replayBuffer;
    private final SplitMix64 noiseRng;
    private long updates;

    /**
     * A new agent: the actor and then each critic initialised with PyTorch's default linear initialisation, targets
     * as exact copies, Adam optimizers and an empty replay buffer of {@code config.replayCapacity()} transitions.
     */
    public Td3Agent(int stateSize, int actionSize, Td3Config config, long seed) {
        this.stateSize = stateSize;
        this.actionSize = actionSize;
        this.config = config;
        SplitMix64 seeds = new SplitMix64(seed);
        SplitMix64 initRng = new SplitMix64(seeds.nextLong());
        this.noiseRng = new SplitMix64(seeds.nextLong());
        this.replayBuffer = new ReplayBuffer(config.replayCapacity(), stateSize, actionSize, seeds.nextLong());
        this.actor = Policy.create(stateSize, actionSize, config, initRng);
        this.actorTarget = actor.copy();
        for (int i = 0; i < config.criticCount(); i++) {
            Sequential critic = Networks.mlp(stateSize + actionSize, config.hiddenSizes(), 1, initRng);
            critics.add(critic);
            criticTargets.add((Sequential) critic.copy());
        }
        this.actorOptimizer = Adam.adam(actor.network().namedParameters(), config.actorLr(), 0);
        List<String> criticNames = IntStream.rangeClosed(1, critics.size()).mapToObj(i -> "critic" + i).toList();
        SequencedMap<String, Parameter> criticNamed = Networks.parameters(criticNames, critics);
        this.criticOptimizer = Adam.adam(criticNamed, config.criticLr(), 0);
        this.actorParameters = actor.network().parameters();
        this.criticParameters = List.copyOf(criticNamed.values());
    }

    /**
     * The action for {@code state}: the policy's, plus N(0, explorationNoise²) noise clipped to [−1, 1] when
     * {@code explore}.
     */
    public double[] act(double[] state, boolean explore) {
        double[] action = actor.act(state);
        if (explore) {
            for (int i = 0; i < action.length; i++) {
                action[i] = Math.clamp(action[i] + config.explorationNoise() * noiseRng.nextGaussian(), -1, 1);
            }
        }
        return action;
    }

    /** An action drawn uniformly from [−1, 1] in every component (the warm-up's exploration). */
    public double[] randomAction() {
        double[] action = new double[actionSize];
        for (int i = 0; i < action.length; i++) {
            action[i] = 2 * noiseRng.nextDouble() - 1;
        }
        return action;
    }

    /** Stores a transition in the replay buffer. */
    public void observe(double[] state, double[] action, double reward, double[] nextState, boolean done) {
        replayBuffer.add(state, action, reward, nextState, done);
    }

    /**
     * One training iteration from a minibatch of the replay buffer (see the class description), on the calling thread
     * alone: its products are too small for a second thread to pay for its hand-offs (docs/benchmarks.md, fourteenth
     * session: with hidden layers of 256, 512 and 1024 the median ratio of one thread's time to two's was 0.69–0.76,
     * 0.89 and 1.01), and in the panning agent's training the other core runs the environment's lookahead.
     *
     * @throws IllegalStateException if no transition has been observed yet
     */
    public Losses update() {
        return Parallel.callWith(1, this::updateOnce);
    }

    private Losses updateOnce() {
        updates++;
        try (MemoryScope _ = MemoryScope.open("td3-update")) {
            ReplayBuffer.Minibatch batch = replayBuffer.sample(config.batchSize());
            Tensor target = criticTarget(batch);
            Tensor stateActions = Shapes.cat(1, batch.states(), batch.actions());
            Tensor criticLoss = null;
            for (Sequential critic : critics) {
                Tensor error = Networks.forward(critic, stateActions).sub(target);
                Tensor loss = error.mul(error).mean();
                criticLoss = criticLoss == null ? loss : criticLoss.add(loss);
            }
            minimize(criticLoss, criticParameters, criticOptimizer);
            double actorLoss = Double.NaN;
            if (updates % config.effectivePolicyDelay() == 0) {
                actorLoss = updateActor(batch.states());
                softUpdate(actorTarget.network(), actor.network(), config.tau());
                for (int i = 0; i < critics.size(); i++) {
                    softUpdate(criticTargets.get(i), critics.get(i), config.tau());
                }
            }
            return new Losses(criticLoss.item(), actorLoss);
        }
    }

    /** The regression target y of the critics, [n, 1], outside the graph. */
    private Tensor criticTarget(ReplayBuffer.Minibatch batch) {
        try (Autograd.GradMode _ = Autograd.noGrad()) {
            Tensor nextActions = actorTarget.forward(batch.nextStates());
            if (config.algorithm() == Td3Config.Algorithm.TD3) {
                nextActions = smoothTargetActions(nextActions);
            }
            Tensor next = Shapes.cat(1, batch.nextStates(), nextActions);
            Tensor nextQ = Networks.forward(criticTargets.getFirst(), next);
            for (int i = 1; i < criticTargets.size(); i++) {
                nextQ = Elementwise.minimum(nextQ, Networks.forward(criticTargets.get(i), next));
            }
            return batch.rewards().add(batch.notDones().mul(nextQ).mul(config.gamma()));
        }
    }

    /** Target policy smoothing: {@code clip(a + clip(ε, −c, c), −1, 1)} with ε ~ N(0, policyNoise²) per element. */
    Tensor smoothTargetActions(Tensor targetActions) {
        Tensor noise = Tensor.randn(noiseRng, config.policyNoise(), DType.F32, targetActions.shape());
        Tensor clipped = Elementwise.clamp(noise, -config.noiseClip(), config.noiseClip());
        return Elementwise.clamp(targetActions.add(clipped), -1, 1);
    }

    /** One actor step on −mean Q₁(s, π(s)); returns that loss. */
    private double updateActor(Tensor states) {
        Sequential q1 = critics.getFirst();
        // The critic is a constant here: not recording its weight gradients skips half of its backward products.
        setRequiresGrad(q1, false);
        try {
            Tensor loss = Networks.forward(q1, Shapes.cat(1, states, actor.forward(states))).mean().neg();
            minimize(loss, actorParameters, actorOptimizer);
            return loss.item();
        } finally {
            setRequiresGrad(q1, true);
        }
    }

    /**
     * One optimizer step on {@code loss}. The gradients are computed as tensors of the update's memory scope, lent
     * to the parameters for the step and dropped, rather than accumulated into persistent buffers: that saves a
     * pass over every parameter.
     */
    private static void minimize(Tensor loss, List<Parameter> parameters, Optimizer optimizer) {
        Tensor[] values = new Tensor[parameters.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = parameters.get(i).value();
        }
        Tensor[] grads = Autograd.grad(new Tensor[] {loss}, values, null, false);
        for (int i = 0; i < values.length; i++) {
            values[i].setGrad(grads[i].contiguous());
        }
        try {
            optimizer.step();
        } finally {
            parameters.forEach(Parameter::zeroGrad);
        }
    }

    private static void setRequiresGrad(Module module, boolean value) {
        for (Parameter p : module.parameters()) {
            p.value().requiresGrad(value);
        }
    }

    /**
     * Moves every parameter of {@code target} towards {@code source}'s in place: {@code θ' ← τ·θ + (1 − τ)·θ'},
     * rounded like PyTorch's {@code tau * p + (1 - tau) * p_target} in float32. Both modules must have the same
     * architecture with float32 parameters (as layers allocate them).
     */
    static void softUpdate(Module target, Module source, double tau) {
        List<Parameter> to = target.parameters();
        List<Parameter> from = source.parameters();
        if (to.size() != from.size()) {
            throw new IllegalArgumentException("soft update between modules with " + to.size() + " and " + from.size()
                    + " parameters");
        }
        float t = (float) tau;
        float keep = (float) (1 - tau);
        ValueLayout.OfFloat f32 = ValueLayout.JAVA_FLOAT;
        for (int i = 0; i < to.size(); i++) {
            Tensor dst = to.get(i).value();
            Tensor src = from.get(i).value();
            requireDenseF32(dst);
            requireDenseF32(src);
            if (!dst.sameShape(src)) {
                throw new IllegalArgumentException("soft update between shapes " + Shape.str(dst.shape()) + " and "
                        + Shape.str(src.shape()));
            }
            MemorySegment d = dst.storage().segment();
            MemorySegment s = src.storage().segment();
            for (long k = 0, n = dst.numel(); k < n; k++) {
                d.setAtIndex(f32, k, t * s.getAtIndex(f32, k) + keep * d.getAtIndex(f32, k));
            }
        }
    }

    private static void requireDenseF32(Tensor t) {
        if (t.dtype() != DType.F32 || !t.isContiguous() || t.offset() != 0) {
            throw new IllegalArgumentException("soft update needs dense float32 parameters, got " + t);
        }
    }

    /** The actor: the policy being trained (live, not a copy). */
    public Policy policy() {
        return actor;
    }

    public ReplayBuffer replayBuffer() {
        return replayBuffer;
    }

    public Td3Config config() {
        return config;
    }

    /** Number of {@link #update()} calls so far. */
    public long updates() {
        return updates;
    }

    /** Every network under its name in files: {@code actor}, {@code actor_target}, {@code critic1}, ... */
    private SequencedMap<String, Module> networks() {
        SequencedMap<String, Module> out = new LinkedHashMap<>();
        out.put("actor", actor.network());
        out.put("actor_target", actorTarget.network());
        for (int i = 0; i < critics.size(); i++) {
            out.put("critic" + (i + 1), critics.get(i));
            out.put("critic" + (i + 1) + "_target", criticTargets.get(i));
        }
        return out;
    }

    /**
     * Writes the whole agent into {@code directory} (created if needed): every network, both optimizers, the replay
     * buffer, the noise generator and the update count.
     */
    public void save(Path directory) throws IOException {
        Files.createDirectories(directory);
        SequencedMap<String, Tensor> tensors = new LinkedHashMap<>();
        networks().forEach((name, m) -> m.stateDict().forEach((key, t) -> tensors.put(name + "." + key, t)));
        TensorFiles.save(directory.resolve(NETWORKS_FILE), tensors, Map.of("content", "td3 agent networks"));
        actorOptimizer.save(Files.createDirectories(directory.resolve(ACTOR_OPTIMIZER_DIR)));
        criticOptimizer.save(Files.createDirectories(directory.resolve(CRITIC_OPTIMIZER_DIR)));
        replayBuffer.save(directory);
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("state_size", stateSize);
        state.put("action_size", actionSize);
        state.put("updates", updates);
        state.put("noise_rng_state", noiseRng.state());
        state.put("config", config);
        Json.write(directory.resolve(AGENT_FILE), state);
    }

    /**
     * Restores what {@link #save} wrote into this agent.
     *
     * @throws IllegalArgumentException if it was saved by an agent with other sizes or another configuration
     */
    public void load(Path directory) throws IOException {
        Path stateFile = directory.resolve(AGENT_FILE);
        Map<String, Object> state = Json.readMap(stateFile);
        Td3Config saved = Json.convert(state.get("config"), Td3Config.class);
        int savedStates = ((Number) state.get("state_size")).intValue();
        int savedActions = ((Number) state.get("action_size")).intValue();
        if (!saved.equals(config) || savedStates != stateSize || savedActions != actionSize) {
            throw new IllegalArgumentException(stateFile + " belongs to an agent with state size " + savedStates
                    + ", action size " + savedActions + " and " + saved + "; this one has " + stateSize + ", "
                    + actionSize + " and " + config);
        }
        try (MemoryScope _ = MemoryScope.open("agent-load")) {
            SequencedMap<String, Tensor> tensors = TensorFiles.load(directory.resolve(NETWORKS_FILE));
            for (Map.Entry<String, Module> e : networks().entrySet()) {
                String prefix = e.getKey() + ".";
                Map<String, Tensor> own = new LinkedHashMap<>();
                tensors.forEach((key, t) -> {
                    if (key.startsWith(prefix)) {
                        own.put(key.substring(prefix.length()), t);
                    }
                });
                e.getValue().loadStateDict(own, true);
            }
        }
        actorOptimizer.load(directory.resolve(ACTOR_OPTIMIZER_DIR));
        criticOptimizer.load(directory.resolve(CRITIC_OPTIMIZER_DIR));
        replayBuffer.load(directory);
        updates = ((Number) state.get("updates")).longValue();
        noiseRng.setState(((Number) state.get("noise_rng_state")).longValue());
    }
}
