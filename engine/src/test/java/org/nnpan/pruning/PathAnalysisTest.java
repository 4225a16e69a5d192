package org.nnpan.pruning;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nnpan.nn.Module;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;

class PathAnalysisTest {
    private MemoryScope scope;

    @BeforeEach
    void open() {
        scope = MemoryScope.open("path-analysis-test");
    }

    @AfterEach
    void close() {
        scope.close();
    }

    /** Random masks of decreasing density, each analysed on one reused working copy and on a fresh model copy. */
    @Test
    void aReusedWorkingCopyAnalysesEveryMaskAsAFreshCopyDoes() {
        SplittableRandom rng = new SplittableRandom(4);
        for (Module net : new Module[] {TestNets.batchNormNet(new SplittableRandom(1)),
            TestNets.convNet(new SplittableRandom(2), 3, 4, 5, 5)}) {
            WorkingCopy copy = new WorkingCopy(DType.F64);
            int[] input = {3, 6, 6};
            for (double density : new double[] {1, 0.6, 0.3, 0.1, 0.05}) {
                Scores random = TestNets.scores(net, WeightLayout.of(net).layers().stream()
                        .map(l -> randomFloats(rng, (int) l.numel())).toArray(float[][]::new));
                Mask mask = MaskSelection.select(random, Density.of(density), MaskSelection.Scope.GLOBAL);
                PathAnalysis fresh = PathAnalysis.run(net, mask, input);
                PathAnalysis reused = PathAnalysis.run(net, mask, input, copy, null);
                for (String name : mask.layout().names()) {
                    assertEquals(fresh.live(name), reused.live(name), name + " at density " + density);
                    assertEquals(fresh.positions(name), reused.positions(name), name);
                }
            }
        }
    }

    private static float[] randomFloats(SplittableRandom rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rng.nextDouble();
        }
        return v;
    }
}
