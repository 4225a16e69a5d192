/**
 * Experiments: {@link org.nnpan.experiment.PruneSettings} and {@link org.nnpan.experiment.Pruning} prune a freshly
 * initialised network; {@link org.nnpan.experiment.Experiment} runs a {@link org.nnpan.experiment.RunConfig} (prune,
 * then train) in a self-describing run directory that it can skip when finished and resume when interrupted. Nothing
 * here prints to the console: callers pass a writer for log lines and a training listener.
 */
package org.nnpan.experiment;
