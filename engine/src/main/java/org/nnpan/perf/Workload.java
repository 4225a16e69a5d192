package org.nnpan.perf;

/**
 * One repeatable unit of work to time: a GEMM, a convolution's forward and backward, a training step, one saliency
 * scoring call. Its inputs are built once when the workload is created; {@link #run()} repeats the work.
 */
public interface Workload {

    /** Short name, e.g. {@code train-step lenet5}. */
    String name();

    /** What one call does, with its shapes. */
    String description();

    /** Floating-point operations of one call, or 0 where a rate would mean nothing. */
    double flops();

    /** Does the work once; everything it allocates is freed before it returns. */
    void run();
}
