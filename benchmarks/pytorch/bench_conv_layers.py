#!/usr/bin/python3
"""PyTorch twin of nnpan's ConvCpuTime harness at VGG-19's convolution shapes (issue 4's gap map).

For each distinct 3x3, padding-1 convolution of VGG-19 on CIFAR-shaped images (batch 100 by default), times
the three operations a SNIP call runs, each on its own:

  fwd          F.conv2d(x, w, padding=1)
  input grad   torch.autograd.grad(y, x, gy, retain_graph=True)   (only x requires grad)
  weight grad  torch.autograd.grad(y, w, gy, retain_graph=True)   (only w requires grad)

with torch.set_num_threads(T) for every T in --threads, in --rounds rounds (PyTorch's 2-thread times swing
between rounds: its OpenMP threads spin-wait for each other on a shared machine). Reports, per operation,
the median wall ms and the median process CPU ms (time.process_time: every thread, spinning included) of
--reps calls after --warmup, and G multiply-adds per wall second.

    /usr/bin/python3 benchmarks/pytorch/bench_conv_layers.py [--threads 1,2] [--rounds 2] [--batch 100]
"""

import argparse
import os
import statistics
import time

import torch
import torch.nn.functional as F

# VGG-19's distinct convolutions on 32x32 inputs: (in channels, out channels, map size), as "in:outxsize".
VGG19_LAYERS = "3:64x32,64:64x32,64:128x16,128:128x16,128:256x8,256:256x8,256:512x4,512:512x4,512:512x2"


def timed(fn, warmup, reps):
    """Median wall and process-CPU milliseconds of reps calls after warmup calls."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(reps):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - w0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    return statistics.median(wall), statistics.median(cpu)


def layer_ops(c_in, c_out, size, batch):
    """The three timed operations of one layer, as closures over fixed random tensors."""
    g = torch.Generator().manual_seed(1)
    x = torch.randn(batch, c_in, size, size, generator=g)
    w = torch.randn(c_out, c_in, 3, 3, generator=g) * 0.1
    gy = torch.randn(batch, c_out, size, size, generator=g)
    xg = x.clone().requires_grad_(True)
    y_x = F.conv2d(xg, w, padding=1)
    wg = w.clone().requires_grad_(True)
    y_w = F.conv2d(x, wg, padding=1)

    def fwd():
        with torch.no_grad():
            F.conv2d(x, w, padding=1)

    return {
        "fwd": fwd,
        "input grad": lambda: torch.autograd.grad(y_x, xg, gy, retain_graph=True),
        "weight grad": lambda: torch.autograd.grad(y_w, wg, gy, retain_graph=True),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layers", default=VGG19_LAYERS, help="comma-separated in:outxsize (default: VGG-19's)")
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--threads", default="1,2", help="comma-separated torch.set_num_threads values")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--reps", type=int, default=7)
    args = ap.parse_args()
    print("torch %s, mkldnn enabled=%s, batch %d, load average %.2f %.2f %.2f" % (
        torch.__version__, torch.backends.mkldnn.enabled, args.batch, *os.getloadavg()))
    for rnd in range(1, args.rounds + 1):
        for threads in (int(t) for t in args.threads.split(",")):
            torch.set_num_threads(threads)
            print("round %d, %d thread(s): median wall ms / process CPU ms (G multiply-adds per wall second)"
                  % (rnd, threads))
            for layer in args.layers.split(","):
                channels, size = layer.split("x")
                c_in, c_out = (int(c) for c in channels.split(":"))
                size = int(size)
                gmuladds = args.batch * c_out * c_in * 9 * size * size / 1e9
                cells = []
                for name, fn in layer_ops(c_in, c_out, size, args.batch).items():
                    wall, cpu = timed(fn, args.warmup, args.reps)
                    cells.append("%s %7.1f / %7.1f (%5.1f G/s)" % (name, wall, cpu, gmuladds / wall * 1e3))
                print("%-9s %s" % (layer, "  ".join(cells)), flush=True)
    print("load average at end %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    main()
