package org.nnpan.data;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What is known about a registered data set without loading it.
 *
 * @param name           registry name, e.g. {@code "fashion-mnist"}
 * @param displayName    human-readable name, e.g. {@code "Fashion-MNIST"}
 * @param numClasses     number of classes
 * @param channels       image channels
 * @param height         image height
 * @param width          image width
 * @param normalization  the usual per-channel mean and std of its training set
 * @param defaultDataDir where it is looked for when no directory is given, if anywhere
 */
public record DatasetInfo(String name, String displayName, int numClasses, int channels, int height, int width,
                          Normalization normalization, Optional<Path> defaultDataDir) {
}
