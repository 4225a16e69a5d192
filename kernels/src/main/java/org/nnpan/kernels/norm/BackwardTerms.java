package org.nnpan.kernels.norm;

/**
 * The per-channel constants of the batch-norm input gradient {@code gx = k * (count * g - sumG - (x - mean) * a)}
 * (that is {@code gamma * invStd / count * (count * g - sum g - xhat * sum(g * xhat))}), computed once from a
 * channel's two sums so that both kernels evaluate the same float expression.
 */
record BackwardTerms(float k, float count, float sumG, float a, float gGamma) {

    /** From {@code sumG = sum g} and {@code sumGXc = sum g * (x - mean)}. */
    static BackwardTerms of(BatchNormKernel.Layout layout, double sumG, double sumGXc, float invStd, float gamma) {
        double sumGXhat = sumGXc * invStd;
        long count = layout.count();
        return new BackwardTerms(gamma * invStd / count, count, (float) sumG, (float) (sumGXhat * invStd),
                (float) sumGXhat);
    }
}
