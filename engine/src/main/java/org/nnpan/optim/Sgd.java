package org.nnpan.optim;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.SequencedMap;
import org.nnpan.nn.Parameter;

/**
 * Stochastic gradient descent with PyTorch's {@code torch.optim.SGD} semantics (dampening 0, not maximising):
 * <pre>
 *   d = g + weightDecay·θ
 *   b = momentum·b + d                  (b starts at 0, so the first step stores d, like PyTorch's clone)
 *   d = nesterov ? d + momentum·b : b   (only when momentum ≠ 0)
 *   θ = θ − lr·d
 * </pre>
 * The momentum buffer exists only when {@code momentum ≠ 0}; its state name is {@code momentum_buffer}.
 */
public final class Sgd extends AbstractOptimizer {
    private final double momentum;
    private final double weightDecay;
    private final boolean nesterov;
    // The float32 factors of the update; lr is set by prepareStep.
    private final float momentumF;
    private final float weightDecayF;
    private float lr;

    /**
     * @throws IllegalArgumentException if a value is negative or not finite, or Nesterov is asked without momentum
     */
    public Sgd(SequencedMap<String, Parameter> parameters, double lr, double momentum, double weightDecay,
               boolean nesterov) {
        requireFiniteNonNegative("momentum", momentum);
        requireFiniteNonNegative("weight decay", weightDecay);
        if (nesterov && momentum == 0) {
            throw new IllegalArgumentException("Nesterov momentum needs a momentum > 0");
        }
        super(parameters, lr, momentum != 0 ? new String[] {"momentum_buffer"} : new String[0]);
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
        this.momentumF = (float) momentum;
        this.weightDecayF = (float) weightDecay;
    }

    @Override
    public String name() {
        return "sgd";
    }

    @Override
    public SequencedMap<String, Object> hyperparameters() {
        SequencedMap<String, Object> h = new LinkedHashMap<>();
        h.put("momentum", momentum);
        h.put("dampening", 0.0);
        h.put("weight_decay", weightDecay);
        h.put("nesterov", nesterov);
        return h;
    }

    @Override
    void prepareStep(long step) {
        lr = (float) learningRate();
    }

    @Override
    void update(MemorySegment param, MemorySegment grad, MemorySegment mask, MemorySegment[] state, long from,
                long to) {
        MemorySegment buf = momentum != 0 ? state[0] : null;
        for (long i = from; i < to; i++) {
            if (pruned(mask, i)) {
                continue;
            }
            float p = param.getAtIndex(F32, i);
            float d = grad.getAtIndex(F32, i) + weightDecayF * p;
            if (buf != null) {
                float b = momentumF * buf.getAtIndex(F32, i) + d;
                buf.setAtIndex(F32, i, b);
                d = nesterov ? d + momentumF * b : b;
            }
            param.setAtIndex(F32, i, p - lr * d);
        }
    }
}
