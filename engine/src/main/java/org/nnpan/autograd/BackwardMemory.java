package org.nnpan.autograd;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Storage;
import org.nnpan.tensor.Tensor;

/**
 * Frees the memory a backward pass allocates as soon as nothing can read it, the way PyTorch frees gradients and
 * unsaved temporaries by reference count; otherwise every op's gradient and temporaries would stay allocated until
 * the step's scope closes, nearly doubling a training step's peak memory, and a create-graph pass (GraSP's) would
 * keep every intermediate of its recorded gradient formulas.
 *
 * <p>The rule: a storage is released when the pass itself allocated it (in the current scope, after the pass
 * began), no gradient the pass still holds views it, and no recorded backward rule
 * {@linkplain Storage#isSavedForBackward() saved} it. The gradient of a tensor is dropped once its op's backward
 * rule has run, unless the caller asked for it. A create-graph pass thus keeps exactly what a later pass over its
 * graph reads; a tensor that is only an edge of that graph (the input of a sum or an addition) keeps its shape and
 * graph links but not its memory. Memory allocated before the pass (forward activations, the caller's seeds) is
 * never touched, so the graph can be walked again.
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

    /** Releases every storage allocated by the pass so far that no held gradient views and no backward rule saved. */
    void sweep() {
        pending.addAll(scope.allocatedSince(scanned));
        scanned = scope.allocationCount();
        pending.removeIf(s -> {
            if (s.isSavedForBackward()) {
                return true; // kept until the scope closes: a later pass over the recorded graph reads it
            }
            if (holders.containsKey(s)) {
                return false;
            }
            s.release();
            return true;
        });
    }
}
