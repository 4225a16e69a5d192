package org.nnpan.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import org.nnpan.data.SplitMix64;
import org.nnpan.io.AtomicDirectory;
import org.nnpan.io.Json;
import org.nnpan.io.JsonLines;
import org.nnpan.train.StatusLine;

/**
 * Trains a {@link Td3Agent} on an {@link Environment} (the loop of the reference TD3 implementation):
 * {@code warmupSteps} steps with uniformly random actions, then the policy's actions plus Gaussian exploration noise,
 * one {@link Td3Agent#update()} after every step from the end of the warm-up on, for {@code totalSteps} environment
 * steps in all.
 *
 * <p>At the first episode end after every {@code evalInterval} steps the trainer plays one deterministic evaluation
 * episode, and at the first episode end after every {@code checkpointInterval} steps it checkpoints the whole run
 * (agent, environment state, generators, counters) into the run directory. Each episode and evaluation is one line
 * of {@value #METRICS_FILE}, with the environment's info of the episode's last step. At the end the deterministic
 * policy is saved as {@value #POLICY_FILE} and returned.
 *
 * <p>A run is reproducible for a fixed seed and thread count, and {@link #resume()} after an interruption continues
 * exactly as the uninterrupted run would have (the same transitions, updates and final weights).
 */
public final class AgentTrainer {
    /** Episode and evaluation records, one JSON object per line. */
    public static final String METRICS_FILE = "metrics.jsonl";
    /** The final policy's weights (with its {@linkplain Policy#sidecarFile sidecar}). */
    public static final String POLICY_FILE = "policy.safetensors";
    /** Counts, evaluations and timings of the finished run. */
    public static final String SUMMARY_FILE = "summary.json";

    /** The run directory's checkpoint, replaced as a whole ({@link AtomicDirectory}). */
    private static final String CHECKPOINT_DIR = "checkpoint";
    private static final String TRAINER_FILE = "trainer.json";
    private static final String AGENT_DIR = "agent";
    private static final String ENVIRONMENT_DIR = "environment";
    /** Episodes whose mean reward the progress display shows. */
    private static final int REWARD_WINDOW = 10;

    /**
     * How to run the training.
     *
     * @param seed               seeds the agent (initialisation, noise, replay sampling) and the environment resets
     * @param runDirectory       where metrics, checkpoints and the final policy go
     * @param checkpointInterval environment steps between checkpoints (taken at episode ends)
     * @param showProgress       whether to show progress on standard error
     */
    public record Options(long seed, Path runDirectory, long checkpointInterval, boolean showProgress) {
        public Options {
            if (runDirectory == null) {
                throw new IllegalArgumentException("a training run needs a run directory");
            }
            if (checkpointInterval < 1) {
                throw new IllegalArgumentException("checkpoint interval must be >= 1, got " + checkpointInterval);
            }
        }
    }

    /** One deterministic evaluation episode, played after training episode {@code episode} ended at {@code step}. */
    public record Evaluation(long step, int episode, EpisodeResult result) {
    }

    /**
     * The outcome of a run.
     *
     * @param policy              the final deterministic policy (also saved as {@value #POLICY_FILE})
     * @param steps               environment steps of training
     * @param episodes            training episodes completed
     * @param evaluations         every evaluation of the run, oldest first
     * @param secondsPerEnvStep   mean wall time of {@link Environment#step}
     * @param secondsPerAgentStep mean wall time the agent spent per environment step (acting, storing, updating)
     * @param secondsPerUpdate    mean wall time of one {@link Td3Agent#update()}
     */
    public record Result(Policy policy, long steps, int episodes, List<Evaluation> evaluations,
                         double secondsPerEnvStep, double secondsPerAgentStep, double secondsPerUpdate) {
        public Result {
            evaluations = List.copyOf(evaluations);
        }
    }

    private final Environment env;
    private final Td3Config config;
    private final Options options;
    private final Td3Agent agent;
    private final SplitMix64 envRng;
    private final SplitMix64 evalRng;
    private final JsonLines metrics;
    private final AtomicDirectory checkpoint;
    private final TrainingProgress progress;
    private final List<Evaluation> evaluations = new ArrayList<>();
    private final double[] recentRewards = new double[REWARD_WINDOW];

    private long step;
    private int episodes;
    private long nextEvalStep;
    private long nextCheckpointStep;
    private long envNanos;
    private long agentNanos;
    private long updateNanos;
    private long updates;

    /** A trainer for a new agent sized for {@code env}; {@link #train()} starts it, {@link #resume()} continues it. */
    public AgentTrainer(Environment env, Td3Config config, Options options) {
        this.env = env;
        this.config = config;
        this.options = options;
        SplitMix64 seeds = new SplitMix64(options.seed());
        this.agent = new Td3Agent(env.stateSize(), env.actionSize(), config, seeds.nextLong());
        this.envRng = new SplitMix64(seeds.nextLong());
        this.evalRng = new SplitMix64(seeds.nextLong());
        this.metrics = new JsonLines(options.runDirectory().resolve(METRICS_FILE));
        this.checkpoint = new AtomicDirectory(options.runDirectory().resolve(CHECKPOINT_DIR));
        this.progress = options.showProgress() ? new TrainingProgress(StatusLine.onStandardError()) : null;
        this.nextEvalStep = config.evalInterval();
        this.nextCheckpointStep = options.checkpointInterval();
    }

    /**
     * Trains from scratch.
     *
     * @throws IllegalStateException if the run directory already holds a checkpoint (resume it instead)
     */
    public Result train() throws IOException {
        if (checkpoint.latest(TRAINER_FILE) != null) {
            throw new IllegalStateException("run directory " + options.runDirectory()
                    + " already holds a checkpoint; resume that run or choose another directory");
        }
        Files.createDirectories(options.runDirectory());
        metrics.reset();
        return run();
    }

    /**
     * The environment step at which the run directory's latest checkpoint was taken ({@link #resume()} continues
     * from there), or empty when it holds none.
     */
    public OptionalLong checkpointStep() throws IOException {
        Path dir = checkpoint.latest(TRAINER_FILE);
        return dir == null ? OptionalLong.empty() : OptionalLong.of(longOf(Json.readMap(dir.resolve(TRAINER_FILE)),
                "step"));
    }

    /**
     * Continues the run from its latest checkpoint, dropping the metrics logged after it. The generators continue
     * from their saved states (the options' seed plays no part), and a finished run only saves its policy again.
     *
     * @throws IllegalStateException    if the run directory holds no checkpoint
     * @throws IllegalArgumentException if the checkpoint belongs to another configuration or environment size
     */
    public Result resume() throws IOException {
        Path dir = checkpoint.latest(TRAINER_FILE);
        if (dir == null) {
            throw new IllegalStateException("run directory " + options.runDirectory()
                    + " holds no checkpoint to resume");
        }
        agent.load(dir.resolve(AGENT_DIR));
        env.loadState(dir.resolve(ENVIRONMENT_DIR));
        readTrainerState(dir.resolve(TRAINER_FILE));
        metrics.truncate(n -> n.path("step").asLong() <= step);
        return run();
    }

    private Result run() throws IOException {
        EpisodeStats episode = new EpisodeStats();
        double[] state = null;
        while (step < config.totalSteps()) {
            if (state == null) {
                state = env.reset(envRng);
            }
            long t0 = System.nanoTime();
            double[] action = step < config.warmupSteps() ? agent.randomAction() : agent.act(state, true);
            long t1 = System.nanoTime();
            Environment.Step s = env.step(action);
            long t2 = System.nanoTime();
            agent.observe(state, action, s.reward(), s.state(), s.done());
            if (step >= config.warmupSteps()) {
                long u0 = System.nanoTime();
                episode.add(agent.update());
                updateNanos += System.nanoTime() - u0;
                updates++;
            }
            long t3 = System.nanoTime();
            step++;
            long envTime = t2 - t1;
            long agentTime = (t1 - t0) + (t3 - t2);
            envNanos += envTime;
            agentNanos += agentTime;
            episode.step(s.reward(), envTime, agentTime);
            if (s.done()) {
                endEpisode(episode, s.info());
                episode = new EpisodeStats();
                state = null;
            } else {
                state = s.state();
            }
            if (progress != null && progress.due()) {
                progress.show(status());
            }
        }
        saveCheckpoint();
        Path policyFile = options.runDirectory().resolve(POLICY_FILE);
        agent.policy().save(policyFile);
        Result result = new Result(agent.policy(), step, episodes, evaluations, perStep(envNanos, step),
                perStep(agentNanos, step), perStep(updateNanos, updates));
        writeSummary(result, policyFile);
        if (progress != null) {
            progress.finished(String.format(Locale.ROOT, "trained %d steps, %d episodes, %.3f ms per update; policy %s",
                    step, episodes, result.secondsPerUpdate() * 1e3, policyFile));
        }
        return result;
    }

    private static double perStep(long nanos, long count) {
        return count == 0 ? 0 : nanos / 1e9 / count;
    }

    private void endEpisode(EpisodeStats episode, Map<String, Object> info) throws IOException {
        recentRewards[episodes % REWARD_WINDOW] = episode.reward;
        episodes++;
        metrics.append(episode.record(episodes, step, info));
        if (step >= nextEvalStep) {
            EpisodeResult result = agent.policy().rollout(env, evalRng);
            evaluations.add(new Evaluation(step, episodes, result));
            metrics.append(evaluationRecord(evaluations.getLast()));
            if (progress != null) {
                progress.evaluated(step, result);
            }
            nextEvalStep = (step / config.evalInterval() + 1) * config.evalInterval();
        }
        if (step >= nextCheckpointStep) {
            saveCheckpoint();
            nextCheckpointStep = (step / options.checkpointInterval() + 1) * options.checkpointInterval();
        }
    }

    private static Map<String, Object> evaluationRecord(Evaluation e) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("kind", "eval");
        r.put("episode", e.episode());
        r.put("step", e.step());
        r.put("reward", e.result().reward());
        r.put("length", e.result().length());
        r.put("info", e.result().info());
        return r;
    }

    private TrainingProgress.Status status() {
        int window = Math.min(episodes, REWARD_WINDOW);
        double sum = 0;
        for (int i = 0; i < window; i++) {
            sum += recentRewards[i];
        }
        double lastEval = evaluations.isEmpty() ? Double.NaN : evaluations.getLast().result().reward();
        return new TrainingProgress.Status(step, config.totalSteps(), episodes, window == 0 ? Double.NaN : sum / window,
                lastEval, perStep(envNanos, step) * 1e3, perStep(agentNanos, step) * 1e3);
    }

    // ---------------------------------------------------------------- checkpoints

    private void saveCheckpoint() throws IOException {
        checkpoint.replace(dir -> {
            agent.save(dir.resolve(AGENT_DIR));
            env.saveState(Files.createDirectories(dir.resolve(ENVIRONMENT_DIR)));
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("step", step);
            s.put("episodes", episodes);
            s.put("next_eval_step", nextEvalStep);
            s.put("next_checkpoint_step", nextCheckpointStep);
            s.put("env_rng_state", envRng.state());
            s.put("eval_rng_state", evalRng.state());
            s.put("env_nanos", envNanos);
            s.put("agent_nanos", agentNanos);
            s.put("update_nanos", updateNanos);
            s.put("updates", updates);
            s.put("evaluations", evaluations);
            Json.write(dir.resolve(TRAINER_FILE), s);
        });
    }

    private void readTrainerState(Path file) throws IOException {
        Map<String, Object> s = Json.readMap(file);
        step = longOf(s, "step");
        episodes = (int) longOf(s, "episodes");
        nextEvalStep = longOf(s, "next_eval_step");
        nextCheckpointStep = longOf(s, "next_checkpoint_step");
        envRng.setState(longOf(s, "env_rng_state"));
        evalRng.setState(longOf(s, "eval_rng_state"));
        envNanos = longOf(s, "env_nanos");
        agentNanos = longOf(s, "agent_nanos");
        updateNanos = longOf(s, "update_nanos");
        updates = longOf(s, "updates");
        evaluations.clear();
        for (Object e : (List<?>) s.get("evaluations")) {
            evaluations.add(Json.convert(e, Evaluation.class));
        }
    }

    private static long longOf(Map<String, Object> map, String key) {
        return ((Number) map.get(key)).longValue();
    }

    private void writeSummary(Result result, Path policyFile) throws IOException {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("policy", policyFile.getFileName().toString());
        s.put("steps", result.steps());
        s.put("episodes", result.episodes());
        s.put("updates", updates);
        s.put("seconds_per_env_step", result.secondsPerEnvStep());
        s.put("seconds_per_agent_step", result.secondsPerAgentStep());
        s.put("seconds_per_update", result.secondsPerUpdate());
        s.put("evaluations", result.evaluations());
        s.put("config", config);
        Json.write(options.runDirectory().resolve(SUMMARY_FILE), s);
    }

    /** What one training episode accumulates until it ends. */
    private static final class EpisodeStats {
        double reward;
        int length;
        long envNanos;
        long agentNanos;
        double criticLossSum;
        int criticUpdates;
        double actorLossSum;
        int actorUpdates;

        void step(double r, long env, long agent) {
            reward += r;
            length++;
            envNanos += env;
            agentNanos += agent;
        }

        void add(Td3Agent.Losses losses) {
            criticLossSum += losses.criticLoss();
            criticUpdates++;
            if (!Double.isNaN(losses.actorLoss())) {
                actorLossSum += losses.actorLoss();
                actorUpdates++;
            }
        }

        Map<String, Object> record(int episode, long step, Map<String, Object> info) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("kind", "episode");
            r.put("episode", episode);
            r.put("step", step);
            r.put("reward", reward);
            r.put("length", length);
            r.put("critic_loss", criticUpdates == 0 ? null : criticLossSum / criticUpdates);
            r.put("actor_loss", actorUpdates == 0 ? null : actorLossSum / actorUpdates);
            r.put("env_ms_per_step", envNanos / 1e6 / length);
            r.put("agent_ms_per_step", agentNanos / 1e6 / length);
            r.put("info", info);
            return r;
        }
    }
}
