package org.nnpan.perf;

/**
 * Hooks around every call of a {@link Measurement}, warm-up calls included: lets a driver interleave the calls with
 * another process's (benchmarks/scoring_rounds.py {@code --paired} takes turns with PyTorch call by call, so both
 * see the machine in the same state). Neither hook is inside the timed interval.
 */
public interface Pacer {
    /** No pacing: calls run back to back. */
    Pacer NONE = new Pacer() {
        @Override
        public void beforeCall() {
        }

        @Override
        public void afterCall(double millis) {
        }
    };

    /** Blocks until the next call may start. */
    void beforeCall();

    /** Told each call's wall time, in milliseconds, once it has returned. */
    void afterCall(double millis);
}
