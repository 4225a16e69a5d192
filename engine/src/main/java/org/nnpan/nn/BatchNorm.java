package org.nnpan.nn;

import org.nnpan.backend.Backends;
import org.nnpan.ops.Normalization;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Shape;
import org.nnpan.tensor.Tensor;

/**
 * Batch normalisation with PyTorch's parameters ({@code weight} γ, {@code bias} β) and buffers
 * ({@code running_mean}, {@code running_var}, and the int64 counter {@code num_batches_tracked}), so state dicts
 * round-trip with PyTorch. Training mode normalises with batch statistics and updates the running buffers with a
 * fixed momentum; evaluation mode uses the running buffers.
 */
public abstract sealed class BatchNorm extends Module permits BatchNorm1d, BatchNorm2d {
    /** PyTorch's default weight of the newest batch in the running statistics. */
    public static final double DEFAULT_MOMENTUM = 0.1;
    /** PyTorch's default variance stabiliser. */
    public static final double DEFAULT_EPS = 1e-5;

    private static final String RUNNING_MEAN = "running_mean";
    private static final String RUNNING_VAR = "running_var";
    private static final String NUM_BATCHES_TRACKED = "num_batches_tracked";

    /** Whether this thread's training-mode passes leave the running buffers alone ({@link #freezeRunningStats}). */
    private static final ThreadLocal<boolean[]> FROZEN = ThreadLocal.withInitial(() -> new boolean[1]);

    private final int numFeatures;
    private final double momentum;
    private final double eps;
    private final Parameter weight;
    private final Parameter bias;

    BatchNorm(int numFeatures, double momentum, double eps) {
        if (numFeatures < 1 || !(momentum >= 0 && momentum <= 1) || !(eps > 0)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": invalid configuration: " + numFeatures
                    + " features, momentum " + momentum + ", eps " + eps);
        }
        this.numFeatures = numFeatures;
        this.momentum = momentum;
        this.eps = eps;
        this.weight = addParameter("weight", Parameter.zeros(false, numFeatures));
        this.bias = addParameter("bias", Parameter.zeros(false, numFeatures));
        addBuffer(RUNNING_MEAN, allocate(DType.F32, numFeatures));
        addBuffer(RUNNING_VAR, allocate(DType.F32, numFeatures));
        addBuffer(NUM_BATCHES_TRACKED, allocate(DType.I64));
        resetParameters();
        resetRunningStats();
    }

    private static Tensor allocate(DType dtype, int... shape) {
        return Tensor.empty(MemoryScope.global(), Backends.current(), dtype, shape);
    }

    /**
     * A scope in which this thread's training-mode passes normalise with the batch statistics as always but leave
     * {@code running_mean}, {@code running_var} and {@code num_batches_tracked} as they are; restores the previous
     * state on close. For passes that must not change the model (saliency scoring): training-mode outputs and
     * gradients do not depend on the running buffers, so they come out the same, with no copies to put back.
     */
    public static StatsScope freezeRunningStats() {
        boolean[] state = FROZEN.get();
        boolean previous = state[0];
        state[0] = true;
        return () -> state[0] = previous;
    }

    /** An {@link AutoCloseable} that restores the previous state and throws nothing. */
    @FunctionalInterface
    public interface StatsScope extends AutoCloseable {
        @Override
        void close();
    }

    /** The rank of the input this variant accepts (2 for [N, C], 4 for [N, C, H, W]). */
    abstract int inputRank();

    @Override
    public Tensor forward(Tensor x) {
        checkInput(x);
        boolean track = tracks();
        Tensor y = Normalization.batchNorm(x, weight.value(), bias.value(), track ? runningMean() : null,
                track ? runningVar() : null, isTraining(), momentum, eps);
        countBatch(track);
        return y;
    }

    /** {@code forward(x).relu()} as one fused op ({@link Normalization#batchNormRelu}): the same numbers. */
    public Tensor forwardRelu(Tensor x) {
        checkInput(x);
        boolean track = tracks();
        Tensor y = Normalization.batchNormRelu(x, weight.value(), bias.value(), track ? runningMean() : null,
                track ? runningVar() : null, isTraining(), momentum, eps);
        countBatch(track);
        return y;
    }

    private void checkInput(Tensor x) {
        if (x.dim() != inputRank() || x.size(1) != numFeatures) {
            throw new IllegalArgumentException(getClass().getSimpleName() + "(" + numFeatures + ") got input of shape "
                    + Shape.str(x.shape()));
        }
    }

    /**
     * Whether this pass reads or moves the running buffers: evaluation reads them; training moves them unless
     * {@linkplain #freezeRunningStats frozen}.
     */
    private boolean tracks() {
        return !isTraining() || !FROZEN.get()[0];
    }

    /** Training-mode passes that move the running statistics count towards {@code num_batches_tracked}, as in PyTorch. */
    private void countBatch(boolean track) {
        if (isTraining() && track) {
            Tensor counter = buffer(NUM_BATCHES_TRACKED);
            counter.set(counter.item() + 1);
        }
    }

    /** γ = 1, β = 0. */
    public void resetParameters() {
        fill(weight.value(), 1);
        fill(bias.value(), 0);
    }

    /** Running mean 0, running variance 1, no batches tracked. */
    public void resetRunningStats() {
        fill(runningMean(), 0);
        fill(runningVar(), 1);
        fill(buffer(NUM_BATCHES_TRACKED), 0);
    }

    private static void fill(Tensor t, double value) {
        t.backend().fill(t, value);
    }

    /** γ. */
    public Parameter weight() {
        return weight;
    }

    /** β. */
    public Parameter bias() {
        return bias;
    }

    /** The live running-mean buffer [C]. */
    public Tensor runningMean() {
        return buffer(RUNNING_MEAN);
    }

    /** The live running-variance buffer [C] (unbiased batch variances, as PyTorch keeps them). */
    public Tensor runningVar() {
        return buffer(RUNNING_VAR);
    }

    /** How many training-mode forward passes have updated the running statistics. */
    public long numBatchesTracked() {
        return (long) buffer(NUM_BATCHES_TRACKED).item();
    }

    public int numFeatures() {
        return numFeatures;
    }

    public double momentum() {
        return momentum;
    }

    public double eps() {
        return eps;
    }

    @Override
    protected String extraRepr() {
        return numFeatures + ", eps=" + eps + ", momentum=" + momentum;
    }
}
