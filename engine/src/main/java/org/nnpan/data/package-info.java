/**
 * Image data sets and their loading: readers for the IDX (MNIST, Fashion-MNIST) and CIFAR binary formats, a
 * {@link org.nnpan.data.Datasets registry} that finds them on disk, a seeded synthetic data set, the
 * {@link org.nnpan.data.ClassBalancedSampler "k examples per class"} selection pruning scores use, and a
 * {@link org.nnpan.data.BatchLoader batch loader} with seeded shuffling, augmentation and background prefetching.
 *
 * <p>This package is independent of the tensor core: batches are plain {@code float[]} and {@code int[]} arrays
 * laid out N&times;C&times;H&times;W, which the core wraps.
 */
package org.nnpan.data;
