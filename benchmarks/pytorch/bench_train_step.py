#!/usr/bin/python3
"""PyTorch side of TrainStepBenchmark: one SGD step (forward, cross-entropy, backward, momentum update) at batch 128,
2 threads, for LeNet-5 (1x28x28), ResNet-20 and VGG-16-BN (3x32x32), using the model definitions the Java zoo is
checked against (tests/reference/torch_models.py). Prints one JSON line per model (prefix "JSON ") with the median;
with --max-rss the line also holds the process's peak resident memory (ru_maxrss, the figure nnpan's `bench`
compares against: run one model per process so the peak is that model's).

    /usr/bin/python3 benchmarks/pytorch/bench_train_step.py
    /usr/bin/python3 benchmarks/pytorch/bench_train_step.py --models resnet20 --max-rss
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "reference"))
import torch_models  # noqa: E402

torch.set_num_threads(2)


SHAPES = {"lenet5": (1, 28), "resnet20": (3, 32), "vgg16": (3, 32)}


def bench(name, channels, size, steps=20, warmup=5, max_rss=False):
    torch.manual_seed(1)
    model = torch_models.init_reference_(torch_models.build(name, channels, 10))
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(128, channels, size, size)
    y = torch.arange(128) % 10
    times = []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    r = {"benchmark": "train_step_" + name, "median_ms": round(statistics.median(times) * 1e3, 2),
         "min_ms": round(min(times) * 1e3, 2), "steps": steps, "threads": 2}
    if max_rss:
        # Linux reports KiB; MB here are 10^6 bytes, as in nnpan's bench output.
        r["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6, 1)
    print("JSON " + json.dumps(r), flush=True)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default=",".join(SHAPES), help="comma-separated subset of " + ", ".join(SHAPES))
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--max-rss", action="store_true", help="add the process's peak resident memory (MB)")
    args = ap.parse_args()
    for name in args.models.split(","):
        if name not in SHAPES:
            ap.error("--models: unknown model '%s'; valid: %s" % (name, ", ".join(SHAPES)))
        bench(name, *SHAPES[name], steps=args.steps, warmup=args.warmup, max_rss=args.max_rss)
