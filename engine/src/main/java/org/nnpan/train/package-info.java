/**
 * Training: the {@link org.nnpan.train.Trainer} epoch loop (cross-entropy, an {@link org.nnpan.optim.Optimizer},
 * an {@link org.nnpan.optim.LrSchedule}, evaluation after every epoch), its run directory (metrics as JSON lines,
 * checkpoints to resume from, final weights), a progress display, and the glue that turns a
 * {@link org.nnpan.train.TrainConfig} into data loaders.
 *
 * <p>Sparse training: give the trainer a model whose prunable parameters carry masks. It zeroes the pruned weights
 * once ({@link org.nnpan.train.Masks#applyToWeights}); the forward pass multiplies by the mask, so their gradients
 * are zero, and the optimizers never touch masked positions, so they stay exactly zero.
 */
package org.nnpan.train;
