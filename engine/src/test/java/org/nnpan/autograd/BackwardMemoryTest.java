package org.nnpan.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.nnpan.models.ModelSpec;
import org.nnpan.models.ModelZoo;
import org.nnpan.nn.Module;
import org.nnpan.nn.Parameter;
import org.nnpan.nn.init.InitScheme;
import org.nnpan.ops.Losses;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.MemoryScope;
import org.nnpan.tensor.Tensor;

/**
 * The early-release rules of backward passes ({@link BackwardMemory}, {@link GraphRelease}): released memory cannot
 * be read, and releasing changes no gradient, first or second order. The reference runs each computation in the
 * global scope, where nothing is ever released early.
 */
class BackwardMemoryTest {
    private static final int BATCH = 4;

    @Test
    void aGradientSeenDuringBackwardIsUnreadableOnceSpent() {
        Tensor w = Tensor.of(new float[] {1, -2, 3}, 3).requiresGrad(true);
        List<Tensor> seen = new ArrayList<>();
        try (MemoryScope s = MemoryScope.open("step")) {
            Tensor mid = w.mul(w);
            Tensor spied = Autograd.record(mid.detach(), "spy", new Tensor[] {mid}, Autograd.NOTHING_SAVED, gy -> {
                seen.add(gy);
                return new Tensor[] {gy};
            });
            spied.mul(2.0).sum().backward();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> seen.getFirst().get(0));
            assertTrue(e.getMessage().contains("released early in scope 'step'"), e.getMessage());
            assertEquals("Tensor(F32, [3])", seen.getFirst().toString()); // printing it does not throw
        }
        assertArrayEquals(new float[] {4, -8, 12}, w.grad().toFloatArray());
    }

    @Test
    void forwardTensorsSurviveSoTheGraphCanBeWalkedAgain() {
        Tensor w = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
        try (MemoryScope s = MemoryScope.open("step")) {
            Tensor h = w.mul(w).relu();
            Tensor loss = h.mul(h).sum();
            Tensor[] first = Autograd.grad(new Tensor[] {loss}, new Tensor[] {w}, null, false);
            Tensor[] second = Autograd.grad(new Tensor[] {loss}, new Tensor[] {w}, null, false);
            assertArrayEquals(new float[] {4, 32}, first[0].toFloatArray()); // d(w^4)/dw = 4w^3
            assertArrayEquals(first[0].toFloatArray(), second[0].toFloatArray());
            assertArrayEquals(new float[] {1, 4}, h.toFloatArray());
        }
    }

    @Test
    void releasingChangesNoParameterGradientOfDeepNetworks() {
        for (String model : List.of("lenet5", "resnet20", "vgg11")) {
            for (long seed = 1; seed <= 2; seed++) {
                Module net = net(model, seed);
                Tensor x = images(model, seed);
                Tensor y = labels();
                Supplier<Tensor> loss = () -> Losses.crossEntropy(net.forward(x), y, Losses.Reduction.MEAN);
                Tensor[] params = net.parameters().stream().map(Parameter::value).toArray(Tensor[]::new);
                try (MemoryScope warm = MemoryScope.open("warm")) {
                    // Fills the pool with dirty buffers, so the measured pass reuses released memory.
                    Autograd.grad(new Tensor[] {loss.get()}, params, null, false);
                }
                float[][] reference = flat(Autograd.grad(new Tensor[] {loss.get()}, params, null, false));
                try (MemoryScope s = MemoryScope.open("step")) {
                    float[][] released = flat(Autograd.grad(new Tensor[] {loss.get()}, params, null, false));
                    for (int i = 0; i < params.length; i++) {
                        assertSameGradient(reference[i], released[i], model + " seed " + seed + ": parameter " + i);
                    }
                    assertTrue(s.peakBytes() < s.allocatedBytes(), model + ": nothing was released early");
                }
            }
        }
    }

    @Test
    void secondOrderGradientsAreUnchangedWhenTheOuterPassReleases() {
        Module net = net("resnet20", 3);
        Tensor x = images("resnet20", 3);
        Tensor y = labels();
        Tensor[] params = net.parameters().stream().map(Parameter::value).toArray(Tensor[]::new);
        SplittableRandom rng = new SplittableRandom(7);
        Tensor[] v = new Tensor[params.length];
        for (int i = 0; i < params.length; i++) {
            v[i] = Tensor.randn(rng, 1, DType.F32, params[i].shape());
        }
        // GraSP's Hessian-gradient product: H v = d<g, v>/dθ with g recorded by a create-graph pass.
        Supplier<float[][]> hessianTimesV = () -> {
            Tensor loss = Losses.crossEntropy(net.forward(x), y, Losses.Reduction.MEAN);
            Tensor[] g = Autograd.grad(new Tensor[] {loss}, params, null, true);
            Tensor z = null;
            for (int i = 0; i < g.length; i++) {
                Tensor term = g[i].mul(v[i]).sum();
                z = z == null ? term : z.add(term);
            }
            return flat(Autograd.grad(new Tensor[] {z}, params, null, false));
        };
        float[][] reference = hessianTimesV.get();
        try (MemoryScope s = MemoryScope.open("step")) {
            float[][] released = hessianTimesV.get();
            for (int i = 0; i < params.length; i++) {
                assertSameGradient(reference[i], released[i], "parameter " + i);
            }
            assertTrue(s.peakBytes() < s.allocatedBytes(), "the outer first-order pass released nothing");
        }
    }

    @Test
    void aCreateGraphPassKeepsOnlyWhatItsRulesRead() {
        Module net = net("resnet20", 2);
        Tensor[] params = net.parameters().stream().map(Parameter::value).toArray(Tensor[]::new);
        try (MemoryScope s = MemoryScope.open("step")) {
            Tensor loss = Losses.crossEntropy(net.forward(images("resnet20", 2)), labels(), Losses.Reduction.MEAN);
            long forward = s.liveBytes();
            Autograd.grad(new Tensor[] {loss}, params, null, true);
            long pass = s.allocatedBytes() - forward;
            long kept = s.liveBytes() - forward;
            assertTrue(kept < 0.5 * pass, "the create-graph pass kept " + kept + " of the " + pass + " B it allocated");
        }
    }

    @Test
    void theLastPassOverAGraphReleasesItAndGivesTheSameHessianProduct() {
        Module net = net("resnet20", 4);
        Tensor x = images("resnet20", 4);
        Tensor[] params = net.parameters().stream().map(Parameter::value).toArray(Tensor[]::new);
        // GraSP's Hg, once retaining everything (global scope) and once releasing as early as GraSP does.
        BiFunction<MemoryScope, Boolean, float[][]> hessianGradient = (scope, release) -> {
            int since = scope.allocationCount();
            Tensor loss = Losses.crossEntropy(net.forward(x), labels(), Losses.Reduction.MEAN);
            if (release) {
                scope.releaseUnsavedSince(since);
            }
            Tensor[] g = Autograd.grad(new Tensor[] {loss}, params, null, true);
            Tensor h = null;
            for (Tensor gi : g) {
                Tensor term = gi.mul(gi).sum();
                h = h == null ? term : h.add(term);
            }
            Tensor[] hg = release ? Autograd.gradReleasingGraph(new Tensor[] {h}, params, since)
                    : Autograd.grad(new Tensor[] {h}, params, null, false);
            return flat(hg);
        };
        float[][] reference = hessianGradient.apply(MemoryScope.global(), false);
        try (MemoryScope s = MemoryScope.open("step")) {
            Tensor probe = Tensor.zeros(DType.F32, 1); // allocated before `since`: must survive
            float[][] released = hessianGradient.apply(s, true);
            for (int i = 0; i < params.length; i++) {
                assertArrayEquals(reference[i], released[i], "parameter " + i);
            }
            // What is left is Hg itself (one float per parameter, about 3 % of the peak here), in pooled buffers of
            // its sizes or up to twice as large.
            assertTrue(s.liveBytes() < 0.1 * s.peakBytes(), "after the last pass the scope still holds "
                    + s.liveBytes() + " B of a " + s.peakBytes() + " B peak");
            assertEquals(0, probe.get(0));
        }
    }

    @Test
    void aTrainingStepHoldsLittleMoreThanItsForwardPass() {
        Module net = net("resnet20", 1);
        Tensor x = images("resnet20", 1);
        try (MemoryScope s = MemoryScope.open("step")) {
            Tensor logits = net.forward(x);
            long forward = s.liveBytes();
            Losses.crossEntropy(logits, labels(), Losses.Reduction.MEAN).backward();
            assertTrue(s.peakBytes() < 1.5 * forward, "peak " + s.peakBytes() + " B against a forward pass of "
                    + forward + " B (" + s.allocatedBytes() + " B allocated in all)");
        }
    }

    /**
     * Equal up to float32 rounding, measured against the tensor's largest element. Repeating the same computation in
     * one JVM can already differ there (until the JIT has compiled the Vector-API kernels, their reductions add in
     * another order; the cancellations of second-order sums amplify that), whereas reading released, reused memory
     * gives unrelated values.
     */
    private static void assertSameGradient(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        double scale = 0;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int j = 0; j < expected.length; j++) {
            if (Math.abs(expected[j] - actual[j]) > 1e-4 * scale + 1e-12) {
                fail(what + ": element " + j + " is " + actual[j] + ", expected " + expected[j] + " (largest |element| "
                        + scale + ")");
            }
        }
    }

    private static Module net(String model, long seed) {
        ModelSpec spec = model.startsWith("lenet") ? ModelSpec.of(10, 1, 28) : ModelSpec.of(10, 3, 32);
        Module net = ModelZoo.create(model, spec, InitScheme.REFERENCE, new SplittableRandom(seed));
        net.train();
        return net;
    }

    private static Tensor images(String model, long seed) {
        boolean lenet = model.startsWith("lenet");
        int hw = lenet ? 28 : 32;
        return Tensor.randn(new SplittableRandom(seed + 100), 1, DType.F32, BATCH, lenet ? 1 : 3, hw, hw);
    }

    private static Tensor labels() {
        long[] y = new long[BATCH];
        for (int i = 0; i < BATCH; i++) {
            y[i] = (i * 3) % 10;
        }
        return Tensor.of(y, BATCH);
    }

    private static float[][] flat(Tensor[] ts) {
        float[][] out = new float[ts.length][];
        for (int i = 0; i < ts.length; i++) {
            out[i] = ts[i].toFloatArray();
        }
        return out;
    }
}
