/**
 * Optimizers and learning-rate schedules with PyTorch semantics: {@link org.nnpan.optim.Sgd} (momentum, Nesterov,
 * weight decay), {@link org.nnpan.optim.Adam} (Adam and AdamW), and the {@link org.nnpan.optim.LrSchedule}s
 * {@code constant}, {@code cosine} and {@code multistep} with optional linear warm-up.
 *
 * <p>Updates are in-place float32 loops over the parameters' memory with state buffers allocated once, so a step
 * makes no garbage however large the model. Masked parameters keep their pruned weights: the loops leave every
 * position whose mask is 0 untouched, value and state alike, so weights zeroed once before training stay exactly
 * zero through weight decay and momentum.
 */
package org.nnpan.optim;
