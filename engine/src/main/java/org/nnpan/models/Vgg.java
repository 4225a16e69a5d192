package org.nnpan.models;

import java.util.ArrayList;
import java.util.List;
import org.nnpan.nn.BatchNorm2d;
import org.nnpan.nn.Conv2d;
import org.nnpan.nn.Linear;
import org.nnpan.nn.MaxPool2d;
import org.nnpan.nn.Module;
import org.nnpan.nn.ReLU;
import org.nnpan.nn.Sequential;
import org.nnpan.ops.Pooling;
import org.nnpan.ops.Shapes;
import org.nnpan.tensor.Tensor;

/**
 * VGG with batch norm as used by GraSP and Panning on 32×32 input: a {@code features} {@link Sequential} built from
 * a configuration list (a channel count adds a bias-free 3×3 convolution with padding 1, a batch norm and a ReLU; a
 * {@link #POOL} adds a 2×2 max pooling), then a 2×2 average pooling (a function, not a module) and a single linear
 * {@code classifier}.
 */
final class Vgg extends Module {
    /** The configuration entry for a 2×2 max pooling. */
    static final int POOL = 0;

    private final int[] config;
    private final int inChannels;
    private final int numClasses;
    private final Sequential features;
    private final Linear classifier;

    /** {@code config} lists channel counts and {@link #POOL}s, already scaled by any width multiplier. */
    Vgg(int[] config, int inChannels, int numClasses) {
        this.config = config.clone();
        this.inChannels = inChannels;
        this.numClasses = numClasses;
        List<Module> layers = new ArrayList<>();
        int channels = inChannels;
        for (int v : config) {
            if (v == POOL) {
                layers.add(new MaxPool2d(2));
            } else {
                layers.add(new Conv2d(channels, v, 3, 1, 1, false));
                layers.add(new BatchNorm2d(v));
                layers.add(new ReLU());
                channels = v;
            }
        }
        this.features = addModule("features", new Sequential(layers));
        this.classifier = addModule("classifier", new Linear(channels, numClasses));
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor h = Pooling.avgPool2d(features.forward(x), 2, 2, 0, true);
        return classifier.forward(Shapes.flatten(h, 1));
    }

    @Override
    protected Module freshInstance() {
        return new Vgg(config, inChannels, numClasses);
    }
}
