package org.nnpan.optim;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.SequencedMap;
import org.nnpan.nn.Parameter;

/**
 * Adam and AdamW with PyTorch's semantics ({@code torch.optim.Adam}, {@code torch.optim.AdamW}; no AMSGrad):
 * <pre>
 *   Adam:  g = g + weightDecay·θ            AdamW: θ = θ·(1 − lr·weightDecay)
 *   m = β₁·m + (1 − β₁)·g
 *   v = β₂·v + (1 − β₂)·g²
 *   θ = θ − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
 * </pre>
 * with t the step count. Note where ε sits: it is added after the bias correction of √v, as in PyTorch. State
 * names: {@code exp_avg} (m) and {@code exp_avg_sq} (v).
 */
public final class Adam extends AbstractOptimizer {
    /** PyTorch's default β₁. */
    public static final double DEFAULT_BETA1 = 0.9;
    /** PyTorch's default β₂. */
    public static final double DEFAULT_BETA2 = 0.999;
    /** PyTorch's default ε. */
    public static final double DEFAULT_EPS = 1e-8;

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final boolean decoupled;
    // The float32 factors of the update, each rounded once from its double value as PyTorch's kernels receive them
    // (1 − β₁ in float arithmetic would round differently).
    private final float beta1F;
    private final float oneMinusBeta1;
    private final float beta2F;
    private final float oneMinusBeta2;
    private final float epsF;
    private final float coupledDecay;
    // Per-step scalars, set by prepareStep.
    private float stepSize;
    private float biasCorrection2Sqrt;
    private float decay;

    /**
     * @param decoupled true for AdamW (weight decay shrinks θ directly), false for Adam (added to the gradient)
     * @throws IllegalArgumentException if a β is outside [0, 1), ε or weight decay is negative or not finite
     */
    public Adam(SequencedMap<String, Parameter> parameters, double lr, double beta1, double beta2, double eps,
                double weightDecay, boolean decoupled) {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        requireFiniteNonNegative("eps", eps);
        requireFiniteNonNegative("weight decay", weightDecay);
        super(parameters, lr, "exp_avg", "exp_avg_sq");
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
        this.beta1F = (float) beta1;
        this.oneMinusBeta1 = (float) (1 - beta1);
        this.beta2F = (float) beta2;
        this.oneMinusBeta2 = (float) (1 - beta2);
        this.epsF = (float) eps;
        this.coupledDecay = decoupled ? 0f : (float) weightDecay;
    }

    /** Adam with PyTorch's default betas and ε. */
    public static Adam adam(SequencedMap<String, Parameter> parameters, double lr, double weightDecay) {
        return new Adam(parameters, lr, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPS, weightDecay, false);
    }

    /** AdamW with PyTorch's default betas and ε. */
    public static Adam adamW(SequencedMap<String, Parameter> parameters, double lr, double weightDecay) {
        return new Adam(parameters, lr, DEFAULT_BETA1, DEFAULT_BETA2, DEFAULT_EPS, weightDecay, true);
    }

    @Override
    public String name() {
        return decoupled ? "adamw" : "adam";
    }

    @Override
    public SequencedMap<String, Object> hyperparameters() {
        SequencedMap<String, Object> h = new LinkedHashMap<>();
        h.put("beta1", beta1);
        h.put("beta2", beta2);
        h.put("eps", eps);
        h.put("weight_decay", weightDecay);
        return h;
    }

    @Override
    void prepareStep(long step) {
        // Scalars in double like PyTorch's Python-side arithmetic, then used as float32 factors.
        double lr = learningRate();
        stepSize = (float) (lr / (1 - Math.pow(beta1, step)));
        biasCorrection2Sqrt = (float) Math.sqrt(1 - Math.pow(beta2, step));
        decay = decoupled ? (float) (1 - lr * weightDecay) : 1f;
    }

    @Override
    void update(MemorySegment param, MemorySegment grad, MemorySegment mask, MemorySegment[] state, long from,
                long to) {
        MemorySegment m = state[0];
        MemorySegment v = state[1];
        for (long i = from; i < to; i++) {
            if (pruned(mask, i)) {
                continue;
            }
            float p = param.getAtIndex(F32, i) * decay;
            float g = grad.getAtIndex(F32, i) + coupledDecay * p;
            float mi = beta1F * m.getAtIndex(F32, i) + oneMinusBeta1 * g;
            float vi = beta2F * v.getAtIndex(F32, i) + oneMinusBeta2 * g * g;
            m.setAtIndex(F32, i, mi);
            v.setAtIndex(F32, i, vi);
            float denom = (float) Math.sqrt(vi) / biasCorrection2Sqrt + epsF;
            param.setAtIndex(F32, i, p - stepSize * mi / denom);
        }
    }
}
