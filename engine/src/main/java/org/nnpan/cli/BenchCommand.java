package org.nnpan.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import org.nnpan.backend.Backends;
import org.nnpan.io.Json;
import org.nnpan.kernels.parallel.Parallel;
import org.nnpan.models.ModelZoo;
import org.nnpan.perf.Measurement;
import org.nnpan.perf.Pacer;
import org.nnpan.perf.ProcessMemory;
import org.nnpan.perf.Workload;
import org.nnpan.perf.Workloads;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nnpan-engine bench}: times the engine's standard workloads on this machine and prints medians, so a user
 * can see what the engine does here before a long run. The JMH module gives the careful numbers of
 * docs/benchmarks.md; this command is the quick look.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time the engine's standard workloads on this machine: median, fastest and slowest call,"
                + " GFLOP/s where meaningful, and the process's resident memory.",
            "Workloads: gemm (float32 1024x1024 product), conv (3x3 conv forward + both gradients, 16 channels,"
                    + " 32x32), train-step (one SGD step of --model), snip, grasp, synflow (one scoring call on"
                    + " --model), synflow-schedule (SynFlow's 100 pruning steps to 2 %% density on --model), top-k"
                    + " (mask of the 2 %% largest of 4M floats), panning-step (one step of the RL panning environment"
                    + " on --model with random actions), agent-update (one TD3 update of the panning agent, minibatch"
                    + " 256, always on one thread)."},
        footer = {"", "Examples:",
            "  nnpan-engine bench                                   # every workload, lenet5, batch 128",
            "  nnpan-engine bench --workloads train-step --model resnet20 --calls 1000 --warmup 20",
            "                                                       # also a memory-growth check over 1000 steps",
            "  nnpan-engine bench --workloads grasp,synflow --model vgg19 --batch-size 100 --json bench.json"})
final class BenchCommand implements Callable<Integer> {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--workloads", split = ",", paramLabel = "NAME",
            description = "Comma-separated workloads (default: all but synflow-schedule and panning-step):"
                    + " ${COMPLETION-CANDIDATES}.",
            completionCandidates = WorkloadNames.class)
    private List<String> workloads = Workloads.DEFAULTS;

    @Option(names = "--model", defaultValue = "lenet5", completionCandidates = ModelNames.class,
            description = "Model of train-step and the scoring workloads: ${COMPLETION-CANDIDATES}"
                    + " (default: ${DEFAULT-VALUE}).")
    private String model;

    @Option(names = "--batch-size", defaultValue = "128", paramLabel = "N",
            description = "Images per train step, scoring call or convolution (default: ${DEFAULT-VALUE}).")
    private int batchSize;

    @Option(names = "--warmup", defaultValue = "3", paramLabel = "N",
            description = "Untimed calls first, for the JIT and the buffer pool (default: ${DEFAULT-VALUE}).")
    private int warmup;

    @Option(names = "--calls", defaultValue = "10", paramLabel = "N",
            description = "Timed calls per workload (default: ${DEFAULT-VALUE}).")
    private int calls;

    @Option(names = "--threads", paramLabel = "N", description = "Intra-op threads (default: all processors).")
    private Integer threads;

    @Option(names = "--json", paramLabel = "FILE",
            description = "Also write every call's time, and when the first timed call started, to this JSON file.")
    private Path json;

    @Option(names = "--paced", description = {"Take turns with a driver: print 'PACED ready' once a workload is built,"
            + " then before each of its calls (warm-up calls too) wait for a line on standard input, and after it print 'PACED <ms>'."
            + " benchmarks/scoring_rounds.py --paired uses it to interleave nnpan's calls with PyTorch's one by one."})
    private boolean paced;

    @Override
    public Integer call() throws IOException {
        validate();
        if (threads != null) {
            Parallel.setThreads(threads);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("nnpan-engine %s, JDK %s, %d threads, backend %s%n", Main.version(), Runtime.version(),
                Parallel.get().threads(), Backends.current().name());
        SystemInfo.lines().forEach(out::println);
        out.printf("%d warm-up and %d timed calls per workload; times in ms%n%n", warmup, calls);
        out.printf("%-22s %10s %10s %10s %9s  %s%n", "workload", "median", "min", "max", "GFLOP/s", "what");
        out.flush();
        List<Map<String, Object>> rows = new ArrayList<>();
        // One reader for all workloads: a second would lose the lines the first had buffered.
        BufferedReader in = paced
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)) : null;
        for (String name : workloads) {
            Workload w = Workloads.named(name, model, batchSize);
            Pacer pacer = paced ? new StdioPacer(in, out) : Pacer.NONE;
            Measurement.warmUp(w, warmup, pacer);
            // Read after the warm-up, which fills the buffer pool and the heap: what the timed calls add is growth.
            OptionalLong before = ProcessMemory.residentBytes();
            long started = System.currentTimeMillis();
            Measurement m = Measurement.of(w, 0, calls, pacer);
            OptionalLong after = ProcessMemory.residentBytes();
            double rate = m.gflopsPerSecond();
            out.printf(Locale.ROOT, "%-22s %10.2f %10.2f %10.2f %9s  %s%n", w.name(), m.median(), m.min(), m.max(),
                    Double.isNaN(rate) ? "-" : String.format(Locale.ROOT, "%.1f", rate), w.description());
            out.flush();
            rows.add(row(m, started, before, after));
        }
        OptionalLong peak = ProcessMemory.peakResidentBytes();
        out.printf(Locale.ROOT, "%npeak resident memory of this process: %s%n", megabytes(peak));
        if (json != null) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("version", Main.version());
            doc.put("jdk", Runtime.version().toString());
            doc.put("threads", Parallel.get().threads());
            doc.put("system", SystemInfo.lines());
            doc.put("workloads", rows);
            doc.put("peak_resident_bytes", peak.isPresent() ? peak.getAsLong() : null);
            Json.write(json, doc);
            out.println("wrote " + json);
        }
        return 0;
    }

    /**
     * One JSON row; the resident memory after the warm-up and after the timed calls shows growth over many calls. The
     * first timed call's wall-clock start ({@code started}, epoch ms) places the calls on a JFR recording's time line:
     * call {@code i} starts about {@code started + millis[0] + ... + millis[i - 1]} (benchmarks/warmup_compiles.py).
     */
    private static Map<String, Object> row(Measurement m, long started, OptionalLong before, OptionalLong after) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("workload", m.workload().name());
        r.put("description", m.workload().description());
        r.put("median_ms", m.median());
        r.put("min_ms", m.min());
        r.put("max_ms", m.max());
        r.put("gflops", Double.isNaN(m.gflopsPerSecond()) ? null : m.gflopsPerSecond());
        r.put("resident_bytes_before", before.isPresent() ? before.getAsLong() : null);
        r.put("resident_bytes_after", after.isPresent() ? after.getAsLong() : null);
        r.put("millis", m.millis());
        r.put("timed_start_epoch_ms", started);
        return r;
    }

    private static String megabytes(OptionalLong bytes) {
        return bytes.isPresent() ? String.format(Locale.ROOT, "%.0f MB", bytes.getAsLong() / 1e6) : "unknown (no /proc)";
    }

    private void validate() {
        for (String w : workloads) {
            if (!Workloads.NAMES.contains(w)) {
                throw usage("--workloads: unknown workload '" + w + "'; valid: " + String.join(", ", Workloads.NAMES));
            }
        }
        if (!ModelZoo.names().contains(model)) {
            throw usage("--model: unknown model '" + model + "'; valid: " + String.join(", ", ModelZoo.names()));
        }
        if (batchSize < 1 || calls < 1 || warmup < 0) {
            throw usage("--batch-size and --calls must be at least 1 and --warmup at least 0");
        }
        if (threads != null && threads < 1) {
            throw usage("--threads must be at least 1, got " + threads);
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /**
     * {@code --paced}'s protocol on standard input and the command's output: one line in before each call, one
     * {@code PACED <ms>} line out after it; {@code PACED ready} once per workload, when it is built and its first
     * call waits.
     */
    private static final class StdioPacer implements Pacer {
        private final BufferedReader in;
        private final PrintWriter out;
        private int calls;

        StdioPacer(BufferedReader in, PrintWriter out) {
            this.in = in;
            this.out = out;
            out.println("PACED ready");
            out.flush();
        }

        @Override
        public void beforeCall() {
            try {
                if (in.readLine() == null) {
                    throw new IllegalStateException("--paced: standard input ended before call " + (calls + 1));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("--paced: reading standard input", e);
            }
        }

        @Override
        public void afterCall(double millis) {
            calls++;
            out.printf(Locale.ROOT, "PACED %.3f%n", millis);
            out.flush();
        }
    }

    /** Completion candidates: the workload names. */
    static final class WorkloadNames extends ArrayList<String> {
        WorkloadNames() {
            super(Workloads.NAMES);
        }
    }
}
