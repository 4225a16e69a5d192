package org.nnpan.pruning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.nnpan.nn.Module;
import org.nnpan.nn.Sequential;
import org.nnpan.tensor.Tensor;

/** Every pass that scores in training mode leaves the model's buffers and modes exactly as they were. */
class ScoringScopeTest {

    @Test
    void scoringPassesLeaveRunningStatisticsCountersAndModesAsTheyWere() {
        SplittableRandom rng = new SplittableRandom(11);
        Sequential net = TestNets.batchNormNet(rng);
        ScoringBatch batch = TestNets.batch(rng, 5, 2, 3, 6);
        // Running statistics away from their initial values, and a mix of modes to put back (the first BatchNorm in
        // training mode, the rest in evaluation mode).
        net.train();
        net.forward(batch.inputs());
        net.eval();
        net.namedModules().get("1").train();
        Mask half = MaskSelection.select(new RandomSaliency(3).score(net, Mask.dense(net), batch), Density.of(0.5),
                MaskSelection.Scope.GLOBAL);
        List<Consumer<Sequential>> passes = List.of(
                m -> SnipSaliency.dense().score(m, Mask.dense(m), batch),
                m -> SnipSaliency.masked().score(m, half, batch),
                m -> GraspSaliency.reference().score(m, Mask.dense(m), batch),
                m -> new LossProbe(200).dense(m, batch),
                m -> new LossProbe(200).masked(m, half, batch),
                m -> InitDiagnostics.of(m, half, batch),
                m -> DensePass.run(m, batch, new LossProbe(200)));
        List<float[]> buffers = buffers(net);
        List<Boolean> modes = modes(net);
        for (Consumer<Sequential> pass : passes) {
            pass.accept(net);
            List<float[]> after = buffers(net);
            for (int i = 0; i < buffers.size(); i++) {
                assertArrayEquals(buffers.get(i), after.get(i), 0f, "buffer " + i);
            }
            assertEquals(modes, modes(net));
        }
    }

    private static List<float[]> buffers(Module net) {
        return net.namedBuffers().values().stream().map(Tensor::toFloatArray).toList();
    }

    private static List<Boolean> modes(Module net) {
        return net.namedModules().values().stream().map(Module::isTraining).toList();
    }
}
