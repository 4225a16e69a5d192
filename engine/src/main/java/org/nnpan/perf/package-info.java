/**
 * Timing the engine's standard workloads (GEMM, convolution, training steps, saliency scoring, top-k): the
 * workloads themselves, median-based measurements and the process's resident memory. Used by
 * {@code nnpan-engine bench} and by the JMH benchmarks module.
 */
package org.nnpan.perf;
