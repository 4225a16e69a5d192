package org.nnpan.agent;

import java.util.Map;

/**
 * The outcome of one episode.
 *
 * @param reward total undiscounted reward
 * @param length steps taken
 * @param info   the environment's info of the last step (e.g. the final effective sparsity of a pruning run)
 */
public record EpisodeResult(double reward, int length, Map<String, Object> info) {
}
