package org.nnpan.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import org.nnpan.agent.AgentTrainer;
import org.nnpan.agent.EpisodeResult;
import org.nnpan.agent.Policy;
import org.nnpan.agent.Td3Config;
import org.nnpan.data.SplitMix64;
import org.nnpan.experiment.PanningStepLog;
import org.nnpan.nn.Module;
import org.nnpan.pruning.Mask;
import org.nnpan.pruning.Panning;
import org.nnpan.pruning.PanningEnvironment;
import org.nnpan.pruning.Seeds;

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

    /** Environment steps between checkpoints of the agent's run. */
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

    /**
     * Prunes the dense {@code model} and returns the final mask, in the current scope.
     *
     * @param policyFile a trained policy to roll out, or null to train one for {@code agentSteps} steps and save it
     *                   as {@value #POLICY_FILE} in {@code out}
     */
    static Mask prune(Module model, Panning.BatchSource batches, PanningEnvironment.Config config, long agentSteps,
                      Path policyFile, long seed, Path out, PrintWriter console) throws IOException {
        PanningEnvironment env = new PanningEnvironment(model, batches, config);
        Policy policy;
        if (policyFile == null) {
            console.printf(Locale.ROOT, "training the panning agent for %,d steps (progress on stderr, run in %s)%n",
                    agentSteps, out.resolve(AGENT_DIR));
            AgentTrainer trainer = new AgentTrainer(env, trainingConfig(agentSteps),
                    new AgentTrainer.Options(Seeds.derive(seed, "rl-panning-agent"), out.resolve(AGENT_DIR),
                            Math.min(CHECKPOINT_INTERVAL, agentSteps), true));
            AgentTrainer.Result trained = trainer.train();
            console.printf(Locale.ROOT, "trained in %,d episodes, %.1f ms per environment step%n", trained.episodes(),
                    trained.secondsPerEnvStep() * 1e3);
            policy = trained.policy();
            policy.save(out.resolve(POLICY_FILE));
        } else {
            policy = Policy.load(policyFile);
        }
        env.setStepListener(new PanningStepLog(out, console));
        EpisodeResult rollout = policy.rollout(env, new SplitMix64(Seeds.derive(seed, "rl-panning-rollout")));
        console.printf(Locale.ROOT, "policy rolled out at the target: %d steps, reward %.4f, effective sparsity %s%n",
                rollout.length(), rollout.reward(), rollout.info().get("effective_sparsity"));
        return env.lastMask();
    }
}
