package org.nnpan.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * A toy task with a known optimal policy: the state is uniform in [−1, 1]², the reward of action a is −|a − M·s|²
 * for a fixed matrix M, and every step draws a new state, so the best policy is π*(s) = M·s whatever the episode
 * length. It counts its resets across episodes (saved by {@link #saveState}) and reports them in the info, so a
 * resume that forgot the environment's state would show up in the metrics.
 */
final class LinearTargetEnvironment implements Environment {
    static final double[][] M = {{0.6, -0.3}, {0.2, 0.5}};

    private final int episodeLength;
    private RandomGenerator rng;
    private double[] state;
    private int stepInEpisode;
    private long resets;

    LinearTargetEnvironment(int episodeLength) {
        this.episodeLength = episodeLength;
    }

    static double[] optimalAction(double[] s) {
        return new double[] {M[0][0] * s[0] + M[0][1] * s[1], M[1][0] * s[0] + M[1][1] * s[1]};
    }

    static double squaredError(double[] a, double[] s) {
        double[] best = optimalAction(s);
        double d0 = a[0] - best[0];
        double d1 = a[1] - best[1];
        return d0 * d0 + d1 * d1;
    }

    @Override
    public double[] reset(RandomGenerator rng) {
        this.rng = rng;
        resets++;
        stepInEpisode = 0;
        state = draw();
        return state;
    }

    private double[] draw() {
        return new double[] {2 * rng.nextDouble() - 1, 2 * rng.nextDouble() - 1};
    }

    @Override
    public Step step(double[] action) {
        double error = squaredError(action, state);
        stepInEpisode++;
        state = draw();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("last_error", error);
        info.put("resets", resets);
        return new Step(state, -error, stepInEpisode == episodeLength, info);
    }

    @Override
    public int stateSize() {
        return 2;
    }

    @Override
    public int actionSize() {
        return 2;
    }

    @Override
    public void saveState(Path directory) throws IOException {
        Files.writeString(directory.resolve("resets.txt"), Long.toString(resets));
    }

    @Override
    public void loadState(Path directory) throws IOException {
        resets = Long.parseLong(Files.readString(directory.resolve("resets.txt")).trim());
    }
}
