package org.nnpan.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nnpan.pruning.IndexFusion;
import org.nnpan.pruning.Panning;

class PruneSettingsTest {

    private static PruneSettings settings(String method, double sparsity, int iterations, long agentSteps) {
        return new PruneSettings("lenet5", "synthetic", null, "reference", 1, method, sparsity, iterations, "exp",
                "global", false, 2, false, agentSteps, null, null);
    }

    private static void assertRejected(String expected, Runnable make) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, make::run);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void resolvesEachMethodsDefaultNumberOfSteps() {
        assertEquals(1, settings("snip", 0.9, 0, 0).iterations());
        assertEquals(100, settings("synflow", 0.9, 0, 0).iterations());
        assertEquals(Panning.DEFAULT_STEPS, settings("panning", 0.9, 0, 0).iterations());
        assertEquals(7, settings("synflow", 0.9, 7, 0).iterations());
        assertEquals(PruneSettings.DEFAULT_AGENT_STEPS, settings("rl-panning", 0.9, 0, 0).agentSteps());
        assertEquals("fashion-mnist", new PruneSettings("lenet5", "Fashion-MNIST", null, "reference", 1, "snip", 0.9,
                0, "exp", "global", false, 10, false, 0, null, null).dataset());
    }

    @Test
    void aBadValueIsRejectedWithOneLineNamingTheField() {
        assertRejected("unknown method 'obd'; valid: random, magnitude, snip, grasp, grasp-abs, synflow, iter-snip,"
                + " force, panning, rl-panning, dense", () -> settings("obd", 0.9, 0, 0));
        assertRejected("(each may end in +shuffle for the layer-wise shuffle of its mask)",
                () -> settings("snip+shufle", 0.9, 0, 0));
        assertRejected("sparsity must be in [0, 1)", () -> settings("snip", 1.0, 0, 0));
        assertRejected("iterations must be at least 1, got -2", () -> settings("snip", 0.9, -2, 0));
        assertRejected("agent-steps and policy apply to --method rl-panning only", () -> settings("snip", 0.9, 0, 5));
        assertRejected("method dense prunes nothing: sparsity must be 0", () -> settings("dense", 0.5, 0, 0));
        assertRejected("unknown model 'alexnet'", () -> new PruneSettings("alexnet", "synthetic", null, "reference",
                1, "snip", 0.9, 0, "exp", "global", false, 2, false, 0, null, null));
        assertRejected("unknown schedule 'cubic'", () -> new PruneSettings("lenet5", "synthetic", null, "reference",
                1, "snip", 0.9, 0, "cubic", "global", false, 2, false, 0, null, null));
        assertRejected("samples-per-class must be at least 1", () -> new PruneSettings("lenet5", "synthetic", null,
                "reference", 1, "snip", 0.9, 0, "exp", "global", false, 0, false, 0, null, null));
    }

    @Test
    void panningFusesAdditivelyUnlessToldOtherwiseAndOnlyPanningTakesAFusion() {
        assertEquals("additive", settings("panning", 0.9, 0, 0).fusion());
        assertEquals(null, settings("snip", 0.9, 0, 0).fusion());
        PruneSettings multiplicative = new PruneSettings("lenet5", "synthetic", null, "reference", 1, "panning", 0.9, 0,
                "exp", "global", false, 2, false, 0, null, "multiplicative");
        assertEquals(IndexFusion.MULTIPLICATIVE, multiplicative.indexFusion());
        assertRejected("unknown fusion 'sum'; valid: additive, multiplicative", () -> new PruneSettings("lenet5",
                "synthetic", null, "reference", 1, "panning", 0.9, 0, "exp", "global", false, 2, false, 0, null,
                "sum"));
        assertRejected("fusion applies to --method panning only", () -> new PruneSettings("lenet5", "synthetic", null,
                "reference", 1, "rl-panning", 0.9, 0, "exp", "global", false, 2, false, 0, null, "additive"));
    }

    @Test
    void aCellTakesItsMethodAndShuffleFromTheTokenAndItsLabelGivesThemBack() {
        PruneSettings base = settings("snip", 0.9, 0, 0);
        for (String token : PruneSettings.methods()) {
            for (String suffix : token.equals("dense") ? new String[] {""} : new String[] {"", "+shuffle"}) {
                PruneSettings cell = base.forCell(token + suffix, 0.5, 3, MethodOptions.DEFAULTS);
                assertEquals(token, cell.method());
                assertEquals(!suffix.isEmpty(), cell.shuffle());
                assertEquals(token + suffix, cell.label());
                assertEquals(3, cell.seed());
            }
        }
    }

    @Test
    void onlyTheBaselinesHaveAPrunerConfig() {
        assertEquals(0.1, settings("snip", 0.9, 0, 0).prunerConfig().target().value(), 1e-12);
        assertThrows(IllegalStateException.class, () -> settings("panning", 0.9, 0, 0).prunerConfig());
        assertThrows(IllegalStateException.class, () -> settings("dense", 0, 0, 0).prunerConfig());
    }
}
