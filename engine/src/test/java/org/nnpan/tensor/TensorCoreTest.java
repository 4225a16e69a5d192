package org.nnpan.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nnpan.autograd.Autograd;
import org.nnpan.kernels.parallel.Parallel;
import org.nnpan.ops.Conv;
import org.nnpan.ops.Shapes;

class TensorCoreTest {

    @Test
    void tensorsOfAClosedScopeFailCleanlyInsteadOfCrashing() {
        Tensor inside;
        try (MemoryScope s = MemoryScope.open("step")) {
            inside = Tensor.ones(DType.F32, 3);
            assertEquals(3.0, inside.sum().item(), 0);
            assertTrue(s.allocatedBytes() > 0);
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> inside.get(0));
        assertTrue(e.getMessage().contains("'step' was closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> inside.add(inside));
    }

    @Test
    void releasedStorageIsUnreadableAndReturnsToThePoolOnce() {
        long freeBefore = BufferPool.freeBytes();
        long buffers;
        try (MemoryScope s = MemoryScope.open("step")) {
            Tensor kept = Tensor.ones(DType.F32, 1000);
            Tensor gone = Tensor.ones(DType.F32, 1000);
            buffers = kept.storage().buffer().segment().byteSize() + gone.storage().buffer().segment().byteSize();
            long held = s.liveBytes();
            gone.storage().release();
            gone.storage().release(); // a second release is a no-op
            assertTrue(gone.storage().isReleased());
            // 1000 floats rounded up to 64 bytes, in a pooled buffer of that size or up to twice as large
            long buffer = gone.storage().buffer().segment().byteSize();
            assertTrue(buffer >= 4032 && buffer <= 2 * 4032, buffer + " B");
            assertEquals(held - buffer, s.liveBytes());
            assertEquals(held, s.peakBytes());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> gone.get(0));
            assertTrue(e.getMessage().contains("released early in scope 'step'"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> gone.reshape(10, 100).sum());
            assertEquals(1000.0, kept.sum().item(), 0);
        }
        // Each buffer went back once, early or at close: a second return of the released one would add it again.
        assertTrue(BufferPool.freeBytes() - freeBefore <= buffers, "a buffer was returned twice");
        assertThrows(IllegalStateException.class, () -> Tensor.ones(DType.F32, 2).storage().release());
    }

    @Test
    void scopesNestAndMustCloseInOrder() {
        MemoryScope outer = MemoryScope.open("outer");
        MemoryScope inner = MemoryScope.open("inner");
        assertEquals(inner, MemoryScope.current());
        assertThrows(IllegalStateException.class, outer::close);
        inner.close();
        assertEquals(outer, MemoryScope.current());
        outer.close();
        assertEquals(MemoryScope.global(), MemoryScope.current());
    }

    @Test
    void leafGradientsOutliveTheStepScope() {
        Tensor w = Tensor.of(new float[] {1, 2, 3}, 3).requiresGrad(true);
        for (int step = 0; step < 2; step++) {
            try (MemoryScope s = MemoryScope.open("step")) {
                w.mul(w).sum().backward();
            }
        }
        assertNotNull(w.grad());
        assertArrayEquals(new float[] {4, 8, 12}, w.grad().toFloatArray()); // accumulated twice: 2 * 2w
    }

    @Test
    void shapeErrorsNameTheOpAndBothShapes() {
        Tensor a = Tensor.zeros(2, 3);
        Tensor b = Tensor.zeros(4, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.add(b));
        assertTrue(e.getMessage().contains("add") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4, 3]"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.matmul(b));
        assertTrue(e.getMessage().startsWith("matmul") && e.getMessage().contains("[4, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Conv.conv2d(Tensor.zeros(1, 2, 5, 5), Tensor.zeros(3, 4, 3, 3), null, 1, 0));
        assertTrue(e.getMessage().startsWith("conv2d") && e.getMessage().contains("[3, 4, 3, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.reshape(4, 2));
        assertTrue(e.getMessage().contains("reshape") && e.getMessage().contains("[2, 3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.add(Tensor.zeros(DType.F64, 2, 3)));
        assertTrue(e.getMessage().contains("dtype mismatch"), e.getMessage());
    }

    @Test
    void viewsShareMemoryAndTrackStrides() {
        Tensor t = Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 2, 3);
        Tensor tt = t.transpose(0, 1);
        assertFalse(tt.isContiguous());
        assertEquals(t.storage(), tt.storage());
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, tt.toFloatArray());
        Tensor s = Shapes.slice(t, 1, 1, 3);
        assertArrayEquals(new float[] {1, 2, 4, 5}, s.toFloatArray());
        t.set(9, 0, 1);
        assertEquals(9, s.get(0, 0));
    }

    @Test
    void noGradScopeRecordsNothing() {
        Tensor w = Tensor.ones(DType.F32, 2).requiresGrad(true);
        try (Autograd.GradMode g = Autograd.noGrad()) {
            assertFalse(w.mul(w).requiresGrad());
        }
        assertTrue(w.mul(w).requiresGrad());
    }

    @Test
    void resultsAreIdenticalForTheSameThreadCount() {
        SplittableRandom rng = new SplittableRandom(3);
        Tensor x = Tensor.randn(rng, 1, DType.F32, 64, 3000);
        int before = Parallel.get().threads();
        try {
            Parallel.setThreads(2);
            float[] a = x.sum(false, 1).toFloatArray();
            float[] b = x.sum(false, 1).toFloatArray();
            assertArrayEquals(a, b);
        } finally {
            Parallel.setThreads(before);
        }
    }
}
