package org.nnpan.nn;

/** Batch normalisation over the features of [N, C] input. */
public final class BatchNorm1d extends BatchNorm {
    /** With PyTorch's defaults: momentum 0.1, eps 1e-5. */
    public BatchNorm1d(int numFeatures) {
        this(numFeatures, DEFAULT_MOMENTUM, DEFAULT_EPS);
    }

    public BatchNorm1d(int numFeatures, double momentum, double eps) {
        super(numFeatures, momentum, eps);
    }

    @Override
    int inputRank() {
        return 2;
    }

    @Override
    protected Module freshInstance() {
        return new BatchNorm1d(numFeatures(), momentum(), eps());
    }
}
