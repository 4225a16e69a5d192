package org.nnpan.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.nnpan.autograd.Autograd;
import org.nnpan.io.Json;
import org.nnpan.io.TensorFiles;
import org.nnpan.nn.Sequential;
import org.nnpan.ops.Elementwise;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * A deterministic policy: the actor network {@code state → hidden ReLU layers → tanh → action} with actions in
 * [−1, 1].
 *
 * <p>{@link #save} writes the weights as safetensors ({@code 0.weight}, {@code 0.bias}, {@code 2.weight}, ... as
 * PyTorch's {@code nn.Sequential} names them) and a JSON sidecar beside them ({@code policy.safetensors} →
 * {@code policy.json}) with the sizes, the algorithm and the whole configuration it was trained with, so a trained
 * policy can be loaded on its own and reused.
 */
public final class Policy {
    /** The {@code format} entry of the sidecar and of the safetensors metadata. */
    public static final String FORMAT = "nnpan-policy";

    private final Sequential network;
    private final int stateSize;
    private final int actionSize;
    private final Td3Config config;

    private Policy(Sequential network, int stateSize, int actionSize, Td3Config config) {
        this.network = network;
        this.stateSize = stateSize;
        this.actionSize = actionSize;
        this.config = config;
    }

    /** A freshly initialised policy with {@code config}'s hidden sizes (PyTorch's default linear init). */
    public static Policy create(int stateSize, int actionSize, Td3Config config, RandomGenerator rng) {
        return new Policy(Networks.mlp(stateSize, config.hiddenSizes(), actionSize, rng), stateSize, actionSize,
                config);
    }

    /** Actions [n, actionSize] for states [n, stateSize]; differentiable with respect to the weights. */
    public Tensor forward(Tensor states) {
        return Elementwise.tanh(Networks.forward(network, states));
    }

    /** The deterministic action for one state. */
    public double[] act(double[] state) {
        if (state.length != stateSize) {
            throw new IllegalArgumentException("state has " + state.length + " values, the policy takes " + stateSize);
        }
        try (MemoryScope _ = MemoryScope.open("policy-act"); Autograd.GradMode _ = Autograd.noGrad()) {
            float[] s = new float[stateSize];
            for (int i = 0; i < s.length; i++) {
                s[i] = (float) state[i];
            }
            return forward(Tensor.of(s, 1, stateSize)).toDoubleArray();
        }
    }

    /**
     * Plays one evaluation episode of {@code env} ({@link Environment#setEvaluation} on) with the deterministic
     * policy; {@code rng} goes to the environment's reset.
     */
    public EpisodeResult rollout(Environment env, RandomGenerator rng) {
        if (env.stateSize() != stateSize || env.actionSize() != actionSize) {
            throw new IllegalArgumentException("the environment has state size " + env.stateSize() + " and action size "
                    + env.actionSize() + ", the policy " + stateSize + " and " + actionSize);
        }
        env.setEvaluation(true);
        try {
            double[] state = env.reset(rng);
            double reward = 0;
            for (int steps = 1; ; steps++) {
                Environment.Step step = env.step(act(state));
                reward += step.reward();
                if (step.done()) {
                    return new EpisodeResult(reward, steps, step.info());
                }
                state = step.state();
            }
        } finally {
            env.setEvaluation(false);
        }
    }

    /** An independent copy (the actor's target network starts as one). */
    Policy copy() {
        return new Policy((Sequential) network.copy(), stateSize, actionSize, config);
    }

    /** The actor network without the final tanh. */
    Sequential network() {
        return network;
    }

    public int stateSize() {
        return stateSize;
    }

    public int actionSize() {
        return actionSize;
    }

    /** The configuration the policy was built (and trained) with. */
    public Td3Config config() {
        return config;
    }

    /** The sidecar of a weights file: the same name with {@code .json} in place of its extension. */
    public static Path sidecarFile(Path weightsFile) {
        String name = weightsFile.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return weightsFile.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".json");
    }

    /** Writes the weights to {@code weightsFile} (safetensors) and the description to its {@link #sidecarFile}. */
    public void save(Path weightsFile) throws IOException {
        TensorFiles.save(weightsFile, network.stateDict(), Map.of("format", FORMAT));
        Map<String, Object> sidecar = new LinkedHashMap<>();
        sidecar.put("format", FORMAT);
        sidecar.put("weights", weightsFile.getFileName().toString());
        sidecar.put("state_size", stateSize);
        sidecar.put("action_size", actionSize);
        sidecar.put("hidden_sizes", config.hiddenSizes());
        sidecar.put("hidden_activation", "relu");
        sidecar.put("output_activation", "tanh");
        sidecar.put("algorithm", config.algorithm());
        sidecar.put("config", config);
        Json.write(sidecarFile(weightsFile), sidecar);
    }

    /**
     * Loads a policy that {@link #save} wrote.
     *
     * @throws IllegalArgumentException if the weights file or its sidecar is missing, the sidecar is not a policy's,
     *                                  or the weights do not match it
     */
    public static Policy load(Path weightsFile) throws IOException {
        if (!Files.isRegularFile(weightsFile)) {
            throw new IllegalArgumentException("policy " + weightsFile + ": no such file (the policy.safetensors that"
                    + " an rl-panning run writes beside its masks)");
        }
        Path sidecarFile = sidecarFile(weightsFile);
        if (!Files.exists(sidecarFile)) {
            throw new IllegalArgumentException("policy " + weightsFile + " has no sidecar " + sidecarFile
                    + " (it holds the network's sizes)");
        }
        Map<String, Object> sidecar = Json.readMap(sidecarFile);
        if (!FORMAT.equals(sidecar.get("format"))) {
            throw new IllegalArgumentException(sidecarFile + " is not a policy description (format "
                    + sidecar.get("format") + ", expected " + FORMAT + ")");
        }
        Td3Config config = Json.convert(sidecar.get("config"), Td3Config.class);
        int stateSize = ((Number) sidecar.get("state_size")).intValue();
        int actionSize = ((Number) sidecar.get("action_size")).intValue();
        Policy policy = new Policy(Networks.mlp(stateSize, config.hiddenSizes(), actionSize, null), stateSize,
                actionSize, config);
        try (MemoryScope _ = MemoryScope.open("policy-load")) {
            policy.network.loadStateDict(TensorFiles.load(weightsFile), true);
        }
        return policy;
    }
}
