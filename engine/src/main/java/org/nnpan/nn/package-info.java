/**
 * Layers and modules: {@link org.nnpan.nn.Module} trees with PyTorch {@code state_dict} names, {@link
 * org.nnpan.nn.Parameter}s that carry pruning masks applied inside {@code forward}, and the layers the model zoo is
 * built from. Initialisation lives in {@link org.nnpan.nn.init}.
 */
package org.nnpan.nn;
