package org.nnpan.agent;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * A task with a continuous state and action, played in episodes. Actions are vectors in [−1, 1]
 * ({@link #actionSize()} numbers); the environment maps them to whatever they control.
 *
 * <p>Every episode must end ({@link Step#done()}) after finitely many steps: evaluation episodes run until it does.
 */
public interface Environment {

    /** What one {@link #step} returns. */
    record Step(double[] state, double reward, boolean done, Map<String, Object> info) {
        /**
         * @param state  the state after the action ({@link #stateSize()} numbers)
         * @param reward the reward for the action
         * @param done   whether the episode ended; its last state is then not followed by another
         * @param info   diagnostics of the environment (JSON-serialisable values); the trainer writes the last
         *               step's info of every episode to the metrics, in this map's order
         */
        public Step {
            info = Collections.unmodifiableMap(new LinkedHashMap<>(info));
        }
    }

    /**
     * Starts a new episode and returns its first state.
     *
     * @param rng the source of the episode's randomness; the environment may keep drawing from it until the next
     *            reset (the trainer saves its state between episodes, so a resumed run sees the same numbers)
     */
    double[] reset(RandomGenerator rng);

    /** Applies {@code action} (values in [−1, 1]) to the current episode. */
    Step step(double[] action);

    /** Length of the state vector. */
    int stateSize();

    /** Length of the action vector. */
    int actionSize();

    /**
     * Writes whatever the environment carries from one episode to the next (running statistics, counters) into
     * {@code directory}. Called between episodes, when the trainer checkpoints. Environments with such state must
     * override this and {@link #loadState}, or a resumed run differs from an uninterrupted one; the default saves
     * nothing.
     */
    default void saveState(Path directory) throws IOException {
    }

    /** Restores what {@link #saveState} wrote, before the first {@link #reset} of a resumed run. */
    default void loadState(Path directory) throws IOException {
    }

    /**
     * Says whether the coming episodes are deterministic evaluations ({@link Policy#rollout} switches this on for
     * its episode) rather than training. An environment whose episodes depend on how long it has been trained, such
     * as a curriculum, keeps evaluation steps out of that count; the default ignores it.
     */
    default void setEvaluation(boolean evaluation) {
    }
}
