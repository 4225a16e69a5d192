package org.nnpan.cli;

import java.util.ArrayList;
import java.util.List;
import org.nnpan.kernels.conv.BatchConvs;
import org.nnpan.kernels.elementwise.ElementwiseKernels;
import org.nnpan.kernels.gemm.Gemms;
import org.nnpan.kernels.pool.MaxPoolKernels;

/** Facts about optional accelerations, shared by {@code info} and run reports. */
final class SystemInfo {
    private SystemInfo() {
    }

    /** Whether the JVM was started with {@code --add-modules jdk.incubator.vector}. */
    static boolean vectorApiEnabled() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** Human-readable lines, one per capability. */
    static List<String> lines() {
        List<String> lines = new ArrayList<>();
        lines.add("vector API    " + (vectorApiEnabled()
                ? "enabled"
                : "not enabled (start java with --add-modules jdk.incubator.vector for SIMD kernels)"));
        lines.add("gemm          " + Gemms.describe());
        lines.add("convolution   " + BatchConvs.describe());
        lines.add("element-wise  " + ElementwiseKernels.describe());
        lines.add("max pooling   " + MaxPoolKernels.describe());
        return lines;
    }
}
