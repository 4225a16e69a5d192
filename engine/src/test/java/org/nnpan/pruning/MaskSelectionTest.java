package org.nnpan.pruning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nnpan.nn.Linear;
import org.nnpan.nn.Module;
import org.nnpan.nn.Sequential;
import org.nnpan.tensor.MemoryScope;

class MaskSelectionTest {
    private MemoryScope scope;

    @BeforeEach
    void open() {
        scope = MemoryScope.open("selection-test");
    }

    @AfterEach
    void close() {
        scope.close();
    }

    @Test
    void keepsExactlyFloorOfNTimesDensityForRandomSizesDensitiesAndTies() {
        SplittableRandom rng = new SplittableRandom(7);
        for (int trial = 0; trial < 60; trial++) {
            int[] widths = new int[2 + rng.nextInt(4)];
            for (int i = 0; i < widths.length; i++) {
                widths[i] = 1 + rng.nextInt(40);
            }
            Sequential net = TestNets.mlp(rng, widths);
            WeightLayout layout = WeightLayout.of(net);
            float[][] values = new float[layout.layers().size()][];
            int levels = 1 + rng.nextInt(8); // few distinct values: many ties at the threshold
            for (int l = 0; l < values.length; l++) {
                values[l] = new float[(int) layout.layers().get(l).numel()];
                for (int i = 0; i < values[l].length; i++) {
                    values[l][i] = rng.nextInt(levels) - levels / 2f;
                }
            }
            Scores scores = TestNets.scores(net, values);
            Density d = Density.ofSparsity(rng.nextInt(1000) / 1000.0);
            long k = d.keptCount(layout.numel());
            assertEquals(k, MaskSelection.select(scores, d, MaskSelection.Scope.GLOBAL).kept(),
                    "global, trial " + trial);
            Mask perLayer = MaskSelection.select(scores, d, MaskSelection.Scope.LAYER);
            assertEquals(k, perLayer.kept(), "layer, trial " + trial);
            for (WeightLayout.Layer l : layout.layers()) {
                long share = k * l.numel() / layout.numel();
                long kept = perLayer.kept(l.name());
                assertTrue(kept == share || kept == share + 1, l.name() + " keeps " + kept + ", share " + share);
            }
        }
    }

    @Test
    void globalSelectionKeepsTheHighestAndBreaksTiesByModelOrder() {
        Sequential net = TestNets.mlp(new SplittableRandom(1), 2, 2, 1); // layers of 4 and 2 weights
        Scores scores = TestNets.scores(net, new float[] {3, 1, 2, 2}, new float[] {2, 5});
        Mask mask = MaskSelection.select(scores, Density.of(0.5), MaskSelection.Scope.GLOBAL); // k = 3
        assertArrayEquals(new float[] {1, 0, 1, 0, 0, 1}, mask.flat().toFloatArray());
    }

    @Test
    void layerQuotasGoToTheLargestRemaindersFirst() {
        Sequential net = TestNets.mlp(new SplittableRandom(1), 1, 3, 1, 1); // 3, 3 and 1 weights
        Scores scores = TestNets.scores(net, new float[] {1, 2, 3}, new float[] {1, 2, 3}, new float[] {1});
        // k = 3 of 7: shares 9/7, 9/7, 3/7 -> 1, 1, 0 with remainders 2/7, 2/7, 3/7: the last layer gets the extra one.
        Mask mask = MaskSelection.select(scores, Density.of(3 / 7.0 + 1e-9), MaskSelection.Scope.LAYER);
        assertArrayEquals(new float[] {0, 0, 1, 0, 0, 1, 1}, mask.flat().toFloatArray());
    }

    /**
     * Kept-dense layers stay whole, and the other layers are selected exactly as the same scores would be in a model
     * without the kept-dense layers, for random layer sizes, densities and score ties, in both scopes.
     */
    @Test
    void keptDenseLayersStayWholeAndTheOthersAreSelectedAsWithoutThem() {
        SplittableRandom rng = new SplittableRandom(11);
        for (int trial = 0; trial < 40; trial++) {
            int count = 2 + rng.nextInt(4);
            int keptWhole = rng.nextInt(count); // layer kept dense for sure; every other one at random
            List<Module> all = new ArrayList<>();
            List<Module> rest = new ArrayList<>();
            List<float[]> values = new ArrayList<>();
            List<float[]> restValues = new ArrayList<>();
            boolean[] dense = new boolean[count];
            int levels = 1 + rng.nextInt(8);
            for (int i = 0; i < count; i++) {
                int in = 1 + rng.nextInt(12);
                int out = 1 + rng.nextInt(12);
                dense[i] = i == keptWhole || i != (keptWhole + 1) % count && rng.nextInt(3) == 0;
                float[] v = new float[in * out];
                for (int j = 0; j < v.length; j++) {
                    v[j] = rng.nextInt(levels) - levels / 2f;
                }
                all.add(new Linear(in, out, false));
                values.add(v);
                if (!dense[i]) {
                    rest.add(new Linear(in, out, false));
                    restValues.add(v);
                }
            }
            Sequential full = new Sequential(all);
            WeightLayout layout = WeightLayout.of(full);
            Set<String> keep = new HashSet<>();
            for (int i = 0; i < count; i++) {
                if (dense[i]) {
                    keep.add(layout.layers().get(i).name());
                }
            }
            Scores scores = TestNets.scores(full, values.toArray(float[][]::new));
            Scores restScores = TestNets.scores(new Sequential(rest), restValues.toArray(float[][]::new));
            Density d = Density.ofSparsity(rng.nextInt(1000) / 1000.0);
            for (MaskSelection.Scope scope : MaskSelection.Scope.values()) {
                Mask mask = Mask.allocate(layout);
                MaskSelection.selectInto(scores, d, scope, keep, mask);
                float[] restMask = MaskSelection.select(restScores, d, scope).flat().toFloatArray();
                float[] expected = new float[Math.toIntExact(layout.numel())];
                int at = 0;
                int restAt = 0;
                for (int i = 0; i < count; i++) {
                    int n = values.get(i).length;
                    if (dense[i]) {
                        Arrays.fill(expected, at, at + n, 1);
                    } else {
                        System.arraycopy(restMask, restAt, expected, at, n);
                        restAt += n;
                    }
                    at += n;
                }
                assertArrayEquals(expected, mask.flat().toFloatArray(), scope + ", trial " + trial);
            }
        }
    }

    @Test
    void keepingEveryLayerDenseKeepsEveryWeight() {
        Sequential net = TestNets.mlp(new SplittableRandom(1), 2, 2, 1);
        Scores scores = TestNets.scores(net, new float[] {1, 2, 3, 4}, new float[] {5, 6});
        Set<String> all = Set.copyOf(scores.layout().layers().stream().map(WeightLayout.Layer::name).toList());
        for (MaskSelection.Scope scope : MaskSelection.Scope.values()) {
            Mask mask = Mask.allocate(scores.layout());
            MaskSelection.selectInto(scores, Density.of(0.5), scope, all, mask);
            assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1}, mask.flat().toFloatArray(), scope.cliName());
        }
    }

    @Test
    void aKeptDenseNameThatIsNoLayerIsRejectedListingTheLayers() {
        Sequential net = TestNets.mlp(new SplittableRandom(1), 2, 2, 1);
        Scores scores = TestNets.scores(net, new float[] {1, 2, 3, 4}, new float[] {5, 6});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MaskSelection.selectInto(
                scores, Density.of(0.5), MaskSelection.Scope.GLOBAL, Set.of("classifier.weight"),
                Mask.allocate(scores.layout())));
        assertTrue(e.getMessage().contains("no prunable weight 'classifier.weight' to keep dense; prunable: "
                + String.join(", ", scores.layout().layers().stream().map(WeightLayout.Layer::name).toList())),
                e.getMessage());
    }

    @Test
    void keptOnlyScoresNeverBringAPrunedWeightBack() {
        Sequential net = TestNets.mlp(new SplittableRandom(1), 2, 2, 1);
        Mask previous = MaskSelection.select(TestNets.scores(net, new float[] {1, 2, 3, 4}, new float[] {5, 6}),
                Density.of(0.5), MaskSelection.Scope.GLOBAL);
        Scores reversed = TestNets.scores(net, new float[] {6, 5, 4, 3}, new float[] {2, 1}).keptOnly(previous);
        Mask next = MaskSelection.select(reversed, Density.of(1 / 3.0 + 1e-9), MaskSelection.Scope.GLOBAL);
        assertArrayEquals(new float[] {0, 0, 0, 1, 1, 0}, next.flat().toFloatArray());
    }

    @Test
    void aNaNScoreIsRejectedNamingItsWeight() {
        Sequential net = TestNets.mlp(new SplittableRandom(1), 2, 2, 1);
        Scores scores = TestNets.scores(net, new float[] {1, 2, 3, 4}, new float[] {5, Float.NaN});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MaskSelection.select(scores, Density.of(0.5), MaskSelection.Scope.GLOBAL));
        assertTrue(e.getMessage().contains("3.weight") && e.getMessage().contains("NaN"), e.getMessage());
    }
}
