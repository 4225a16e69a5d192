package org.nnpan.nn;

/** Batch normalisation over the channels of NCHW input. */
public final class BatchNorm2d extends BatchNorm {
    /** With PyTorch's defaults: momentum 0.1, eps 1e-5. */
    public BatchNorm2d(int numFeatures) {
        this(numFeatures, DEFAULT_MOMENTUM, DEFAULT_EPS);
    }

    public BatchNorm2d(int numFeatures, double momentum, double eps) {
        super(numFeatures, momentum, eps);
    }

    @Override
    int inputRank() {
        return 4;
    }

    @Override
    protected Module freshInstance() {
        return new BatchNorm2d(numFeatures(), momentum(), eps());
    }
}
