package org.nnpan.kernels.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BatchConvsTest {

    @Test
    void winogradSwitchTakesOnOrOffAndNamesItselfOtherwise() {
        assertTrue(BatchConvs.winogradOn("on"));
        assertFalse(BatchConvs.winogradOn(" off "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BatchConvs.winogradOn("of"));
        assertEquals("nnpan.winograd must be on or off, got 'of'", e.getMessage());
    }

    /** The engine's choice wraps the direct kernel, or is it (switched off), or is absent with it. */
    @Test
    void bestIsWinogradOverTheDirectKernelOrTheDirectKernel() {
        BatchConv best = BatchConvs.best();
        BatchConv direct = BatchConvs.direct();
        assertEquals(direct == null, best == null);
        if (best != null) {
            assertTrue(best == direct || best instanceof WinogradConv, best.getClass().getName());
        }
    }
}
