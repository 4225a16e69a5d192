package org.nnpan.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LrScheduleTest {

    @Test
    void cosineFollowsPyTorchsCosineAnnealingLrPerEpoch() {
        // torch.optim.lr_scheduler.CosineAnnealingLR(opt(lr=0.1), T_max=10), stepped per epoch: lr of epochs 0..3
        // 0.1, 0.09755282581475769, 0.09045084971874738, 0.07938926261462367; epoch 5: 0.05
        LrSchedule s = LrSchedule.create("cosine", 0.1, 10, List.of(), 0.1, 0);
        double[] expected = {0.1, 0.09755282581475769, 0.09045084971874738, 0.07938926261462367};
        for (int e = 0; e < expected.length; e++) {
            assertEquals(expected[e], s.lr(e, 0, 100), 1e-15);
            assertEquals(expected[e], s.lr(e, 99, 100), 1e-15, "constant within an epoch");
        }
        assertEquals(0.05, s.lr(5, 0, 100), 1e-15);
        assertEquals(0, s.lr(10, 0, 100), 1e-15);
    }

    @Test
    void multistepDividesAtTheMilestones() {
        LrSchedule s = LrSchedule.create("multistep", 0.1, 8, List.of(3, 6), 0.1, 0);
        assertEquals(0.1, s.lr(2, 0, 10), 1e-15);
        assertEquals(0.01, s.lr(3, 0, 10), 1e-15);
        assertEquals(0.001, s.lr(7, 0, 10), 1e-15);
        LrSchedule defaults = LrSchedule.create("multistep", 1, 80, List.of(), 0.5, 0);
        assertEquals(new LrSchedule.MultiStep(1, List.of(40, 60), 0.5), defaults);
        assertEquals(new LrSchedule.MultiStep(1, List.of(1, 2), 0.5), LrSchedule.create("multistep", 1, 1, List.of(), 0.5, 0));
    }

    @Test
    void warmupRampsPerStepThenHandsOver() {
        LrSchedule s = LrSchedule.create("constant", 0.4, 10, List.of(), 0.1, 2);
        assertEquals(0.4 / 8, s.lr(0, 0, 4), 1e-15);
        assertEquals(0.4 * 5 / 8, s.lr(1, 0, 4), 1e-15);
        assertEquals(0.4, s.lr(1, 3, 4), 1e-15);
        assertEquals(0.4, s.lr(5, 2, 4), 1e-15);
    }

    @Test
    void badNamesAndValuesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LrSchedule.create("linear", 0.1, 10, List.of(), 0.1, 0));
        assertTrue(e.getMessage().contains("cosine, multistep, constant"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.create("multistep", 0.1, 10, List.of(5, 3), 0.1, 0));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.create("cosine", 0.1, 10, List.of(), 0.1, -1));
    }
}
