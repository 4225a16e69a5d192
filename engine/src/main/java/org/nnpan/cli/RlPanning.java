package org.nnpan.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.nnpan.agent.AgentTrainer;
import org.nnpan.agent.EpisodeResult;
import org.nnpan.agent.Policy;
import org.nnpan.agent.Td3Config;
import org.nnpan.data.SplitMix64;
import org.nnpan.experiment.PanningStepLog;
import org.nnpan.io.Json;
import org.nnpan.nn.Module;
import org.nnpan.pruning.Mask;
import org.nnpan.pruning.Panning;
import org.nnpan.pruning.PanningEnvironment;
import org.nnpan.pruning.ScoringBatch;
import org.nnpan.pruning.Seeds;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * {@code prune --method rl-panning}: trains the panning agent on a {@link PanningEnvironment} of the model (or loads
 * a trained policy), then rolls the deterministic policy out once at the real target; that episode's final mask is
 * the result and its steps go to {@code panning-steps.jsonl}.
 */
final class RlPanning {
    /** The method's {@code --method} name. */
    static final String METHOD = "rl-panning";
    /** The agent's run directory under {@code --out}: metrics, checkpoints. */
    static final String AGENT_DIR = "agent";
    /** The trained policy, under {@code --out}, with its JSON sidecar. */
    static final String POLICY_FILE = "policy.safetensors";

    /** The settings a run was started with, under the agent's run directory; a resume must match them. */
    static final String SETTINGS_FILE = "settings.json";

    /** At most this many environment steps between checkpoints of the agent's run. */
    private static final long CHECKPOINT_INTERVAL = 10_000;

    private RlPanning() {
    }

    /**
     * The paper's TD3 configuration for a run of {@code steps} environment steps: warm-up and evaluation interval
     * are 2,000 steps, or a fifth of the run when that is shorter, and the replay buffer keeps the whole run.
     */
    static Td3Config trainingConfig(long steps) {
        Td3Config paper = Td3Config.defaults();
        long fifth = Math.max(1, steps / 5);
        return paper.toBuilder().totalSteps(steps)
                .warmupSteps((int) Math.min(paper.warmupSteps(), fifth))
                .evalInterval(Math.min(paper.evalInterval(), fifth))
                // Never overwritten either way; a smaller buffer only spares memory on short runs.
                .replayCapacity((int) Math.min(paper.replayCapacity(), steps))
                .build();
    }

    /** Environment steps between checkpoints: {@value #CHECKPOINT_INTERVAL}, or a fifth of a shorter run. */
    static long checkpointInterval(long steps) {
        return Math.min(CHECKPOINT_INTERVAL, Math.max(1, steps / 5));
    }

    /**
     * Prunes the dense {@code model} and returns the final mask, in the current scope.
     *
     * <p>Training goes into {@code out/agent}. If that already holds a checkpoint of a run with the same settings
     * (an interrupted or finished run of the same command), training resumes from it and ends exactly as an
     * uninterrupted run would.
     *
     * @param policyFile a trained policy to roll out, or null to train one for {@code agentSteps} steps and save it
     *                   as {@value #POLICY_FILE} in {@code out}
     * @throws IllegalArgumentException if {@code out/agent} holds a checkpoint made with other settings
     */
    static Mask prune(Module model, Panning.BatchSource batches, PanningEnvironment.Config config, long agentSteps,
                      Path policyFile, long seed, Path out, PrintWriter console) throws IOException {
        PanningEnvironment env = new PanningEnvironment(model, batches, config);
        Policy policy = policyFile == null ? train(env, model, batches, config, agentSteps, seed, out, console)
                : Policy.load(policyFile);
        env.setStepListener(new PanningStepLog(out, console));
        EpisodeResult rollout = policy.rollout(env, new SplitMix64(Seeds.derive(seed, "rl-panning-rollout")));
        console.printf(Locale.ROOT, "policy rolled out at the target: %d steps, reward %.4f, effective sparsity %s%n",
                rollout.length(), rollout.reward(), rollout.info().get("effective_sparsity"));
        return env.lastMask();
    }

    /** Trains the agent in {@code out/agent}, or resumes the run there, and saves its policy in {@code out}. */
    private static Policy train(PanningEnvironment env, Module model, Panning.BatchSource batches,
                                PanningEnvironment.Config config, long agentSteps, long seed, Path out,
                                PrintWriter console) throws IOException {
        Path runDirectory = out.resolve(AGENT_DIR);
        AgentTrainer trainer = new AgentTrainer(env, trainingConfig(agentSteps),
                new AgentTrainer.Options(Seeds.derive(seed, "rl-panning-agent"), runDirectory,
                        checkpointInterval(agentSteps), true));
        Map<String, String> settings = RunSettings.of(model, batches, config, agentSteps, seed);
        OptionalLong checkpoint = trainer.checkpointStep();
        AgentTrainer.Result trained;
        if (checkpoint.isPresent()) {
            RunSettings.requireSame(runDirectory.resolve(SETTINGS_FILE), settings);
            console.printf(Locale.ROOT, "resuming the panning agent's training in %s from step %,d of %,d%n",
                    runDirectory, checkpoint.getAsLong(), agentSteps);
            trained = trainer.resume();
        } else {
            console.printf(Locale.ROOT, "training the panning agent for %,d steps (progress on stderr, run in %s)%n",
                    agentSteps, runDirectory);
            Files.createDirectories(runDirectory);
            Json.write(runDirectory.resolve(SETTINGS_FILE), settings);
            trained = trainer.train();
        }
        console.printf(Locale.ROOT, "trained in %,d episodes, %.1f ms per environment step%n", trained.episodes(),
                trained.secondsPerEnvStep() * 1e3);
        trained.policy().save(out.resolve(POLICY_FILE));
        return trained.policy();
    }

    /**
     * What makes two agent runs the same run, keyed by the options that set each value: a resume must see the same
     * values. The initial weights and the first scoring batch are fingerprinted (SHA-256), which covers the options
     * that shape them.
     */
    private static final class RunSettings {
        private RunSettings() {
        }

        static Map<String, String> of(Module model, Panning.BatchSource batches, PanningEnvironment.Config config,
                                      long agentSteps, long seed) {
            Map<String, String> s = new LinkedHashMap<>();
            s.put("--sparsity", Double.toString(config.evaluationTarget().sparsity()));
            s.put("--iterations", Integer.toString(config.steps()));
            s.put("--agent-steps", Long.toString(agentSteps));
            s.put("--seed", Long.toString(seed));
            s.put("curriculum steps", Long.toString(config.curriculumSteps()));
            s.put("normalisation batches", Integer.toString(config.normalisationBatches()));
            s.put("initial weights (--model, --init, --seed)", fingerprint(model.stateDict().values()));
            try (MemoryScope _ = MemoryScope.open("run-settings")) {
                ScoringBatch first = batches.draw(0);
                s.put("scoring batches (--dataset, --samples-per-class, --seed)",
                        fingerprint(List.of(first.inputs(), first.labels())));
            }
            return s;
        }

        /**
         * Throws unless {@code file} holds exactly the settings {@code now}.
         *
         * @throws IllegalArgumentException naming every setting that differs, or the missing file
         */
        static void requireSame(Path file, Map<String, String> now) throws IOException {
            Path run = file.getParent();
            if (!Files.exists(file)) {
                throw new IllegalArgumentException(run + " holds an agent checkpoint but no " + SETTINGS_FILE
                        + " to check this command against; remove " + run + " or choose another --out");
            }
            Map<String, Object> saved = Json.readMap(file);
            Set<String> keys = new LinkedHashSet<>(saved.keySet());
            keys.addAll(now.keySet());
            List<String> differences = new ArrayList<>();
            for (String key : keys) {
                String before = saved.containsKey(key) ? String.valueOf(saved.get(key)) : "(none)";
                String after = now.getOrDefault(key, "(none)");
                if (!before.equals(after)) {
                    differences.add(key + " " + before + " in the checkpoint, " + after + " now");
                }
            }
            if (!differences.isEmpty()) {
                throw new IllegalArgumentException("cannot resume the agent's training in " + run
                        + ": its checkpoint was made with other settings (" + String.join("; ", differences)
                        + "); rerun the same command, or choose another --out");
            }
        }

        /** The first 16 hex digits of the SHA-256 of the tensors' shapes and values. */
        private static String fingerprint(Collection<Tensor> tensors) {
            MessageDigest sha;
            try {
                sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("the JDK lacks SHA-256", e);
            }
            ByteBuffer bytes = ByteBuffer.allocate(Long.BYTES);
            for (Tensor t : tensors) {
                for (int d : t.shape()) {
                    sha.update(bytes.clear().putLong(d).array());
                }
                for (double v : t.toDoubleArray()) {
                    sha.update(bytes.clear().putLong(Double.doubleToLongBits(v)).array());
                }
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        }
    }
}
