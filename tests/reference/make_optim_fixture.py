#!/usr/bin/python3
"""Generate the PyTorch reference for the optimizers: a few steps of torch.optim.SGD, Adam and AdamW.

    /usr/bin/python3 tests/reference/make_optim_fixture.py

writes tests/src/test/resources/fixtures/optim.safetensors (a few KB; deterministic, single thread).
OptimGoldenTest replays every case with the Java optimizers and compares after every step.

Contract. Each case updates two parameters, p0 [3, 4] (a weight) and p1 [5] (a bias), for STEPS steps with
the gradients given, setting the learning rate before every step as a schedule would. All entries are F32:
the reference is PyTorch's own float32 arithmetic, which the Java float32 loops reproduce to rounding.

    <case>.<p>.init          initial value
    <case>.<p>.grad<k>       gradient of step k (k = 0 .. STEPS-1)
    <case>.<p>.after<k>      value after step k
    <case>.<p>.<state>       optimizer state after the last step, under PyTorch's names
                             (momentum_buffer; exp_avg, exp_avg_sq)
    <case>.<p>.mask          0/1 pruning mask, only for the parameters listed in "masked"

A masked case mimics what the Java engine does for a pruned weight: the initial value is zeroed where the mask
is 0 (W = W*M) and every gradient is multiplied by the mask (the forward pass computes with W*M). PyTorch then
keeps those weights exactly at 0, which the Java optimizers must reproduce.

__metadata__["cases"] is a JSON list, one object per case:
    {"case": "sgd_nesterov_wd", "optimizer": "sgd" | "adam" | "adamw",
     "hyperparameters": {...PyTorch keyword arguments except lr...},
     "lrs": [lr of step 0, ...], "params": ["p0", "p1"], "masked": ["p0"] or [],
     "state": ["momentum_buffer"] or ["exp_avg", "exp_avg_sq"] or []}
plus format_version, generator and torch_version.
"""

import json
import os
import sys
from collections import OrderedDict

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True   # keep tests/reference free of __pycache__
sys.path.insert(0, HERE)
import safetensors_io  # noqa: E402

OUT = os.path.normpath(os.path.join(HERE, "..", "src", "test", "resources", "fixtures", "optim.safetensors"))
STEPS = 5
LRS_SGD = [0.1, 0.05, 0.02, 0.1, 0.07]
LRS_ADAM = [0.01, 0.005, 0.02, 0.01, 0.003]
SHAPES = OrderedDict([("p0", (3, 4)), ("p1", (5,))])

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

# (case, optimizer, hyperparameters, masked parameters)
CASES = [
    ("sgd_plain", "sgd", {"momentum": 0.0, "weight_decay": 0.0, "nesterov": False}, []),
    ("sgd_momentum_wd", "sgd", {"momentum": 0.9, "weight_decay": 0.05, "nesterov": False}, []),
    ("sgd_nesterov_wd", "sgd", {"momentum": 0.9, "weight_decay": 0.05, "nesterov": True}, []),
    ("sgd_nesterov_wd_masked", "sgd", {"momentum": 0.9, "weight_decay": 0.05, "nesterov": True}, ["p0"]),
    ("adam", "adam", {"betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.0}, []),
    # A large eps makes its placement visible: PyTorch adds it after the bias correction of sqrt(v).
    ("adam_large_eps", "adam", {"betas": [0.9, 0.999], "eps": 1e-2, "weight_decay": 0.0}, []),
    ("adam_wd", "adam", {"betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.05}, []),
    ("adamw", "adamw", {"betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.05}, []),
    ("adamw_masked", "adamw", {"betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.05}, ["p0"]),
]
STATE = {"sgd": ["momentum_buffer"], "adam": ["exp_avg", "exp_avg_sq"], "adamw": ["exp_avg", "exp_avg_sq"]}


def make_optimizer(name, params, hyper, lr):
    kwargs = dict(hyper)
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[name]
    return cls(params, lr=lr, **kwargs)


def build():
    tensors = OrderedDict()
    cases = []
    for case, name, hyper, masked in CASES:
        lrs = LRS_SGD if name == "sgd" else LRS_ADAM
        params = OrderedDict()
        masks = {}
        for p, shape in SHAPES.items():
            value = torch.randn(shape, dtype=torch.float32)
            if p in masked:
                masks[p] = (torch.rand(shape) < 0.5).to(torch.float32)
                value = torch.where(masks[p] != 0, value, torch.zeros(()))
                tensors["%s.%s.mask" % (case, p)] = masks[p]
            tensors["%s.%s.init" % (case, p)] = value.clone()
            params[p] = torch.nn.Parameter(value.clone())
        opt = make_optimizer(name, list(params.values()), hyper, lrs[0])
        for k in range(STEPS):
            for group in opt.param_groups:
                group["lr"] = lrs[k]
            for p, param in params.items():
                grad = torch.randn(SHAPES[p], dtype=torch.float32)
                if p in masks:
                    grad = grad * masks[p]
                tensors["%s.%s.grad%d" % (case, p, k)] = grad.clone()
                param.grad = grad.clone()
            opt.step()
            for p, param in params.items():
                tensors["%s.%s.after%d" % (case, p, k)] = param.detach().clone()
        for p, param in params.items():
            for s in STATE[name]:
                buf = opt.state[param].get(s)
                if buf is None:   # SGD without momentum keeps no buffer
                    continue
                tensors["%s.%s.%s" % (case, p, s)] = buf.clone()
            if p in masks:
                assert torch.all(param.detach()[masks[p] == 0] == 0), case
        state = [s for s in STATE[name] if opt.state[params["p0"]].get(s) is not None]
        cases.append(OrderedDict([("case", case), ("optimizer", name), ("hyperparameters", hyper), ("lrs", lrs),
                                  ("params", list(SHAPES)), ("masked", masked), ("state", state)]))
    return tensors, cases


def main():
    torch.manual_seed(20260101)
    tensors, cases = build()
    metadata = OrderedDict([("format_version", "1"), ("generator", "tests/reference/make_optim_fixture.py"),
                            ("torch_version", torch.__version__), ("cases", json.dumps(cases))])
    safetensors_io.save_file(tensors, OUT, metadata)
    print("wrote %s: %d cases, %d tensors, %d bytes" % (OUT, len(cases), len(tensors), os.path.getsize(OUT)))


if __name__ == "__main__":
    main()
