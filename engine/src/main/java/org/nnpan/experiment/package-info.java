/**
 * Experiments: {@link org.nnpan.experiment.PruneSettings} and {@link org.nnpan.experiment.Pruning} prune a freshly
 * initialised network; {@link org.nnpan.experiment.Experiment} runs a {@link org.nnpan.experiment.RunConfig} (prune,
 * then train) in a self-describing run directory that it can skip when finished and resume when interrupted;
 * {@link org.nnpan.experiment.Sweep} runs a grid of them (methods × sparsities × seeds) into one results table.
 * Nothing here prints to the console by itself: callers pass a writer for log lines and listeners, such as
 * {@link org.nnpan.experiment.SweepProgress} on a stream they choose.
 */
package org.nnpan.experiment;
