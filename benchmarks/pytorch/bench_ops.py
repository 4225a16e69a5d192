#!/usr/bin/python3
"""PyTorch CPU baseline for the nnpan JMH benchmarks (same shapes).

Run (recommended form):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 benchmarks/pytorch/bench_ops.py [--quick]

Notes
-----
* On the development machines OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE may be set in the environment
  (e.g. OPENBLAS_CORETYPE=Haswell, OPENBLAS_L2_SIZE=512). They force OpenBLAS's kernel choice and
  blocking; for benchmarking run with `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE` so that OpenBLAS
  auto-detects the CPU. The script prints whether they were set, the OpenBLAS core name/config it
  actually loaded, and the torch.__config__.show() / parallel_info() summary lines, so the kernels
  used are recorded with the numbers.
* Debian's PyTorch 1.13 uses BLAS_INFO=generic, i.e. the system libblas.so.3 (normally OpenBLAS
  pthread) for matmul, and oneDNN (MKL-DNN) for float32 conv2d when enabled. Conv is also timed with
  oneDNN disabled (PyTorch's own im2col + BLAS path), the closest analogue of a Java im2col+GEMM engine.
* torch.set_num_threads(2) (intra-op, OpenMP); OPENBLAS_NUM_THREADS defaults to 2 as well.
* Each benchmark: warm-up runs, then repeats until min(max_reps, time budget) with at least
  min_reps; the median (and min) wall time is reported. Output: one JSON line per benchmark
  (prefix "JSON "), then a human-readable table.

Benchmarks (float32 unless noted)
  sgemm_N            C = A @ B, square N x N, N in 512/1024/2048; GFLOP/s = 2 N^3 / t
  conv2d_<C>ch_<H>   ResNet-20 layer shapes, batch 128, C->C channels, HxW, 3x3 s1 p1, no bias:
                     fwd; bwd = input grad + weight grad (one autograd.grad call); total = fwd + bwd.
                     GFLOP/s: fwd 2*N*C*C*9*H*W, bwd twice that
  lenet5_hg          LeNet-5-Caffe, 100 images 1x28x28, T=200: forward, g = grad(L, params,
                     create_graph=True), Hg = grad(0.5*sum g.g, params)  (full GraSP Hg)
  topk_20M / kthvalue_20M   over 20,000,000 uniform random floats, k = 2% of n = 400,000
                     (topk largest, unsorted and sorted; kthvalue(n - k + 1) = the top-k threshold)
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
os.environ.setdefault("OMP_NUM_THREADS", "2")

import ctypes          # noqa: E402
import json            # noqa: E402
import platform        # noqa: E402
import statistics      # noqa: E402
import sys             # noqa: E402
import time            # noqa: E402

import torch           # noqa: E402
import torch.nn.functional as F   # noqa: E402

THREADS = 2
QUICK = "--quick" in sys.argv


def env_report():
    lines = []
    for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        lines.append("env %s=%s" % (v, os.environ.get(v, "<unset>")))
    if os.environ.get("OPENBLAS_CORETYPE") or os.environ.get("OPENBLAS_L2_SIZE"):
        lines.append("WARNING: OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE set; rerun with "
                     "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE for benchmark numbers")
    a = torch.randn(64, 64)
    _ = a @ a   # make sure BLAS is loaded
    libs = set()
    with open("/proc/self/maps") as f:
        for ln in f:
            p = ln.split()[-1]
            if any(s in p.lower() for s in ("blas", "lapack", "dnnl", "mkl", "gomp", "omp.so")):
                libs.add(p)
    lines.append("loaded libs: " + ", ".join(sorted(libs)))
    for p in sorted(libs):
        if os.path.basename(p).startswith("libopenblas"):
            try:
                lib = ctypes.CDLL(p)
                lib.openblas_get_corename.restype = ctypes.c_char_p
                lib.openblas_get_config.restype = ctypes.c_char_p
                lines.append("openblas corename=%s config=%s threads=%d" % (
                    lib.openblas_get_corename().decode(), lib.openblas_get_config().decode().strip(),
                    lib.openblas_get_num_threads()))
            except (OSError, AttributeError) as e:
                lines.append("openblas query failed: %s" % e)
    cfg = torch.__config__.show()
    for ln in cfg.splitlines():
        s = ln.strip()
        if any(k in s for k in ("MKL-DNN", "OpenMP", "CPU capability", "LAPACK")):
            lines.append("torch config: " + s)
        if s.startswith("- Build settings"):
            for kv in s.split(", "):
                if kv.split("=")[0].strip("- ").split(": ")[-1] in (
                        "BLAS_INFO", "LAPACK_INFO", "USE_MKLDNN", "USE_OPENMP", "USE_NNPACK", "TORCH_VERSION"):
                    lines.append("torch config: " + kv.replace("- Build settings: ", ""))
    for ln in torch.__config__.parallel_info().splitlines():
        s = ln.strip()
        if s.startswith(("at::get_num_threads", "at::get_num_interop", "ATen parallel backend",
                         "omp_get_max_threads", "std::thread::hardware")):
            lines.append("parallel_info: " + s)
    lines.append("mkldnn available=%s enabled=%s" % (torch.backends.mkldnn.is_available(),
                                                     torch.backends.mkldnn.enabled))
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            for ln in f:
                if ln.startswith("model name"):
                    cpu = ln.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    lines.append("python %s, torch %s, cpu '%s', os.cpu_count()=%s" % (
        platform.python_version(), torch.__version__, cpu, os.cpu_count()))
    lines.append("load average at start (1/5/15 min): %.2f %.2f %.2f" % os.getloadavg())
    return lines


def bench(fn, warmup=2, min_reps=5, max_reps=30, budget_s=4.0):
    for _ in range(warmup):
        fn()
    ts = []
    t_start = time.perf_counter()
    while len(ts) < max_reps and (len(ts) < min_reps or time.perf_counter() - t_start < budget_s):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), min(ts), len(ts)


RESULTS = []


def record(name, median_s, min_s, reps, flops=None, **extra):
    r = {"benchmark": name, "median_ms": round(median_s * 1e3, 4), "min_ms": round(min_s * 1e3, 4),
         "reps": reps, "threads": THREADS}
    if flops:
        r["gflops_median"] = round(flops / median_s / 1e9, 2)
    r.update(extra)
    RESULTS.append(r)
    print("JSON " + json.dumps(r), flush=True)


def bench_sgemm():
    for n in ((512, 1024) if QUICK else (512, 1024, 2048)):
        torch.manual_seed(0)
        a, b = torch.randn(n, n), torch.randn(n, n)
        c = torch.empty(n, n)
        med, mn, reps = bench(lambda: torch.matmul(a, b, out=c), warmup=2, min_reps=5,
                              max_reps=20 if n >= 2048 else 40)
        record("sgemm_%d" % n, med, mn, reps, flops=2.0 * n ** 3, shape=[n, n, n])


def bench_conv():
    shapes = [(16, 32), (32, 16), (64, 8)]
    batch = 32 if QUICK else 128
    for mkldnn in (True, False):
        for c, hw in shapes:
            torch.manual_seed(0)
            x = torch.randn(batch, c, hw, hw, requires_grad=True)
            w = (torch.randn(c, c, 3, 3) * 0.1).requires_grad_(True)
            fl = 2.0 * batch * c * c * 9 * hw * hw
            with torch.backends.mkldnn.flags(enabled=mkldnn):
                def fwd():
                    with torch.no_grad():
                        return F.conv2d(x, w, None, 1, 1)
                y = F.conv2d(x, w, None, 1, 1)
                gy = torch.randn_like(y)

                def bwd():
                    # forward graph is kept; time only the backward (input + weight grads)
                    return torch.autograd.grad(y, (x, w), gy, retain_graph=True)

                def both():
                    yy = F.conv2d(x, w, None, 1, 1)
                    return torch.autograd.grad(yy, (x, w), gy)
                tag = "conv2d_%dch_%dx%d%s" % (c, hw, hw, "" if mkldnn else "_nomkldnn")
                meta = dict(batch=batch, in_ch=c, out_ch=c, hw=hw, kernel=3, stride=1, pad=1, mkldnn=mkldnn)
                m, mn, r = bench(fwd)
                record(tag + "_fwd", m, mn, r, flops=fl, **meta)
                m, mn, r = bench(bwd)
                record(tag + "_bwd", m, mn, r, flops=2 * fl, **meta)
                m, mn, r = bench(both)
                record(tag + "_fwdbwd", m, mn, r, flops=3 * fl, **meta)


def bench_lenet5_hg():
    sys.dont_write_bytecode = True
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "reference"))
    import torch_models
    torch.manual_seed(0)
    net = torch_models.LeNet5()
    params = list(net.parameters())
    x = torch.randn(100, 1, 28, 28)
    y = torch.arange(10).repeat(10)
    T = 200.0

    def hg():
        loss = F.cross_entropy(net(x) / T, y)
        g = torch.autograd.grad(loss, params, create_graph=True)
        z = 0.5 * sum((gi * gi).sum() for gi in g)
        return torch.autograd.grad(z, params)

    def grad_only():
        loss = F.cross_entropy(net(x) / T, y)
        return torch.autograd.grad(loss, params)
    m, mn, r = bench(grad_only, warmup=3, min_reps=10, max_reps=50)
    record("lenet5_grad", m, mn, r, batch=100, T=200)
    m, mn, r = bench(hg, warmup=3, min_reps=10, max_reps=50)
    record("lenet5_hg", m, mn, r, batch=100, T=200)


def bench_select():
    n = 2_000_000 if QUICK else 20_000_000
    k = n // 50
    torch.manual_seed(0)
    x = torch.rand(n)
    m, mn, r = bench(lambda: torch.topk(x, k, largest=True, sorted=False), warmup=1, min_reps=5, max_reps=15)
    record("topk_unsorted_%dM" % (n // 1_000_000), m, mn, r, n=n, k=k)
    m, mn, r = bench(lambda: torch.topk(x, k, largest=True, sorted=True), warmup=1, min_reps=5, max_reps=15)
    record("topk_sorted_%dM" % (n // 1_000_000), m, mn, r, n=n, k=k)
    m, mn, r = bench(lambda: torch.kthvalue(x, n - k + 1), warmup=1, min_reps=5, max_reps=15)
    record("kthvalue_%dM" % (n // 1_000_000), m, mn, r, n=n, k=k, note="kthvalue(x, n-k+1) = top-k threshold")


def table():
    print()
    print("%-34s %11s %11s %5s %10s" % ("benchmark", "median ms", "min ms", "reps", "GFLOP/s"))
    print("-" * 75)
    for r in RESULTS:
        print("%-34s %11.3f %11.3f %5d %10s" % (r["benchmark"], r["median_ms"], r["min_ms"], r["reps"],
                                                "%.1f" % r["gflops_median"] if "gflops_median" in r else ""))


def main():
    torch.set_num_threads(THREADS)
    torch.set_grad_enabled(True)
    for ln in env_report():
        print("# " + ln)
    print("# threads: torch.set_num_threads(%d)%s" % (THREADS, " [QUICK mode: reduced sizes]" if QUICK else ""))
    bench_sgemm()
    bench_conv()
    bench_lenet5_hg()
    bench_select()
    print("# load average at end (1/5/15 min): %.2f %.2f %.2f" % os.getloadavg())
    table()


if __name__ == "__main__":
    main()
