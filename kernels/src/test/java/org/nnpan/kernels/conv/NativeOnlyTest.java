package org.nnpan.kernels.conv;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nnpan.kernels.memory.OffHeap;

/** The vector convolution takes native segments only and names the heap one it is given. */
class NativeOnlyTest {

    private static final ConvGeometry G = new ConvGeometry(2, 6, 6, 3, 3, 1, 1, 1, 1);
    private static final int OUT = 3;

    @Test
    void heapSegmentsAreRejectedByName() {
        BatchConv conv = BatchConvs.best();
        assumeTrue(conv != null, "no vector convolution in this JVM");
        MemorySegment x = OffHeap.zeros((int) G.inputSize());
        MemorySegment w = OffHeap.zeros(OUT * (int) G.colRows());
        MemorySegment y = OffHeap.zeros(OUT * (int) G.colCols());
        MemorySegment heapX = MemorySegment.ofArray(new float[(int) G.inputSize()]);
        MemorySegment heapW = MemorySegment.ofArray(new float[OUT * (int) G.colRows()]);
        MemorySegment heapY = MemorySegment.ofArray(new float[OUT * (int) G.colCols()]);
        assertRejected("x", () -> conv.forward(G, 1, OUT, heapX, 0, w, 0, y, 0));
        assertRejected("y", () -> conv.forward(G, 1, OUT, x, 0, w, 0, heapY, 0));
        assertRejected("w", () -> conv.inputGrad(G, 1, OUT, y, 0, heapW, 0, x, 0));
        assertRejected("gx", () -> conv.inputGrad(G, 1, OUT, y, 0, w, 0, heapX, 0));
        assertRejected("gy", () -> conv.weightGrad(G, 1, OUT, x, 0, heapY, 0, w, 0));
        assertRejected("gw", () -> conv.weightGrad(G, 1, OUT, x, 0, y, 0, heapW, 0));
    }

    private static void assertRejected(String argument, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith("vector batch convolution: " + argument + " is not a native segment"),
                e.getMessage());
    }
}
