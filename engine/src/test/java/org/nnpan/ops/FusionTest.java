package org.nnpan.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.nnpan.autograd.Autograd;
import org.nnpan.models.ModelSpec;
import org.nnpan.models.ModelZoo;
import org.nnpan.nn.Module;
import org.nnpan.nn.Parameter;
import org.nnpan.nn.init.InitScheme;
import org.nnpan.pruning.GraspSaliency;
import org.nnpan.pruning.Mask;
import org.nnpan.pruning.ScoringBatch;
import org.nnpan.pruning.SnipSaliency;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * The fused ops (batch norm + ReLU, residual add + ReLU) change no bit: a ResNet's logits, every parameter's gradient,
 * its running statistics and its SNIP and GraSP scores are the same floats with fusion on and off, on random
 * networks and batches.
 */
class FusionTest {

    @Test
    void resnetForwardAndBackwardAreBitIdenticalWithAndWithoutFusion() {
        for (int seed = 1; seed <= 2; seed++) {
            Module fused = resnet(seed);
            Module unfused = resnet(seed);
            ScoringBatch batch = batch(seed, 3);
            List<float[]> expected;
            try (Fusion.Scope _ = Fusion.off()) {
                expected = logitsAndGradients(unfused, batch);
            }
            List<float[]> actual = logitsAndGradients(fused, batch);
            assertEquals(expected.size(), actual.size());
            for (int i = 0; i < expected.size(); i++) {
                assertArrayEquals(expected.get(i), actual.get(i), "seed " + seed + ", tensor " + i);
            }
            for (String name : unfused.stateDict().keySet()) {
                assertArrayEquals(unfused.stateDict().get(name).toDoubleArray(),
                        fused.stateDict().get(name).toDoubleArray(), "seed " + seed + ", " + name);
            }
        }
    }

    @Test
    void snipAndGraspScoresAreBitIdenticalWithAndWithoutFusion() {
        Module net = resnet(3);
        ScoringBatch batch = batch(3, 4);
        Mask dense = Mask.dense(net);
        for (Supplier<float[]> score : List.<Supplier<float[]>>of(
                () -> SnipSaliency.dense().score(net, dense, batch).flat().toFloatArray(),
                () -> GraspSaliency.reference().score(net, dense, batch).flat().toFloatArray())) {
            float[] unfused;
            try (Fusion.Scope _ = Fusion.off()) {
                unfused = score.get();
            }
            assertArrayEquals(unfused, score.get());
        }
    }

    @Test
    void fusionOffIsScopedAndRestored() {
        assertTrue(Fusion.isOn());
        try (Fusion.Scope _ = Fusion.off()) {
            try (Fusion.Scope _ = Fusion.off()) {
                assertTrue(!Fusion.isOn());
            }
            assertTrue(!Fusion.isOn());
        }
        assertTrue(Fusion.isOn());
    }

    private static Module resnet(int seed) {
        return ModelZoo.create("resnet20", ModelSpec.of(10, 3, 8), InitScheme.REFERENCE, new SplittableRandom(seed));
    }

    private static ScoringBatch batch(int seed, int size) {
        long[] labels = new long[size];
        for (int i = 0; i < size; i++) {
            labels[i] = i % 10;
        }
        return new ScoringBatch(Tensor.randn(new SplittableRandom(100 + seed), 1, DType.F32, size, 3, 8, 8),
                Tensor.of(labels, size));
    }

    /** The training-mode logits and the gradient of their cross-entropy w.r.t. every parameter. */
    private static List<float[]> logitsAndGradients(Module net, ScoringBatch batch) {
        try (MemoryScope _ = MemoryScope.open("fusion-test")) {
            net.train();
            Tensor logits = net.forward(batch.inputs());
            Tensor loss = Losses.crossEntropy(logits, batch.labels(), Losses.Reduction.MEAN);
            Tensor[] params = net.parameters().stream().map(Parameter::value).toArray(Tensor[]::new);
            Tensor[] grads = Autograd.grad(new Tensor[] {loss}, params, null, false);
            List<float[]> out = new ArrayList<>();
            out.add(logits.detach().toFloatArray());
            for (Tensor g : grads) {
                out.add(g.toFloatArray());
            }
            return out;
        }
    }
}
