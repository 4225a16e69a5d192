#!/usr/bin/python3
"""Saliency scoring side by side in alternating rounds: nnpan's `bench` against PyTorch's bench_scoring.py.

    benchmarks/scoring_rounds.py [--models resnet32,vgg19] [--indices snip,grasp] [--rounds 3]
                                 [--calls 15] [--warmup 3] [--jar engine/target/nnpan-engine.jar]
                                 [--cpus 2,3] [--python /usr/bin/python3] [--paired]

On a shared machine one pair of numbers means little: the machine's speed drifts between minutes, and PyTorch 1.13
runs in one of two modes per process (a fast one, and a slow one at about twice the CPU). So each round runs nnpan
and then PyTorch on the same workload, 100 CIFAR-shaped images, 2 threads, the same warm-up and call counts, and the
script prints every round's medians and ratio, the ratio of the medians over rounds, and nnpan's median against
PyTorch's fastest round (the strict reading of issue 4's target). Build the jar first (`./nnpan build`); PyTorch is
Debian's python3-torch, or the one of --python. On a machine with more cores, --cpus pins both sides to the same two
(taskset), so they get "the same 2 cores" and nothing else; pick two physical cores (`lscpu -e`), not two threads of
one.

--paired runs both sides at once instead, in fresh processes each round, and has them take turns call by call
(`bench --paced` and bench_scoring.py --paced: each call waits for the script's word, warm-up calls included,
nnpan first in even calls and PyTorch first in odd ones), so each of nnpan's calls has a PyTorch call beside it
in the same seconds. Per round it prints both medians and the median of the per-call ratios; at the end the
median and quartiles of all rounds' per-call ratios. The calls never overlap, but between turns PyTorch's OpenMP
threads spin briefly and nnpan's JIT compiler may still be compiling (in its first calls), each into the other's
turn: docs/benchmarks.md (twenty-second session) measures both and the harness's spread.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAVA = os.path.join(os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64"), "bin", "java")
BATCH = 100
THREADS = 2


def pinned(cpus, cmd):
    """cmd run on the CPUs listed in cpus (taskset's list syntax), or as it is when cpus is empty."""
    return ["taskset", "-c", cpus] + cmd if cpus else cmd


def nnpan_command(jar, model, index, calls, warmup):
    """nnpan's `bench` of one scoring workload, 100 images, 2 threads."""
    return [JAVA, "-jar", jar, "bench", "--workloads", index, "--model", model, "--batch-size", str(BATCH),
            "--calls", str(calls), "--warmup", str(warmup), "--threads", str(THREADS)]


def torch_command(python, model, index, calls, warmup):
    """bench_scoring.py of one model and index (its own defaults: 100 images, 2 threads)."""
    return [python, os.path.join(ROOT, "benchmarks", "pytorch", "bench_scoring.py"), "--models", model,
            "--indices", index, "--calls", str(calls), "--warmup", str(warmup)]


def nnpan_median(jar, model, index, calls, warmup, cpus):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = nnpan_command(jar, model, index, calls, warmup) + ["--json", out.name]
        subprocess.run(pinned(cpus, cmd), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(out.name) as f:
            rows = json.load(f)["workloads"]
    return rows[0]["median_ms"]


def torch_median(python, model, index, calls, warmup, cpus):
    cmd = torch_command(python, model, index, calls, warmup)
    out = subprocess.run(pinned(cpus, cmd), check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("JSON "):
            return json.loads(line[5:])["median_ms"]
    sys.exit("bench_scoring.py printed no JSON line for %s %s:\n%s" % (index, model, out))


def started(cmd):
    """A paced process (stdin and stdout pipes, stderr kept for errors), once it has printed "PACED ready"."""
    err = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True, bufsize=1)
    proc.err = err
    paced_line(proc)
    return proc


def paced_line(proc):
    """The value of the next "PACED ..." line of proc's output (other lines skipped); exits if proc ended first."""
    for line in proc.stdout:
        if line.startswith("PACED "):
            return line[6:].strip()
    proc.wait()
    proc.err.seek(0)
    sys.exit("%s ended (exit %s) before its next PACED line:\n%s" % (" ".join(proc.args[:4]), proc.returncode,
                                                                      proc.err.read()[-3000:]))


def paced_call(proc):
    """Lets proc run one call and returns its time in ms."""
    proc.stdin.write("go\n")
    proc.stdin.flush()
    return float(paced_line(proc))


def paired_round(a, model, index):
    """One round of a.warmup + a.calls calls per side, taking turns; the timed calls' ms, nnpan's and PyTorch's."""
    ours = started(pinned(a.cpus, nnpan_command(a.jar, model, index, a.calls, a.warmup) + ["--paced"]))
    theirs = started(pinned(a.cpus, torch_command(a.python, model, index, a.calls, a.warmup) + ["--paced"]))
    times = {ours: [], theirs: []}
    for i in range(a.warmup + a.calls):
        for proc in (ours, theirs) if i % 2 == 0 else (theirs, ours):
            ms = paced_call(proc)
            if i >= a.warmup:
                times[proc].append(ms)
    for proc in (ours, theirs):
        proc.stdin.close()
        proc.stdout.read()
        if proc.wait() != 0:
            proc.err.seek(0)
            sys.exit("%s failed (exit %d):\n%s" % (" ".join(proc.args[:4]), proc.returncode, proc.err.read()[-3000:]))
        proc.err.close()
    return times[ours], times[theirs]


def quartiles(values):
    """First quartile, median and third quartile."""
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[1], q[2]


def paired(a, model, index):
    print("%s %s: %d images, %d threads%s, %d paired calls after %d warm-up calls each, calls taking turns"
          % (index, model, BATCH, THREADS, " on CPUs " + a.cpus if a.cpus else "", a.calls, a.warmup))
    ratios = []
    for r in range(1, a.rounds + 1):
        ours, theirs = paired_round(a, model, index)
        per_call = [o / t for o, t in zip(ours, theirs)]
        ratios += per_call
        print("  round %d: nnpan %8.1f  PyTorch %8.1f  median per-call ratio %.2f" % (
            r, statistics.median(ours), statistics.median(theirs), statistics.median(per_call)), flush=True)
    lo, mid, hi = quartiles(ratios) if len(ratios) > 1 else (ratios[0],) * 3
    print("  per-call ratios over %d rounds: median %.2f, quartiles %.2f-%.2f (< 1: nnpan faster)"
          % (a.rounds, mid, lo, hi))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", default="resnet32")
    p.add_argument("--indices", default="snip")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--calls", type=int, default=15)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--jar", default=os.path.join(ROOT, "engine", "target", "nnpan-engine.jar"))
    p.add_argument("--cpus", default="", help="run both sides pinned to these CPUs (taskset -c), e.g. 2,3")
    p.add_argument("--python", default="/usr/bin/python3", help="the Python that has PyTorch")
    p.add_argument("--paired", action="store_true", help="both sides at once, taking turns call by call")
    a = p.parse_args()
    if not os.path.exists(a.jar):
        sys.exit("no engine jar at %s: build it first (./nnpan build)" % a.jar)
    if a.rounds < 1 or a.calls < 1 or a.warmup < 0:
        sys.exit("--rounds and --calls must be at least 1, --warmup at least 0")
    for model in a.models.split(","):
        for index in a.indices.split(","):
            if a.paired:
                paired(a, model, index)
                continue
            print("%s %s: %d images, %d threads%s, %d calls after %d warm-up calls, median ms per round"
                  % (index, model, BATCH, THREADS, " on CPUs " + a.cpus if a.cpus else "", a.calls, a.warmup))
            ours, theirs = [], []
            for r in range(1, a.rounds + 1):
                ours.append(nnpan_median(a.jar, model, index, a.calls, a.warmup, a.cpus))
                theirs.append(torch_median(a.python, model, index, a.calls, a.warmup, a.cpus))
                print("  round %d: nnpan %8.1f  PyTorch %8.1f  ratio %.2f" % (r, ours[-1], theirs[-1],
                                                                          ours[-1] / theirs[-1]), flush=True)
            mine, torch = statistics.median(ours), statistics.median(theirs)
            print("  median over rounds: nnpan %.1f, PyTorch %.1f, ratio %.2f; against PyTorch's fastest round "
                  "(%.1f): %.2f (< 1: nnpan faster)" % (mine, torch, mine / torch, min(theirs), mine / min(theirs)))


if __name__ == "__main__":
    main()
