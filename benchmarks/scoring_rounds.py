#!/usr/bin/python3
"""Saliency scoring side by side in alternating rounds: nnpan's `bench` against PyTorch's bench_scoring.py.

    benchmarks/scoring_rounds.py [--models resnet32,vgg19] [--indices snip,grasp] [--rounds 3]
                                 [--calls 15] [--warmup 3] [--jar engine/target/nnpan-engine.jar]
                                 [--cpus 2,3] [--python /usr/bin/python3]

On a shared machine one pair of numbers means little: the machine's speed drifts between minutes, and PyTorch 1.13
runs in one of two modes per process (a fast one, and a slow one at about twice the CPU). So each round runs nnpan
and then PyTorch on the same workload, 100 CIFAR-shaped images, 2 threads, the same warm-up and call counts, and the
script prints every round's medians and ratio, the ratio of the medians over rounds, and nnpan's median against
PyTorch's fastest round (the strict reading of issue 4's target). Build the jar first (`./nnpan build`); PyTorch is
Debian's python3-torch, or the one of --python. On a machine with more cores, --cpus pins both sides to the same two
(taskset), so they get "the same 2 cores" and nothing else; pick two physical cores (`lscpu -e`), not two threads of
one.
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


def nnpan_median(jar, model, index, calls, warmup, cpus):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = [JAVA, "-jar", jar, "bench", "--workloads", index, "--model", model, "--batch-size", str(BATCH),
               "--calls", str(calls), "--warmup", str(warmup), "--threads", str(THREADS), "--json", out.name]
        subprocess.run(pinned(cpus, cmd), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(out.name) as f:
            rows = json.load(f)["workloads"]
    return rows[0]["median_ms"]


def torch_median(python, model, index, calls, warmup, cpus):
    cmd = [python, os.path.join(ROOT, "benchmarks", "pytorch", "bench_scoring.py"), "--models", model,
           "--indices", index, "--calls", str(calls), "--warmup", str(warmup)]
    out = subprocess.run(pinned(cpus, cmd), check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        if line.startswith("JSON "):
            return json.loads(line[5:])["median_ms"]
    sys.exit("bench_scoring.py printed no JSON line for %s %s:\n%s" % (index, model, out))


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
    a = p.parse_args()
    if not os.path.exists(a.jar):
        sys.exit("no engine jar at %s: build it first (./nnpan build)" % a.jar)
    if a.rounds < 1 or a.calls < 1 or a.warmup < 0:
        sys.exit("--rounds and --calls must be at least 1, --warmup at least 0")
    for model in a.models.split(","):
        for index in a.indices.split(","):
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
