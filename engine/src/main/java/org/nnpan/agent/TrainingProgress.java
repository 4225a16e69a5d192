package org.nnpan.agent;

import java.util.Locale;
import org.nnpan.train.StatusLine;

/**
 * Shows an agent's training on a {@link StatusLine}: steps, episodes, mean reward of the recent episodes, the last
 * evaluation and the time per environment step (split into environment and agent), plus a permanent line per
 * evaluation.
 */
final class TrainingProgress {
    /** What the status line shows. */
    record Status(long step, long totalSteps, int episodes, double meanReward, double lastEvalReward,
                  double envMsPerStep, double agentMsPerStep) {
    }

    private final StatusLine line;

    TrainingProgress(StatusLine line) {
        this.line = line;
    }

    /** Whether a status line is due; the caller builds the {@link Status} only then. */
    boolean due() {
        return line.due();
    }

    /** Shows the status now. */
    void show(Status s) {
        line.status(String.format(Locale.ROOT, "step %d/%d (%.1f%%)  episodes %d  mean reward %s  last eval %s  "
                        + "%.2f ms/step (env %.2f, agent %.2f)",
                s.step(), s.totalSteps(), 100.0 * s.step() / s.totalSteps(), s.episodes(), number(s.meanReward()),
                number(s.lastEvalReward()), s.envMsPerStep() + s.agentMsPerStep(), s.envMsPerStep(),
                s.agentMsPerStep()));
    }

    /** A permanent line for an evaluation episode. */
    void evaluated(long step, EpisodeResult result) {
        line.println(String.format(Locale.ROOT, "eval at step %d: reward %.4f over %d steps %s", step,
                result.reward(), result.length(), result.info()));
    }

    /** Ends the status line. */
    void finished(String summary) {
        line.println(summary);
    }

    private static String number(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }
}
