package org.nnpan.pruning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ScheduleTest {

    @Test
    void exponentialRemovesTheSameFractionEachStep() {
        Density target = Density.ofSparsity(0.99);
        assertEquals(Math.pow(0.01, 0.01), Schedule.EXPONENTIAL.densityAfter(0, 100, target).value(), 1e-15);
        assertEquals(0.1, Schedule.EXPONENTIAL.densityAfter(49, 100, target).value(), 1e-12);
    }

    @Test
    void linearRemovesTheSameCountEachStep() {
        Density target = Density.ofSparsity(0.8);
        assertEquals(0.92, Schedule.LINEAR.densityAfter(0, 10, target).value(), 1e-12);
        assertEquals(0.6, Schedule.LINEAR.densityAfter(4, 10, target).value(), 1e-12);
    }

    @ParameterizedTest
    @EnumSource(Schedule.class)
    void shrinksMonotonicallyAndEndsExactlyOnTheTarget(Schedule schedule) {
        Density target = Density.ofSparsity(0.71);
        double previous = 1;
        for (int t = 0; t < 7; t++) {
            double d = schedule.densityAfter(t, 7, target).value();
            assertTrue(d < previous, schedule + " step " + t);
            previous = d;
        }
        assertEquals(target, schedule.densityAfter(6, 7, target));
        assertEquals(target, schedule.densityAfter(0, 1, target)); // one shot
        assertThrows(IllegalArgumentException.class, () -> schedule.densityAfter(7, 7, target));
    }

    @Test
    void parsesOptionNames() {
        assertEquals(Schedule.EXPONENTIAL, Schedule.parse("exp"));
        assertEquals(Schedule.LINEAR, Schedule.parse("linear"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Schedule.parse("cosine"));
        assertTrue(e.getMessage().contains("exp, linear"), e.getMessage());
    }
}
