#!/usr/bin/python3
"""PyTorch side of `nnpan-engine bench --workloads snip,grasp,synflow[,synflow-schedule] --model M --batch-size 100`:
the same three saliency indices computed the way nnpan computes them (org.nnpan.pruning), on the zoo's PyTorch
definitions (tests/reference/torch_models.py), 2 threads (or OMP_NUM_THREADS), 100 random images with balanced labels,
CIFAR-shaped unless --input says otherwise (LeNet-5 on Fashion-MNIST: --models lenet5 --input 1,28,28).

  snip     |theta * dL/dtheta| on the dense net, train-mode BN, L = CE(f(x)/200, y)
  grasp    theta * Hg, g = dL/dw over the prunable weights with create_graph, Hg = d(0.5 |g|^2)/dw
  synflow  float64 copy with |theta * m| prunable weights and |.| everything else, BN eval, one all-ones input,
           R = sum of outputs, score theta * dR/dw
  synflow-schedule  100 SynFlow steps to 2 % density on an exponential schedule, global top-k each step,
           pruned weights keep score 0 (stay pruned)

Prints one JSON line per (model, index) with the median over the timed calls (prefix "JSON "), wall time and the
process's CPU time (all threads; on a loaded machine the CPU time is the steadier of the two); with --max-rss the
line also holds the process's peak resident memory so far (ru_maxrss, what nnpan's `bench` reports: run one model
and one index per process, e.g. --models resnet32 --indices grasp, so the peak is that index's).

    /usr/bin/python3 benchmarks/pytorch/bench_scoring.py [--models vgg19,resnet32] [--indices synflow] [--calls 5]
        [--schedule]
    /usr/bin/python3 benchmarks/pytorch/bench_scoring.py --models resnet32 --indices grasp --calls 3 --warmup 1 --max-rss

With --paced (one model, one index) each call waits for a line on stdin and reports its time at once, so a driver
can interleave the calls with nnpan's (benchmarks/scoring_rounds.py --paired).
"""
import argparse
import copy
import json
import os
import resource
import statistics
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
# OpenBLAS (PyTorch's BLAS here) spins threads of its own: give it the same count, or one-thread runs use two cores.
os.environ.setdefault("OPENBLAS_NUM_THREADS", os.environ["OMP_NUM_THREADS"])
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "reference"))
import torch_models  # noqa: E402

torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
T = 200.0


def prunable(model):
    names = set(torch_models.prunable_names(model))
    return [p for n, p in model.named_parameters() if n in names]


def snip(model, x, y):
    w = prunable(model)
    g = torch.autograd.grad(F.cross_entropy(model(x) / T, y), w)
    return [(wi * gi).abs() for wi, gi in zip(w, g)]


def grasp(model, x, y):
    w = prunable(model)
    g = torch.autograd.grad(F.cross_entropy(model(x) / T, y), w, create_graph=True)
    half = 0.5 * sum((gi * gi).sum() for gi in g)
    hg = torch.autograd.grad(half, w)
    return [wi * h for wi, h in zip(w, hg)]


def synflow(model, masks, shape):
    net = copy.deepcopy(model).double().eval()
    w = prunable(net)
    with torch.no_grad():
        for p in net.parameters():
            p.abs_()
        for n, b in net.named_buffers():
            if b.is_floating_point():
                b.abs_()
        for wi, m in zip(w, masks):
            wi.mul_(m)
    r = net(torch.ones(1, *shape, dtype=torch.float64)).sum()
    dr = torch.autograd.grad(r, w)
    return [(wt * d).abs() for wt, d in zip(prunable(model), dr)]


def synflow_schedule(model, shape, steps=100, density=0.02):
    w = prunable(model)
    masks = [torch.ones_like(wi, dtype=torch.float64) for wi in w]
    total = sum(m.numel() for m in masks)
    for t in range(steps):
        scores = synflow(model, masks, shape)
        flat = torch.cat([(s * m).flatten() for s, m in zip(scores, masks)])
        k = int(total * density ** ((t + 1) / steps))
        keep = torch.zeros_like(flat)
        keep[torch.topk(flat, k, sorted=False).indices] = 1
        offset = 0
        for i, m in enumerate(masks):
            masks[i] = keep[offset:offset + m.numel()].view_as(m)
            offset += m.numel()
    return masks


def timed(fn, calls, warmup, paced=False):
    """Wall and process CPU seconds of each timed call. Paced (nnpan's `bench --paced` protocol): print "PACED ready",
    then before every call, warm-up ones too, wait for a line on stdin, and after it print "PACED <ms>"."""
    times, cpu = [], []
    if paced:
        print("PACED ready", flush=True)
    for i in range(warmup + calls):
        if paced and not sys.stdin.readline():
            sys.exit("--paced: standard input ended before call %d" % (i + 1))
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        if paced:
            print("PACED %.3f" % ((time.perf_counter() - t0) * 1e3), flush=True)
        if i >= warmup:
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    return times, cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="vgg19,resnet32")
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--calls", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--indices", default="snip,grasp,synflow", help="which of snip, grasp, synflow to time")
    ap.add_argument("--schedule", action="store_true", help="also time the 100-step SynFlow schedule (once)")
    ap.add_argument("--max-rss", action="store_true", help="add the process's peak resident memory (MB)")
    ap.add_argument("--input", default="3,32,32", help="image shape C,H,W (default 3,32,32)")
    ap.add_argument("--paced", action="store_true", help="take turns with a driver, call by call (one model and "
                    "one index; benchmarks/scoring_rounds.py --paired)")
    args = ap.parse_args()
    if args.paced and ("," in args.models or "," in args.indices or args.schedule):
        ap.error("--paced: one model and one index, no --schedule")
    try:
        shape = tuple(int(d) for d in args.input.split(","))
    except ValueError:
        shape = ()
    if len(shape) != 3 or min(shape) < 1:
        ap.error("--input: want C,H,W with three positive integers, got " + args.input)
    for name in args.models.split(","):
        torch.manual_seed(1)
        model = torch_models.init_reference_(torch_models.build(name, shape[0], 10)).train()
        x = torch.randn(args.batch, *shape)
        y = torch.arange(args.batch) % 10
        ones = [torch.ones_like(w, dtype=torch.float64) for w in prunable(model)]
        runs = {"snip": lambda: snip(model, x, y), "grasp": lambda: grasp(model, x, y),
                "synflow": lambda: synflow(model, ones, shape)}
        unknown = set(args.indices.split(",")) - set(runs)
        if unknown:
            ap.error("--indices: unknown index " + ", ".join(sorted(unknown)) + " (known: snip, grasp, synflow)")
        runs = {k: fn for k, fn in runs.items() if k in args.indices.split(",")}
        if args.schedule:
            runs["synflow-schedule"] = lambda: synflow_schedule(model, shape)
        for index, fn in runs.items():
            schedule = index == "synflow-schedule"
            times, cpu = timed(fn, 1 if schedule else args.calls, 0 if schedule else args.warmup, args.paced)
            r = {"benchmark": index + " " + name, "median_ms": round(statistics.median(times) * 1e3, 1),
                 "min_ms": round(min(times) * 1e3, 1), "cpu_median_ms": round(statistics.median(cpu) * 1e3, 1),
                 "cpu_min_ms": round(min(cpu) * 1e3, 1), "calls": len(times), "batch": args.batch,
                 "threads": torch.get_num_threads(),
                 "prunable_weights": sum(w.numel() for w in prunable(model))}
            if args.max_rss:
                # Linux reports KiB; MB here are 10^6 bytes, as in nnpan's bench output.
                r["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6, 1)
            print("JSON " + json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
