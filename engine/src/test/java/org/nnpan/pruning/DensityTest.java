package org.nnpan.pruning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DensityTest {

    @ParameterizedTest
    @ValueSource(doubles = {-0.01, 1.0, 1.5, Double.NaN})
    void sparsityOutsideZeroToOneIsRejectedNamingTheValue(double p) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Density.ofSparsity(p));
        assertTrue(e.getMessage().contains("[0, 1)") && e.getMessage().contains(Double.toString(p)), e.getMessage());
    }

    @Test
    void keptCountIsTheExactFloorOfTheDecimalProduct() {
        assertEquals(29, Density.ofSparsity(0.71).keptCount(100)); // 100 * 0.29 is 28.999999999999996 in binary
        assertEquals(10, Density.ofSparsity(0.9).keptCount(100));
        assertEquals(100, Density.ofSparsity(0).keptCount(100));
        assertEquals(8610, Density.ofSparsity(0.98).keptCount(430_500));
        SplittableRandom rng = new SplittableRandom(1);
        for (int trial = 0; trial < 1000; trial++) {
            long n = rng.nextLong(1, 30_000_000);
            int permille = rng.nextInt(0, 1000); // sparsity with three decimals
            long expected = n * (1000 - permille) / 1000;
            assertEquals(expected, Density.ofSparsity(permille / 1000.0).keptCount(n), n + " at sparsity " + permille);
        }
    }

    @Test
    void reportsDensityFractionPrunedAndCompressionTogether() {
        Density d = Density.ofSparsity(0.98);
        assertEquals(0.98, d.sparsity());
        assertEquals(50, d.compressionRatio(), 1e-9);
        assertEquals("density 0.02 (98 % pruned, compression 50x)", d.describe());
    }
}
