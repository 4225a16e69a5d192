package org.nnpan.pruning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nnpan.models.ModelSpec;
import org.nnpan.models.ModelZoo;
import org.nnpan.nn.Module;
import org.nnpan.nn.Sequential;
import org.nnpan.nn.init.InitScheme;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/** Effective sparsity, layer collapse and the per-layer FLOPs of {@link PruningReport}. */
class PruningReportTest {
    private MemoryScope scope;

    @BeforeEach
    void open() {
        scope = MemoryScope.open("report-test");
    }

    @AfterEach
    void close() {
        scope.close();
    }

    private static PruningReport report(Module net, Mask mask, int... inputShape) {
        return PruningReport.of(net, mask, inputShape, new LinkedHashMap<>(Map.of("model", "test")));
    }

    /** Mask of a 4 → 3 → 2 MLP from rows (first layer, [3, 4]) and rows (second layer, [2, 3]). */
    private static Mask mlpMask(Sequential net, float[] first, float[] second) {
        return Mask.of(net, Map.of("1.weight", Tensor.of(first, 3, 4), "3.weight", Tensor.of(second, 2, 3)));
    }

    @Test
    void keptWeightsOfAUnitWithoutInputOrWithoutOutputAreDead() {
        Sequential net = TestNets.mlp(new SplittableRandom(1), 4, 3, 2);
        // Hidden unit 0 gets no input (row 0 pruned) but keeps its outputs: those 2 kept weights are dead.
        // Hidden unit 1 keeps its inputs but loses both outputs: its 4 input weights are dead. Unit 2 is intact.
        Mask mask = mlpMask(net,
                new float[] {0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1},
                new float[] {1, 0, 1, 1, 0, 1});
        PruningReport r = report(net, mask, 4, 1, 1);
        assertEquals(List.of(8L, 4L), r.layers().stream().map(PruningReport.Layer::kept).toList());
        assertEquals(List.of(4L, 2L), r.layers().stream().map(PruningReport.Layer::live).toList());
        assertEquals(1 - 6 / 18.0, r.effectiveSparsity(), 1e-12);
        assertEquals(1 - 12 / 18.0, r.sparsity(), 1e-12);
        assertEquals(List.of(), r.warnings());
    }

    @Test
    void aClassifierPrunedAwayIsALayerCollapseAndDisconnectsTheNetwork() throws Exception {
        Sequential net = TestNets.mlp(new SplittableRandom(1), 4, 3, 2);
        Mask mask = mlpMask(net, new float[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, new float[6]);
        PruningReport r = report(net, mask, 4, 1, 1);
        assertEquals(1.0, r.effectiveSparsity());
        // The intact first layer collapses too: none of its weights reaches an output any more.
        assertEquals(3, r.warnings().size(), r.warnings().toString());
        assertEquals("LAYER COLLAPSE: 1.weight [3, 4] keeps 12 weights but none lies on an input-output path",
                r.warnings().get(0));
        assertTrue(r.warnings().get(1).startsWith("LAYER COLLAPSE: 3.weight [2, 3] is pruned away entirely"),
                r.warnings().toString());
        assertTrue(r.warnings().get(2).startsWith("DISCONNECTED"), r.warnings().toString());
        assertTrue(r.toMarkdown().contains("**WARNING** LAYER COLLAPSE: 3.weight"), r.toMarkdown());
        JsonNode json = new ObjectMapper().readTree(r.toJson());
        assertTrue(json.get("layers").get(1).get("collapsed").asBoolean());
        assertTrue(json.get("totals").get("effective").get("compression_ratio").isNull());
    }

    @Test
    void aPrunedResNetShortcutCollapsesWithoutDisconnectingTheNetwork() {
        Module net = ModelZoo.create("resnet20", ModelSpec.of(10, 1, 8), InitScheme.REFERENCE, new SplittableRandom(3));
        Map<String, Tensor> masks = new LinkedHashMap<>(Mask.dense(net).asMap());
        String shortcut = "layer2.0.shortcut.0.weight";
        masks.put(shortcut, Tensor.zeros(masks.get(shortcut).shape()));
        PruningReport r = report(net, Mask.of(net, masks), 1, 8, 8);
        assertEquals(List.of("LAYER COLLAPSE: " + shortcut + " [32, 16, 1, 1] is pruned away entirely (0 of 512"
                + " weights kept)"), r.warnings());
        assertEquals(r.kept(), r.live(), "every other kept weight still lies on a path through the residual branch");
    }

    @Test
    void flopsCountEachConvolutionWeightOncePerOutputPosition() {
        Sequential net = TestNets.convNet(new SplittableRandom(1), 2, 3, 4, 5);
        PruningReport r = report(net, Mask.dense(net), 2, 8, 8);
        // conv1 keeps 8x8 (padding 1), max pooling halves it, conv2 keeps 4x4, the classifier is used once.
        assertEquals(List.of(64L, 16L, 1L), r.layers().stream().map(PruningReport.Layer::positions).toList());
        assertEquals(54 * 64 + 108 * 16 + 20, r.flops());
        assertEquals(r.flops(), r.keptFlops());
        assertEquals(0.0, r.effectiveSparsity());
    }
}
