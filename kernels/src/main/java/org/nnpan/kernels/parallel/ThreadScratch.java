package org.nnpan.kernels.parallel;

import java.util.Arrays;

/**
 * Float arrays that a kernel reuses from call to call on each thread instead of allocating them per call. A training
 * step runs every convolution kernel dozens of times, and their per-call staging buffers were most of the Java heap
 * the step allocated; that garbage is what made the JVM grow its heap far beyond the few MB it keeps alive.
 *
 * <p>Each thread has its own numbered arrays, grown on demand and never shrunk, so a thread keeps the largest size
 * it has needed (for a model's kernels, a few hundred KB per thread). Give each class its own instance and each
 * concurrent use within a call its own index; an array stays valid until the same thread asks for the same index of
 * the same instance again.
 */
public final class ThreadScratch {

    private final ThreadLocal<float[][]> arrays = ThreadLocal.withInitial(() -> new float[0][]);

    /** The calling thread's array number {@code index}, at least {@code size} long, with arbitrary contents. */
    public float[] floats(int index, int size) {
        float[][] mine = arrays.get();
        if (index >= mine.length) {
            mine = Arrays.copyOf(mine, index + 1);
            arrays.set(mine);
        }
        float[] a = mine[index];
        if (a == null || a.length < size) {
            a = new float[size];
            mine[index] = a;
        }
        return a;
    }

    /** {@link #floats} with its first {@code size} elements set to zero. */
    public float[] zeroed(int index, int size) {
        float[] a = floats(index, size);
        Arrays.fill(a, 0, size, 0f);
        return a;
    }
}
