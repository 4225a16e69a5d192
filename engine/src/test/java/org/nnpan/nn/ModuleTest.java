package org.nnpan.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nnpan.nn.init.InitScheme;
import org.nnpan.tensor.DType;
import org.nnpan.tensor.Tensor;

/** Naming, traversal, modes, state dicts and copies of module trees. */
class ModuleTest {

    /** A block whose shortcut projects: every kind of member, two levels deep. */
    private static BasicBlock projectingBlock() {
        BasicBlock block = new BasicBlock(2, 4, 2);
        InitScheme.PYTORCH.apply(block, new SplittableRandom(7));
        return block;
    }

    @Test
    void stateDictFollowsPyTorchNamesAndOrder() {
        List<String> bn = List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked");
        List<String> expected = new ArrayList<>(List.of("conv1.weight"));
        bn.forEach(k -> expected.add("bn1." + k));
        expected.add("conv2.weight");
        bn.forEach(k -> expected.add("bn2." + k));
        expected.add("shortcut.0.weight");
        bn.forEach(k -> expected.add("shortcut.1." + k));

        BasicBlock block = projectingBlock();
        assertEquals(expected, List.copyOf(block.stateDict().keySet()));
        assertEquals(List.of("conv1.weight", "bn1.weight", "bn1.bias", "conv2.weight", "bn2.weight", "bn2.bias",
                "shortcut.0.weight", "shortcut.1.weight", "shortcut.1.bias"), List.copyOf(block.namedParameters().keySet()));
        assertEquals(List.of("conv1.weight", "conv2.weight", "shortcut.0.weight"),
                List.copyOf(block.prunableParameters().keySet()));
        assertEquals(List.of("", "conv1", "bn1", "conv2", "bn2", "shortcut", "shortcut.0", "shortcut.1"),
                List.copyOf(block.namedModules().keySet()));
        assertEquals(List.of("conv1", "bn1", "conv2", "bn2", "shortcut"), List.copyOf(block.children().keySet()));
        assertEquals(DType.I64, block.stateDict().get("bn1.num_batches_tracked").dtype());
        assertEquals(4 * 2 * 9 + 4 * 4 * 9 + 4 * 2 + 3 * 2 * 4, block.numParameters());
    }

    @Test
    void identityShortcutHasNoParameters() {
        BasicBlock block = new BasicBlock(4, 4, 1);
        assertTrue(block.namedModules().containsKey("shortcut"));
        assertFalse(block.stateDict().keySet().stream().anyMatch(k -> k.startsWith("shortcut")));
    }

    @Test
    void sequentialNamesChildrenByIndex() {
        Sequential seq = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2, false));
        assertEquals(List.of("0.weight", "0.bias", "2.weight"), List.copyOf(seq.stateDict().keySet()));
        assertEquals(3, seq.size());
        assertTrue(seq.get(1) instanceof ReLU);
    }

    @Test
    void trainAndEvalReachEveryDescendant() {
        BasicBlock block = projectingBlock();
        assertTrue(block.namedModules().values().stream().allMatch(Module::isTraining));
        block.eval();
        assertTrue(block.namedModules().values().stream().noneMatch(Module::isTraining));
        block.train();
        assertTrue(block.namedModules().values().stream().allMatch(Module::isTraining));
    }

    @Test
    void loadStateDictCopiesValuesInPlace() {
        BasicBlock source = projectingBlock();
        BasicBlock target = new BasicBlock(2, 4, 2);
        Tensor weightBefore = target.namedParameters().get("conv1.weight").value();
        Module.LoadResult result = target.loadStateDict(source.stateDict(), true);
        assertEquals(List.of(), result.missingKeys());
        assertEquals(List.of(), result.unexpectedKeys());
        assertStateEquals(source, target);
        assertTrue(weightBefore == target.namedParameters().get("conv1.weight").value(), "loading must not replace tensors");
    }

    @Test
    void strictLoadNamesMissingAndUnexpectedKeysAndChangesNothing() {
        BasicBlock target = projectingBlock();
        Map<String, Tensor> before = snapshot(target);
        Map<String, Tensor> state = new LinkedHashMap<>(new BasicBlock(2, 4, 2).stateDict());
        state.remove("bn2.running_var");
        state.put("fc.weight", Tensor.zeros(2, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> target.loadStateDict(state, true));
        assertTrue(e.getMessage().contains("missing keys [bn2.running_var]"), e.getMessage());
        assertTrue(e.getMessage().contains("unexpected keys [fc.weight]"), e.getMessage());
        assertEquals(before.keySet(), target.stateDict().keySet());
        before.forEach((k, v) -> assertArrayEquals(v.toDoubleArray(), target.stateDict().get(k).toDoubleArray(), k));
    }

    @Test
    void lenientLoadReportsSkippedKeys() {
        BasicBlock target = new BasicBlock(2, 4, 2);
        Map<String, Tensor> state = new LinkedHashMap<>(projectingBlock().stateDict());
        state.remove("conv1.weight");
        state.put("extra", Tensor.zeros(1));
        Module.LoadResult result = target.loadStateDict(state, false);
        assertEquals(List.of("conv1.weight"), result.missingKeys());
        assertEquals(List.of("extra"), result.unexpectedKeys());
        assertArrayEquals(state.get("conv2.weight").toFloatArray(), target.stateDict().get("conv2.weight").toFloatArray());
    }

    @Test
    void shapeMismatchNamesTheKeyAndBothShapes() {
        BasicBlock target = new BasicBlock(2, 4, 2);
        Map<String, Tensor> state = new LinkedHashMap<>(target.stateDict());
        state.put("conv2.weight", Tensor.zeros(4, 4, 1, 1));
        for (boolean strict : new boolean[] {true, false}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> target.loadStateDict(state, strict));
            assertTrue(e.getMessage().contains("'conv2.weight' is [4, 4, 3, 3] in the model but [4, 4, 1, 1]"),
                    e.getMessage());
        }
    }

    @Test
    void copyIsDeepAndKeepsMasksAndModes() {
        BasicBlock original = projectingBlock();
        Parameter w = original.namedParameters().get("conv2.weight");
        Tensor mask = Tensor.zeros(w.shape());
        mask.set(1, 0, 0, 0, 0);
        w.setMask(mask);
        original.namedModules().get("bn1").eval();

        Module copy = original.copy();
        assertTrue(copy instanceof BasicBlock);
        assertStateEquals(original, copy);
        Parameter copied = copy.namedParameters().get("conv2.weight");
        assertNotSame(w.value().storage(), copied.value().storage());
        assertArrayEquals(w.mask().toFloatArray(), copied.mask().toFloatArray());
        assertNotSame(w.mask().storage(), copied.mask().storage());
        assertFalse(copy.namedModules().get("bn1").isTraining());
        assertTrue(copy.namedModules().get("bn2").isTraining());

        copied.value().set(42, 0, 0, 0, 0);
        assertFalse(w.value().get(0, 0, 0, 0) == 42, "the copy shares memory with the original");
    }

    @Test
    void float64CopyConvertsFloatingValuesAndComputesTheSameFunction() {
        BasicBlock original = projectingBlock();
        Parameter w = original.namedParameters().get("conv1.weight");
        w.setMask(Tensor.ones(DType.F32, w.shape()));
        original.forward(Tensor.randn(new SplittableRandom(8), 1, DType.F32, 2, 2, 6, 6)); // moves the running stats
        original.eval();

        Module wide = original.copy(DType.F64);
        wide.stateDict().forEach((k, v) -> assertEquals(k.endsWith("num_batches_tracked") ? DType.I64 : DType.F64,
                v.dtype(), k));
        assertEquals(DType.F64, wide.namedParameters().get("conv1.weight").mask().dtype());
        assertTrue(wide.namedParameters().get("conv1.weight").value().requiresGrad());
        assertStateEquals(original, wide);
        assertEquals(DType.F64, wide.copy().namedParameters().get("bn1.bias").value().dtype());

        Tensor x = Tensor.randn(new SplittableRandom(9), 1, DType.F32, 2, 2, 6, 6);
        assertArrayEquals(original.forward(x).toDoubleArray(), wide.forward(x.to(DType.F64)).toDoubleArray(), 1e-5);
    }

    @Test
    void registeringADuplicateOrDottedNameFails() {
        Module m = new ReLU();
        m.addParameter("w", Parameter.zeros(false, 1));
        assertThrows(IllegalArgumentException.class, () -> m.addBuffer("w", Tensor.zeros(1)));
        assertThrows(IllegalArgumentException.class, () -> m.addModule("a.b", new ReLU()));
    }

    @Test
    void toStringShowsTheTree() {
        String s = new Sequential(new Conv2d(1, 2, 3, 1, 1, false), new ReLU()).toString();
        assertTrue(s.contains("(0): Conv2d(1, 2, kernel=3, stride=1, padding=1, bias=false)"), s);
        assertTrue(s.contains("(1): ReLU()"), s);
    }

    static void assertStateEquals(Module expected, Module actual) {
        Map<String, Tensor> a = actual.stateDict();
        assertEquals(List.copyOf(expected.stateDict().keySet()), List.copyOf(a.keySet()));
        expected.stateDict().forEach((k, v) -> assertArrayEquals(v.toDoubleArray(), a.get(k).toDoubleArray(), k));
    }

    private static Map<String, Tensor> snapshot(Module m) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> out.put(k, v.copy()));
        return out;
    }
}
