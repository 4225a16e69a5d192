package org.nnpan.pruning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class StageTableTest {

    @Test
    void followsThePaperTableWhenSparsityRisesSlowly() {
        StageTable.Cursor c = StageTable.additiveDefaults().cursor();
        assertEquals(new IndexWeights(0.2, 0.5, 0.3), c.advance(0.5));
        assertEquals(new IndexWeights(0.2, 0.5, 0.3), c.advance(0.80), "0.80 itself is still the first stage");
        assertEquals(new IndexWeights(0.2, 0.4, 0.4), c.advance(0.85));
        assertEquals(new IndexWeights(0.2, 0.3, 0.5), c.advance(0.95));
        assertEquals(new IndexWeights(0.4, 0.2, 0.4), c.advance(0.985));
        assertEquals(new IndexWeights(0.5, 0.0, 0.5), c.advance(0.995));
        assertEquals(4, c.stage());
        assertEquals(new IndexWeights(0.5, 0.0, 0.5), c.advance(0.999), "the last stage is final");
    }

    @Test
    void advancesAtMostOneStagePerStep() {
        StageTable.Cursor c = StageTable.additiveDefaults().cursor();
        for (int step = 1; step <= 4; step++) {
            c.advance(0.999); // crosses every threshold at once
            assertEquals(step, c.stage());
        }
    }

    @Test
    void neverMovesBack() {
        StageTable.Cursor c = StageTable.multiplicativeDefaults().cursor();
        c.advance(0.85);
        assertEquals(new IndexWeights(0.3, 1.0, 0.4), c.advance(0.1));
        assertEquals(1, c.stage());
    }

    @Test
    void cursorsAreIndependentRuns() {
        StageTable table = StageTable.additiveDefaults();
        table.cursor().advance(0.9);
        assertEquals(0, table.cursor().stage());
    }

    @Test
    void rejectsMismatchedOrUnorderedTables() {
        IndexWeights w = new IndexWeights(1, 1, 1);
        assertThrows(IllegalArgumentException.class, () -> new StageTable(new double[] {0.5}, List.of(w)));
        assertThrows(IllegalArgumentException.class,
                () -> new StageTable(new double[] {0.9, 0.8}, List.of(w, w, w)));
        assertThrows(IllegalArgumentException.class, () -> new StageTable(new double[] {1.0}, List.of(w, w)));
        assertThrows(IllegalArgumentException.class, () -> new IndexWeights(-0.1, 0, 0));
    }
}
