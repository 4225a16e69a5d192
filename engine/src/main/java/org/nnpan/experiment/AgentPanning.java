package org.nnpan.experiment;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import org.nnpan.nn.Module;
import org.nnpan.pruning.Mask;
import org.nnpan.pruning.Panning;
import org.nnpan.pruning.PanningEnvironment;

/**
 * Runs method {@value PruneSettings#RL_PANNING}: trains the panning agent (or loads a trained policy) and rolls it
 * out. Supplied by the caller, so that this package does not depend on where the agent's training lives.
 */
@FunctionalInterface
public interface AgentPanning {
    /**
     * Prunes the dense {@code model} and returns the final mask, in the current memory scope.
     *
     * @param agentSteps environment steps to train the agent for, when {@code policy} is null
     * @param policy     a trained policy to roll out, or null to train one
     * @param out        the run directory (the agent's run, the policy and the step log go there)
     * @param log        progress lines
     */
    Mask prune(Module model, Panning.BatchSource batches, PanningEnvironment.Config config, long agentSteps,
               Path policy, long seed, Path out, PrintWriter log) throws IOException;
}
