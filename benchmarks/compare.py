#!/usr/bin/python3
"""Side-by-side: nnpan's JMH benchmarks against PyTorch on the same shapes, from one run on this machine.

    benchmarks/compare.py [--quick]

Builds nothing: run `./nnpan build` and `mvn -q -pl benchmarks -am package -DskipTests` first. Runs the JMH
suite (benchmarks/target/benchmarks.jar, JSON results) and benchmarks/pytorch/bench_ops.py (Debian's
python3-torch, 2 threads), then prints nnpan/PyTorch time ratios (< 1 means nnpan is faster), with medians.
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are left as the environment sets them, for both sides alike, so the two
use the same OpenBLAS kernels; the table header records them.
"""
import json
import os
import platform
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAVA = os.path.join(os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64"), "bin", "java")
QUICK = "--quick" in sys.argv

# JMH benchmark (method, params) -> PyTorch benchmark name and how to read nnpan's number.
PAIRS = [
    ("GemmBenchmark.sgemm", {"impl": "vector", "size": "512"}, "sgemm_512"),
    ("GemmBenchmark.sgemm", {"impl": "vector", "size": "1024"}, "sgemm_1024"),
    ("GemmBenchmark.sgemm", {"impl": "vector", "size": "2048"}, "sgemm_2048"),
    ("GemmBenchmark.sgemm", {"impl": "native", "size": "2048"}, "sgemm_2048"),
    ("ConvBenchmark.forward", {"layer": "16x32"}, "conv2d_16ch_32x32_fwd"),
    ("ConvBenchmark.forwardBackward", {"layer": "16x32"}, "conv2d_16ch_32x32_fwdbwd"),
    ("ConvBenchmark.forwardBackward", {"layer": "32x16"}, "conv2d_32ch_16x16_fwdbwd"),
    ("ConvBenchmark.forwardBackward", {"layer": "64x8"}, "conv2d_64ch_8x8_fwdbwd"),
    ("ConvBenchmark.forwardBackward", {"layer": "16x32"}, "conv2d_16ch_32x32_nomkldnn_fwdbwd"),
    ("ConvBenchmark.forwardBackward", {"layer": "32x16"}, "conv2d_32ch_16x16_nomkldnn_fwdbwd"),
    ("ConvBenchmark.forwardBackward", {"layer": "64x8"}, "conv2d_64ch_8x8_nomkldnn_fwdbwd"),
    ("HessianGradBenchmark.hessianGradient", {}, "lenet5_hg"),
    ("TopKBenchmark.topKMask", {"n": "20000000", "keep": "0.02"}, "topk_unsorted_20M"),
    ("TopKBenchmark.kthValue", {"n": "20000000", "keep": "0.02"}, "kthvalue_20M"),
    ("TrainStepBenchmark.step", {"model": "lenet5"}, "train_step_lenet5"),
    ("TrainStepBenchmark.step", {"model": "resnet20"}, "train_step_resnet20"),
    ("TrainStepBenchmark.step", {"model": "vgg16"}, "train_step_vgg16"),
]


def run_jmh():
    out = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name
    iters = ["-wi", "2", "-i", "3"] if QUICK else ["-wi", "3", "-i", "7"]
    cmd = [JAVA, "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-jar",
           os.path.join(ROOT, "benchmarks", "target", "benchmarks.jar"),
           "GemmBenchmark.sgemm$|ConvBenchmark|HessianGradBenchmark|TopKBenchmark|TrainStepBenchmark", "-f", "1", *iters,
           "-w", "2s", "-r", "2s", "-rf", "json", "-rff", out]
    subprocess.run(cmd, check=True, stdout=sys.stderr)
    with open(out) as f:
        return json.load(f)


def run_torch():
    rows = {}
    for script in ("bench_ops.py", "bench_train_step.py"):
        cmd = ["/usr/bin/python3", os.path.join(ROOT, "benchmarks", "pytorch", script)]
        if QUICK and script == "bench_ops.py":
            cmd.append("--quick")
        res = subprocess.run(cmd, check=True, capture_output=True, text=True)
        for line in res.stdout.splitlines():
            if line.startswith("JSON "):
                r = json.loads(line[5:])
                rows[r["benchmark"]] = r
    return rows


def jmh_median_ms(results, method, params):
    for r in results:
        if r["benchmark"].endswith(method) and all(r.get("params", {}).get(k) == v for k, v in params.items()):
            pct = r["primaryMetric"]["scorePercentiles"]
            unit = r["primaryMetric"]["scoreUnit"]
            scale = {"ms/op": 1.0, "us/op": 1e-3, "s/op": 1e3}[unit]
            return pct["50.0"] * scale
    return None


def main():
    jmh = run_jmh()
    torch = run_torch()
    print("# nnpan vs PyTorch, %s, %d cores, OPENBLAS_CORETYPE=%s" % (
        platform.processor() or platform.machine(), os.cpu_count(), os.environ.get("OPENBLAS_CORETYPE", "<unset>")))
    print("| benchmark | nnpan median ms | PyTorch median ms | ratio nnpan/PyTorch |")
    print("|---|---|---|---|")
    for method, params, tname in PAIRS:
        ours = jmh_median_ms(jmh, method, params)
        theirs = torch.get(tname, {}).get("median_ms")
        label = method + ("" if not params else " " + ",".join("%s=%s" % kv for kv in params.items())) \
            + " vs " + tname
        if ours is None or theirs is None:
            print("| %s | %s | %s | n/a |" % (label, "n/a" if ours is None else "%.2f" % ours, theirs))
            continue
        print("| %s | %.2f | %.2f | %.2f |" % (label, ours, theirs, ours / theirs))


if __name__ == "__main__":
    main()
