package org.nnpan.nn;

import org.nnpan.ops.Linalg;
import org.nnpan.tensor.Tensor;

/** Fully connected layer {@code y = x Wᵀ + b} with weight [out, in] (prunable) and optional bias [out]. */
public final class Linear extends Module {
    private final int inFeatures;
    private final int outFeatures;
    private final Parameter weight;
    private final Parameter bias;

    /** A layer with a bias; parameters start at zero until an {@link org.nnpan.nn.init.InitScheme} fills them. */
    public Linear(int inFeatures, int outFeatures) {
        this(inFeatures, outFeatures, true);
    }

    /** A layer with or without a bias; parameters start at zero. */
    public Linear(int inFeatures, int outFeatures, boolean withBias) {
        if (inFeatures < 1 || outFeatures < 1) {
            throw new IllegalArgumentException("Linear needs positive sizes, got " + inFeatures + " -> " + outFeatures);
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = addParameter("weight", Parameter.zeros(true, outFeatures, inFeatures));
        this.bias = withBias ? addParameter("bias", Parameter.zeros(false, outFeatures)) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Linalg.linear(x, weight.effective(), bias == null ? null : bias.value());
    }

    /** {@code relu(forward(x))} with the bias add and the ReLU in one op ({@link Linalg#linearRelu}); same numbers. */
    public Tensor forwardRelu(Tensor x) {
        return Linalg.linearRelu(x, weight.effective(), bias == null ? null : bias.value());
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null for a layer without one. */
    public Parameter bias() {
        return bias;
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }

    @Override
    protected Module freshInstance() {
        return new Linear(inFeatures, outFeatures, bias != null);
    }

    @Override
    protected String extraRepr() {
        return inFeatures + ", " + outFeatures + ", bias=" + (bias != null);
    }
}
