package org.nnpan.pruning;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nnpan.autograd.Autograd;
import org.nnpan.nn.Module;
import org.nnpan.tensor.Tensor;

/**
 * Saves what a scoring forward pass changes besides the graph, and puts it back on {@link #close()}: every buffer
 * (BatchNorm running statistics and {@code num_batches_tracked}) and every module's training mode. Scoring in
 * training mode then leaves the model exactly as it was.
 */
final class ModelSnapshot implements AutoCloseable {
    private final Map<Tensor, Tensor> buffers = new LinkedHashMap<>();
    private final List<Map.Entry<Module, Boolean>> modes = new ArrayList<>();

    private ModelSnapshot(Module model) {
        try (Autograd.GradMode _ = Autograd.noGrad()) {
            model.namedBuffers().values().forEach(b -> buffers.put(b, b.copy()));
        }
        model.namedModules().values().forEach(m -> modes.add(Map.entry(m, m.isTraining())));
    }

    /** Snapshots {@code model}; the copies live in the current memory scope. */
    static ModelSnapshot of(Module model) {
        return new ModelSnapshot(model);
    }

    @Override
    public void close() {
        try (Autograd.GradMode _ = Autograd.noGrad()) {
            buffers.forEach((live, saved) -> live.backend().copyInto(live, saved));
        }
        // Parents come before their children, so each child's own mode wins over its parent's subtree-wide set.
        modes.forEach(e -> e.getKey().train(e.getValue()));
    }
}
