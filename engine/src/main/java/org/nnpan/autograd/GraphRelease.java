package org.nnpan.autograd;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nnpan.tensor.Storage;
import org.nnpan.tensor.Tensor;

/**
 * Releases a graph's tensors during the last backward pass over it, each as soon as the last rule of the pass that
 * reads it has run (those no rule reads at once), the way PyTorch frees saved tensors when {@code retain_graph} is
 * false. Only storages the caller names eligible are released, so the caller decides what survives the pass. A
 * storage that a rule of the pass reads but whose rule does not run (no gradient reached it) is kept, which is
 * always safe.
 */
final class GraphRelease {
    /** For each eligible storage: how many rules of the pass still to run read it. */
    private final Map<Storage, Integer> readers = new IdentityHashMap<>();

    /**
     * Releases at once the {@code eligible} storages that no rule of the pass reads, and counts the readers of the
     * others.
     *
     * @param nodes    the nodes whose rules the pass may run
     * @param eligible the storages the caller is done with once the pass has read them
     */
    GraphRelease(List<Node> nodes, List<Storage> eligible) {
        for (Storage s : eligible) {
            readers.put(s, 0);
        }
        for (Node node : nodes) {
            for (Tensor t : node.saved()) {
                if (t != null) {
                    readers.computeIfPresent(t.storage(), (s, n) -> n + 1);
                }
            }
        }
        readers.entrySet().removeIf(e -> {
            if (e.getValue() == 0) {
                e.getKey().release();
                return true;
            }
            return false;
        });
    }

    /** The rule of {@code node} has run: releases what no rule still to run reads. */
    void ran(Node node) {
        for (Tensor t : node.saved()) {
            if (t == null || !readers.containsKey(t.storage())) {
                continue; // not eligible, or already released by an earlier rule that saved it too
            }
            if (readers.computeIfPresent(t.storage(), (s, n) -> n == 1 ? null : n - 1) == null) {
                t.storage().release();
            }
        }
    }
}
