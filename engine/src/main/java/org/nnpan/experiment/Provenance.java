package org.nnpan.experiment;

import org.nnpan.backend.Backends;
import org.nnpan.kernels.gemm.Gemms;
import org.nnpan.kernels.parallel.Parallel;

/**
 * Where and with what a run was computed, written beside its configuration in {@code config.json}. Not part of
 * the run's identity: a run may be resumed with another build or on another machine.
 *
 * @param seed    the run's one seed (as in its configuration, repeated for readers of this record alone)
 * @param jdk     the Java runtime's version and vendor
 * @param backend the tensor backend
 * @param gemm    the matrix-multiply kernel and why it was chosen
 * @param threads the intra-op threads; with the seed they fix every result bit for bit
 * @param nnpan   the nnpan version
 * @param commit  the git commit nnpan was built from, or {@code unknown}
 */
public record Provenance(long seed, String jdk, String backend, String gemm, int threads, String nnpan, String commit) {

    /** The current process's, for a run with {@code seed}. */
    public static Provenance current(long seed) {
        BuildInfo build = BuildInfo.current();
        return new Provenance(seed, Runtime.version() + " (" + System.getProperty("java.vm.vendor") + ")",
                Backends.current().name(), Gemms.describe(), Parallel.get().threads(), build.version(), build.commit());
    }
}
