package org.nnpan.autograd;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Storage;
import org.nnpan.tensor.Tensor;

/**
 * Frees the memory a first-order backward pass allocates as soon as nothing can read it, the way PyTorch frees
 * gradients by reference count; otherwise every op's gradient and temporaries would stay allocated until the
 * step's scope closes, nearly doubling a training step's peak memory.
 *
 * <p>The rule: a storage is released when the pass itself allocated it (in the current scope, after the pass
 * began) and no gradient the pass still holds views it. The gradient of a tensor is dropped once its op's backward
 * rule has run, unless the caller asked for it. Memory allocated before the pass (forward activations, the
 * caller's seeds) is never touched, so the graph can be walked again. Only for passes that do not record
 * themselves: with create-graph the gradients are graph nodes that later passes read.
 */
final class BackwardMemory {
    private final MemoryScope scope;
    private int scanned;
    /** How many held gradients view each storage. */
    private final Map<Storage, Integer> holders = new IdentityHashMap<>();
    /** Storages the pass allocated that a held gradient still views. */
    private final List<Storage> pending = new ArrayList<>();

    /** Starts tracking allocations of the current scope from now on. */
    BackwardMemory() {
        this.scope = MemoryScope.current();
        this.scanned = scope.allocationCount();
    }

    /** A gradient the pass now holds. */
    void hold(Tensor gradient) {
        holders.merge(gradient.storage(), 1, Integer::sum);
    }

    /** A gradient the pass no longer holds. */
    void drop(Tensor gradient) {
        holders.computeIfPresent(gradient.storage(), (s, n) -> n == 1 ? null : n - 1);
    }

    /** Releases every storage allocated by the pass so far that no held gradient views. */
    void sweep() {
        pending.addAll(scope.allocatedSince(scanned));
        scanned = scope.allocationCount();
        pending.removeIf(s -> {
            if (holders.containsKey(s)) {
                return false;
            }
            s.release();
            return true;
        });
    }
}
