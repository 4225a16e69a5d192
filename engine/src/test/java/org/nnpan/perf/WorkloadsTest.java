package org.nnpan.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class WorkloadsTest {

    /** Every named workload builds and runs on the smallest model; a broken one must not wait for a user. */
    @Test
    void everyNamedWorkloadRuns() {
        for (String name : Workloads.DEFAULTS) {
            Workload w = Workloads.named(name, "lenet5", 10);
            w.run();
            w.run();
            assertTrue(w.name().startsWith(name), w.name());
        }
    }

    @Test
    void onlyTheLongWorkloadsAreLeftOutByDefaultAndTheyRun() {
        assertEquals(List.of("synflow-schedule", "panning-step"), Workloads.NAMES.stream()
                .filter(n -> !Workloads.DEFAULTS.contains(n)).toList());
        Workloads.synflowSchedule("lenet300", 3).run();
        Workload step = Workloads.named("panning-step", "lenet300", 10);
        step.run();
        step.run();
    }

    @Test
    void gemmCountsTwoNCubedFlops() {
        assertEquals(2.0 * 64 * 64 * 64, Workloads.gemm(64).flops());
    }

    @Test
    void unknownWorkloadsAndModelsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Workloads.named("fft", "lenet5", 1));
        assertThrows(IllegalArgumentException.class, () -> Workloads.named("train-step", "alexnet", 1));
    }
}
