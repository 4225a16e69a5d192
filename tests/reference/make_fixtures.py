#!/usr/bin/python3
"""Generate the PyTorch reference fixtures the Java tests read.

    /usr/bin/python3 tests/reference/make_fixtures.py

writes into tests/src/test/resources/fixtures/:
    ops.safetensors       per-op forward / backward / double-backward references
    convnet.safetensors   small conv net with BatchNorm: losses, grads, Hg, SNIP/GraSP/SynFlow scores
    lenet5.safetensors    LeNet-5-Caffe on 20 Fashion-MNIST test images (or random data), same content
    model-params.json     state_dict names/shapes of the model zoo (see torch_models.py)

The contract (entry names, dtypes, metadata) is documented in tests/reference/README.md.
Everything is deterministic (fixed seeds, single thread). Inputs are float32 values stored as F32;
every reference value is computed in float64 from those float32 values and stored as F64.
"""

import gzip
import json
import os
import struct
import sys
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True   # keep tests/reference free of __pycache__
sys.path.insert(0, HERE)
import safetensors_io  # noqa: E402
import torch_models    # noqa: E402

OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "src", "test", "resources", "fixtures"))
FORMAT_VERSION = "1"
F32, F64, I64 = torch.float32, torch.float64, torch.int64

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


# ============================================================================ helpers

def randn(*shape):
    return torch.randn(tuple(shape), dtype=F32)


def uniform(lo, hi, *shape):
    return (torch.rand(tuple(shape), dtype=F32) * (hi - lo) + lo).to(F32)


def away_from(x, points, margin):
    """Push float32 values lying within ``margin`` of any of ``points`` away by 2*margin."""
    x = x.clone()
    for p in points:
        near = (x - p).abs() < margin
        x[near] = x[near] + torch.where(x[near] >= p, 2 * margin, -2 * margin).to(F32)
    for p in points:
        assert ((x - p).abs() >= margin).all()
    return x


def distinct(*shape):
    """Values with pairwise gaps >= 1/16 (no ties anywhere): a random permutation plus jitter, scaled."""
    n = 1
    for s in shape:
        n *= s
    perm = torch.randperm(n).to(F32)
    jitter = torch.rand(n, dtype=F32) * 0.5
    v = (perm + jitter - n / 2.0) / 8.0
    return v.to(F32).reshape(*shape)


def positive(*shape, lo=0.25, hi=2.5):
    return uniform(lo, hi, *shape)


def nonzero(*shape, margin=0.05):
    return away_from(randn(*shape), [0.0], margin)


def materialise(t):
    """Detached, contiguous, owning copy. Autograd in PyTorch 1.13 can return an "efficient zero
    tensor" (e.g. the double-backward of abs) that has no storage: turn it into real zeros."""
    t = t.detach()
    if t._is_zerotensor():
        return torch.zeros(t.shape, dtype=t.dtype)
    return t.contiguous().clone()


def dd(t):
    """float32 -> float64 copy (exact)."""
    return t.detach().to(F64)


# ============================================================================ ops.safetensors

class OpsBuilder:
    def __init__(self):
        self.tensors = OrderedDict()
        self.cases = []

    def put(self, key, t):
        assert key not in self.tensors, key
        self.tensors[key] = materialise(t)

    def case(self, name, op, params, inputs, fn, diff=None, extra_inputs=None, second_order=True):
        """inputs: list of float32 (or int64) tensors -> in0, in1, ...
        fn(list_of_float64_inputs, extras_f64) -> output tensor, or (output, {extra_out_name: tensor}).
        diff: indices of differentiable inputs (default: all float inputs). [] = forward only.
        extra_inputs: OrderedDict name -> float32 tensor, stored as <case>.<name>, passed (as float64)
        to fn; never differentiated."""
        assert all(c["case"] != name for c in self.cases), name
        extra_inputs = extra_inputs or OrderedDict()
        if diff is None:
            diff = [i for i, t in enumerate(inputs) if t.dtype == F32]
        names = ["in%d" % i for i in range(len(inputs))]
        for n, t in zip(names, inputs):
            assert t.dtype in (F32, I64)
            self.put("%s.%s" % (name, n), t)
        for n, t in extra_inputs.items():
            assert t.dtype == F32
            self.put("%s.%s" % (name, n), t)

        xs = []
        for i, t in enumerate(inputs):
            x = dd(t) if t.dtype == F32 else t.clone()
            if i in diff:
                x.requires_grad_(True)
            xs.append(x)
        ex = OrderedDict((k, dd(v)) for k, v in extra_inputs.items())
        res = fn(xs, ex)
        extra_out = OrderedDict()
        if isinstance(res, tuple):
            res, extra_out = res
        out = res
        outputs = ["out"]
        self.put("%s.out" % name, out if out.dtype == I64 else out.to(F64))
        for k, v in extra_out.items():
            self.put("%s.%s" % (name, k), v.to(F64))
            outputs.append(k)

        meta = OrderedDict([
            ("case", name), ("op", op), ("params", params), ("inputs", names),
            ("input_dtypes", ["F32" if t.dtype == F32 else "I64" for t in inputs]),
            ("input_shapes", [list(t.shape) for t in inputs]),
            ("differentiable_inputs", list(diff)),
            ("extra_inputs", list(extra_inputs.keys())),
            ("outputs", outputs),
            ("output_dtype", "I64" if out.dtype == I64 else "F64"),
            ("output_shape", list(out.shape)),
        ])
        grads, hvps, dirs = [], [], []
        if diff:
            gout = randn(*out.shape)
            self.put("%s.gout" % name, gout)
            dx = [xs[i] for i in diff]
            g = torch.autograd.grad((out * dd(gout)).sum(), dx, create_graph=second_order, allow_unused=True)
            g = [torch.zeros_like(x) if gi is None else gi for x, gi in zip(dx, g)]
            for i, gi in zip(diff, g):
                self.put("%s.grad_in%d" % (name, i), gi.detach())
                grads.append("grad_in%d" % i)
            if second_order:
                vs = [randn(*xs[i].shape) for i in diff]
                s = sum((gi * dd(v)).sum() for gi, v in zip(g, vs))
                if s.requires_grad:
                    h = torch.autograd.grad(s, dx, allow_unused=True)
                    h = [torch.zeros_like(x) if hi is None else hi for x, hi in zip(dx, h)]
                else:   # gradient does not depend on the inputs (linear op): Hessian is zero
                    h = [torch.zeros_like(x) for x in dx]
                for i, v, hi in zip(diff, vs, h):
                    self.put("%s.ggin%d" % (name, i), v)
                    self.put("%s.hvp_in%d" % (name, i), hi.detach())
                    dirs.append("ggin%d" % i)
                    hvps.append("hvp_in%d" % i)
        meta["gout"] = "gout" if diff else None
        meta["grads"] = grads
        meta["second_order"] = bool(diff) and second_order
        meta["hvp_directions"] = dirs
        meta["hvps"] = hvps
        self.cases.append(meta)


def build_ops():
    torch.manual_seed(1234)
    b = OpsBuilder()
    one = lambda f: (lambda xs, ex: f(*xs))   # noqa: E731

    # ---- binary arithmetic with NumPy broadcasting
    binops = [("add", torch.add), ("sub", torch.sub), ("mul", torch.mul), ("div", torch.div)]
    shape_pairs = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((3, 4), ())]
    for opname, f in binops:
        for sa, sb in shape_pairs:
            a = randn(*sa)
            c = randn(*sb) if opname != "div" else away_from(uniform(-2, 2, *sb), [0.0], 0.4)
            tag = lambda s: "x".join(map(str, s)) if s else "scalar"   # noqa: E731
            kind = "same" if sa == sb else "broadcast"
            b.case("%s_%s_%s_%s" % (opname, kind, tag(sa), tag(sb)), opname, {}, [a, c], one(f))

    # ---- unary elementwise
    b.case("neg_3x4", "neg", {}, [randn(3, 4)], one(torch.neg))
    b.case("abs_3x4", "abs", {}, [nonzero(3, 4, margin=0.05)], one(torch.abs))
    b.case("sign_3x4", "sign", {}, [nonzero(3, 4, margin=0.05)], one(torch.sign), diff=[])
    b.case("exp_3x4", "exp", {}, [uniform(-2, 2, 3, 4)], one(torch.exp))
    b.case("log_3x4", "log", {}, [positive(3, 4)], one(torch.log))
    b.case("sqrt_3x4", "sqrt", {}, [positive(3, 4)], one(torch.sqrt))
    b.case("pow_scalar2_3x4", "pow_scalar", {"exponent": 2.0}, [positive(3, 4)], one(lambda x: torch.pow(x, 2.0)))
    b.case("pow_scalar0.5_3x4", "pow_scalar", {"exponent": 0.5}, [positive(3, 4)],
           one(lambda x: torch.pow(x, 0.5)))
    b.case("pow_tensor_3x4_3x4", "pow_tensor", {}, [positive(3, 4), uniform(-1.5, 2.5, 3, 4)], one(torch.pow))
    b.case("clamp_-0.5_0.5_4x5", "clamp", {"min": -0.5, "max": 0.5},
           [away_from(uniform(-1, 1, 4, 5), [-0.5, 0.5], 0.01)],
           one(lambda x: torch.clamp(x, min=-0.5, max=0.5)))
    b.case("relu_4x5", "relu", {}, [nonzero(4, 5, margin=0.02)], one(F.relu))
    xr = nonzero(4, 5, margin=0.02)
    xr[0, 0] = 0.0
    xr[2, 3] = 0.0
    xr[3, 1] = -0.0
    b.case("relu_at_zero_4x5", "relu", {"ties": True, "note": "exact zeros in in0: relu'(0) = 0 in PyTorch"},
           [xr], one(F.relu))
    b.case("sigmoid_3x4", "sigmoid", {}, [randn(3, 4) * 2], one(torch.sigmoid))
    b.case("tanh_3x4", "tanh", {}, [randn(3, 4)], one(torch.tanh))

    # ---- selection
    cond = (torch.rand(3, 4) < 0.5).to(F32)
    b.case("where_3x4", "where", {"note": "extra input <case>.cond (F32 0/1): out = cond != 0 ? in0 : in1"}, [randn(3, 4), randn(3, 4)],
           lambda xs, ex: torch.where(ex["cond"] != 0, xs[0], xs[1]), extra_inputs=OrderedDict(cond=cond))
    a = randn(3, 4)
    c = a + away_from(randn(3, 4), [0.0], 0.05)
    b.case("maximum_3x4_3x4", "maximum", {}, [a, c], one(torch.maximum))

    # ---- reductions
    b.case("sum_dims02_keepdim_2x3x4", "sum", {"dim": [0, 2], "keepdim": True}, [randn(2, 3, 4)],
           one(lambda x: x.sum(dim=(0, 2), keepdim=True)))
    b.case("sum_dims02_2x3x4", "sum", {"dim": [0, 2], "keepdim": False}, [randn(2, 3, 4)],
           one(lambda x: x.sum(dim=(0, 2), keepdim=False)))
    b.case("sum_all_3x4", "sum", {"dim": None, "keepdim": False}, [randn(3, 4)], one(lambda x: x.sum()))
    b.case("mean_dim1_2x3x4", "mean", {"dim": [1], "keepdim": False}, [randn(2, 3, 4)],
           one(lambda x: x.mean(dim=1)))
    b.case("mean_all_3x4", "mean", {"dim": None, "keepdim": False}, [randn(3, 4)], one(lambda x: x.mean()))
    b.case("max_dim1_3x5", "max_dim", {"dim": 1, "keepdim": False, "returns": "values"}, [distinct(3, 5)],
           one(lambda x: torch.max(x, dim=1).values))
    b.case("min_dim0_4x3", "min_dim", {"dim": 0, "keepdim": False, "returns": "values"}, [distinct(4, 3)],
           one(lambda x: torch.min(x, dim=0).values))
    b.case("amax_dims02_2x3x4", "amax", {"dim": [0, 2], "keepdim": False}, [distinct(2, 3, 4)],
           one(lambda x: torch.amax(x, dim=(0, 2))))
    b.case("amax_dim1_keepdim_3x5", "amax", {"dim": [1], "keepdim": True}, [distinct(3, 5)],
           one(lambda x: torch.amax(x, dim=1, keepdim=True)))
    b.case("argmax_dim1_3x5", "argmax", {"dim": 1, "keepdim": False}, [distinct(3, 5)],
           one(lambda x: torch.argmax(x, dim=1)), diff=[])
    b.case("norm_l2_3x4", "norm", {"p": 2, "dim": None}, [randn(3, 4)], one(lambda x: torch.linalg.vector_norm(x)))
    b.case("sum_squares_3x4", "sum_squares", {}, [randn(3, 4)], one(lambda x: (x * x).sum()))

    # ---- matrix products
    b.case("matmul_5x7_7x3", "matmul", {}, [randn(5, 7), randn(7, 3)], one(torch.matmul))
    b.case("matmul_batched_2x3x4_2x4x5", "matmul", {}, [randn(2, 3, 4), randn(2, 4, 5)], one(torch.matmul))
    b.case("matmul_broadcast_2x3x4_4x5", "matmul", {}, [randn(2, 3, 4), randn(4, 5)], one(torch.matmul))
    b.case("linear_5x7_w3x7_b3", "linear", {"bias": True}, [randn(5, 7), randn(3, 7), randn(3)], one(F.linear))
    b.case("linear_nobias_5x7_w3x7", "linear", {"bias": False}, [randn(5, 7), randn(3, 7)],
           one(lambda x, w: F.linear(x, w)))

    # ---- convolution
    b.case("conv2d_2x3x7x7_w4x3x3x3_s1_p0_bias", "conv2d", {"stride": 1, "padding": 0, "bias": True},
           [randn(2, 3, 7, 7), randn(4, 3, 3, 3) * 0.3, randn(4)],
           one(lambda x, w, bb: F.conv2d(x, w, bb, stride=1, padding=0)))
    b.case("conv2d_2x3x7x7_w4x3x3x3_s2_p1_nobias", "conv2d", {"stride": 2, "padding": 1, "bias": False},
           [randn(2, 3, 7, 7), randn(4, 3, 3, 3) * 0.3],
           one(lambda x, w: F.conv2d(x, w, None, stride=2, padding=1)))
    b.case("conv2d_2x3x7x7_w4x3x1x1_s2_p0_nobias", "conv2d", {"stride": 2, "padding": 0, "bias": False},
           [randn(2, 3, 7, 7), randn(4, 3, 1, 1)],
           one(lambda x, w: F.conv2d(x, w, None, stride=2, padding=0)))

    # ---- pooling
    b.case("max_pool2d_k2_s2_2x3x6x6", "max_pool2d", {"kernel_size": 2, "stride": 2, "padding": 0},
           [distinct(2, 3, 6, 6)], one(lambda x: F.max_pool2d(x, 2, 2)))
    b.case("max_pool2d_k3_s2_p1_2x3x7x7", "max_pool2d", {"kernel_size": 3, "stride": 2, "padding": 1},
           [distinct(2, 3, 7, 7)], one(lambda x: F.max_pool2d(x, 3, 2, 1)))
    # deliberate exact ties (as in the constant background of real images): PyTorch (CPU) routes the
    # whole gradient of a window to its FIRST maximum in row-major window order (strict '>' scan)
    xt = distinct(1, 2, 4, 4)
    xt[0, 0, 0:2, 0:2] = 0.75          # window (0,0) of channel 0: 4-way tie
    xt[0, 0, 0:2, 2:4] = torch.tensor([[-1.0, 2.0], [2.0, 2.0]])   # window (0,1): 3-way tie, first at (0,3)
    xt[0, 1, 2:4, 2:4] = -0.5          # channel 1, window (1,1): 4-way tie on a negative value
    b.case("max_pool2d_k2_s2_ties_1x2x4x4", "max_pool2d",
           {"kernel_size": 2, "stride": 2, "padding": 0, "ties": True,
            "note": "exact ties: gradient goes to the first maximum of the window in row-major order"},
           [xt.to(F32)], one(lambda x: F.max_pool2d(x, 2, 2)))
    b.case("avg_pool2d_k2_s2_2x3x6x6", "avg_pool2d",
           {"kernel_size": 2, "stride": 2, "padding": 0, "count_include_pad": True},
           [randn(2, 3, 6, 6)], one(lambda x: F.avg_pool2d(x, 2, 2)))
    b.case("avg_pool2d_k3_s1_p1_2x3x5x5", "avg_pool2d",
           {"kernel_size": 3, "stride": 1, "padding": 1, "count_include_pad": True},
           [randn(2, 3, 5, 5)], one(lambda x: F.avg_pool2d(x, 3, 1, 1, count_include_pad=True)))
    b.case("adaptive_avg_pool2d_1x1_2x3x5x5", "adaptive_avg_pool2d", {"output_size": [1, 1]},
           [randn(2, 3, 5, 5)], one(lambda x: F.adaptive_avg_pool2d(x, (1, 1))))
    b.case("adaptive_avg_pool2d_2x2_2x3x5x5", "adaptive_avg_pool2d", {"output_size": [2, 2]},
           [randn(2, 3, 5, 5)], one(lambda x: F.adaptive_avg_pool2d(x, (2, 2))))

    # ---- batch norm
    def bn_case(name, shape, training):
        C = shape[1]
        x = randn(*shape) * 1.5 + 0.5
        w = uniform(0.5, 1.5, C)
        bb = randn(C) * 0.5
        rm = randn(C) * 0.2
        rv = uniform(0.5, 2.0, C)

        def fn(xs, ex):
            rmean = ex["running_mean_in"].clone()
            rvar = ex["running_var_in"].clone()
            y = F.batch_norm(xs[0], rmean, rvar, xs[1], xs[2], training=training, momentum=0.1, eps=1e-5)
            if training:
                return y, OrderedDict(running_mean_out=rmean, running_var_out=rvar)
            return y

        b.case(name, "batch_norm", {"training": training, "eps": 1e-5, "momentum": 0.1,
                                    "running_var_update": "unbiased" if training else None,
                                    "note": "in1 = weight (gamma), in2 = bias (beta); running stats update "
                                            "(training only): r <- (1-momentum)*r + momentum*batch_stat, "
                                            "with the UNBIASED batch variance; normalisation uses the "
                                            "biased variance"},
               [x, w, bb], fn, extra_inputs=OrderedDict(running_mean_in=rm, running_var_in=rv))

    bn_case("batch_norm_train_4x3x3x3", (4, 3, 3, 3), True)
    bn_case("batch_norm_train_8x5", (8, 5), True)
    bn_case("batch_norm_eval_4x3x3x3", (4, 3, 3, 3), False)

    # ---- softmax family / loss
    b.case("log_softmax_dim1_4x6", "log_softmax", {"dim": 1}, [randn(4, 6) * 2], one(lambda x: F.log_softmax(x, 1)))
    b.case("softmax_dim1_4x6", "softmax", {"dim": 1}, [randn(4, 6) * 2], one(lambda x: F.softmax(x, 1)))
    labels = torch.tensor([0, 3, 1, 4, 2, 3], dtype=I64)
    b.case("cross_entropy_mean_6x5", "cross_entropy", {"reduction": "mean"}, [randn(6, 5) * 2, labels],
           one(lambda x, y: F.cross_entropy(x, y, reduction="mean")))
    b.case("cross_entropy_sum_6x5", "cross_entropy", {"reduction": "sum"}, [randn(6, 5) * 2, labels.clone()],
           one(lambda x, y: F.cross_entropy(x, y, reduction="sum")))

    # ---- shape ops
    b.case("cat_dim1_2x3x4_2x2x4", "cat", {"dim": 1}, [randn(2, 3, 4), randn(2, 2, 4)],
           one(lambda p, q: torch.cat([p, q], dim=1)))
    b.case("pad_1_2_0_1_2x3x4x5", "pad", {"pad": [1, 2, 0, 1], "mode": "constant", "value": 0.0,
                                         "note": "F.pad order: (last-dim left, last-dim right, "
                                                 "second-last top, second-last bottom)"},
           [randn(2, 3, 4, 5)], one(lambda x: F.pad(x, (1, 2, 0, 1))))
    b.case("permute_021_2x3x4", "permute", {"dims": [0, 2, 1], "contiguous": True}, [randn(2, 3, 4)],
           one(lambda x: x.permute(0, 2, 1).contiguous()))
    b.case("transpose_01_3x5", "transpose", {"dim0": 0, "dim1": 1}, [randn(3, 5)],
           one(lambda x: x.transpose(0, 1).contiguous()))
    b.case("transpose_12_2x3x4", "transpose", {"dim0": 1, "dim1": 2}, [randn(2, 3, 4)],
           one(lambda x: x.transpose(1, 2).contiguous()))
    b.case("reshape_2x3x4_to_4x6", "reshape", {"shape": [4, 6]}, [randn(2, 3, 4)],
           one(lambda x: x.reshape(4, 6)))
    b.case("slice_dim1_1_3_4x5", "slice", {"dim": 1, "start": 1, "end": 3, "step": 1}, [randn(4, 5)],
           one(lambda x: x[:, 1:3].contiguous()))
    b.case("flatten_start1_2x3x4x5", "flatten", {"start_dim": 1, "end_dim": -1}, [randn(2, 3, 4, 5)],
           one(lambda x: torch.flatten(x, 1)))
    # Last, so the cases above keep their random draws. 64 channels each side on an even map: the shape nnpan's
    # float32 CPU path computes by Winograd F(2x2,3x3) (forward and input gradient); first order only, since the
    # second-order references of a 64x64x3x3 weight would double the file.
    b.case("conv2d_1x64x4x4_w64x64x3x3_s1_p1_nobias", "conv2d", {"stride": 1, "padding": 1, "bias": False},
           [randn(1, 64, 4, 4), randn(64, 64, 3, 3) * 0.05],
           one(lambda x, w: F.conv2d(x, w, None, stride=1, padding=1)), second_order=False)
    return b


# ============================================================================ network fixtures

class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 8, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.relu(self.bn2(self.conv2(x)))
        x = F.adaptive_avg_pool2d(x, 1)
        return self.fc(torch.flatten(x, 1))


def synflow_grads(model64, input_shape):
    """dR/dtheta of the 'linearised' copy: all parameters and BN running stats -> abs, BN eval,
    all-ones input of shape (1, *input_shape), R = sum of outputs. Returns {param name: grad}."""
    import copy
    m = copy.deepcopy(model64)
    m.eval()
    with torch.no_grad():
        for t in list(m.parameters()) + [b for n, b in m.named_buffers() if not n.endswith("num_batches_tracked")]:
            t.abs_()
    x = torch.ones(1, *input_shape, dtype=F64)
    r = m(x).sum()
    names = [n for n, _ in m.named_parameters()]
    gs = torch.autograd.grad(r, list(m.parameters()))
    return OrderedDict(zip(names, gs)), r.detach()


def net_fixture(model32, x32, y, prunable, ref_slices=None, extra_meta=None):
    """Compute the network reference entries. model32: float32 model (its parameters and buffers
    are the stored values); the reference runs on a float64 deep copy in train mode.
    ref_slices: {param name: rows} -> the F64 reference entries of that parameter hold only rows [0, rows)."""
    import copy
    ref_slices = ref_slices or {}
    t = OrderedDict()
    sd32 = model32.state_dict()
    pnames = [n for n, _ in model32.named_parameters()]
    bnames = [n for n, _ in model32.named_buffers() if not n.endswith("num_batches_tracked")]
    for n in pnames:
        t["param." + n] = sd32[n].detach().clone()
    for n in bnames:
        t["buffer." + n] = sd32[n].detach().clone()
    t["input"] = x32.clone()
    t["labels"] = y.clone()

    m = copy.deepcopy(model32).double()
    m.train()
    params = list(m.parameters())
    logits = m(dd(x32))                               # one train-mode forward (updates BN running stats once)
    t["logits"] = logits.detach().clone()
    for n in bnames:
        t["buffer_after." + n] = m.state_dict()[n].detach().clone()

    def cut(n, v):
        r = ref_slices.get(n)
        return v[:r].contiguous() if r is not None else v

    res = {}
    for T in (1, 200):
        loss = F.cross_entropy(logits / T, y)
        g = torch.autograd.grad(loss, params, create_graph=True)
        gg = 0.5 * sum((gi * gi).sum() for gi in g)
        hg = torch.autograd.grad(gg, params, retain_graph=True)
        t["loss.T%d" % T] = loss.detach().reshape(())
        for n, gi in zip(pnames, g):
            t["grad.T%d.%s" % (T, n)] = cut(n, gi.detach())
        for n, hi in zip(pnames, hg):
            t["hg.T%d.%s" % (T, n)] = cut(n, hi.detach())
        res[T] = (dict(zip(pnames, [gi.detach() for gi in g])), dict(zip(pnames, hg)))
        if T == 200:
            # GraSP-original variant: the gradient norm runs over the prunable weights only,
            # hgw = d(0.5 * sum_{w in prunable} g_w . g_w)/dw, reported for the prunable weights.
            gw = [gi for n, gi in zip(pnames, g) if n in prunable]
            ggw = 0.5 * sum((gi * gi).sum() for gi in gw)
            wparams = [p for n, p in zip(pnames, params) if n in prunable]
            hgw = torch.autograd.grad(ggw, wparams, retain_graph=True)
            for n, hi in zip(prunable, hgw):
                t["hgw.T200.%s" % n] = cut(n, hi.detach())
            res["hgw"] = dict(zip(prunable, hgw))

    theta = {n: dd(sd32[n]) for n in pnames}
    g200, hg200 = res[200]
    sf, r_value = synflow_grads(copy.deepcopy(model32).double(), tuple(x32.shape[1:]))
    for n in prunable:
        t["score.snip." + n] = cut(n, theta[n] * g200[n])
    for n in prunable:
        t["score.grasp." + n] = cut(n, theta[n] * hg200[n])
    for n in prunable:
        t["score.grasp_w." + n] = cut(n, theta[n] * res["hgw"][n])
    for n in prunable:
        t["score.synflow." + n] = cut(n, theta[n] * sf[n])
    t["synflow.R"] = r_value.reshape(())

    for k in list(t):
        t[k] = materialise(t[k])
    # everything that is a reference result is float64
    for k in list(t):
        if k.startswith(("logits", "loss.", "grad.", "hg.", "hgw.", "score.", "buffer_after.", "synflow.")):
            t[k] = t[k].to(F64)
    meta = OrderedDict([
        ("parameters", json.dumps([[n, list(sd32[n].shape)] for n in pnames])),
        ("buffers", json.dumps([[n, list(sd32[n].shape)] for n in bnames])),
        ("prunable", json.dumps(prunable)),
        ("temperatures", json.dumps([1, 200])),
        ("score_temperature", "200"),
        ("loss", "cross_entropy(logits / T, labels), reduction mean"),
        ("batchnorm", "train mode for logits/loss/grad/hg/snip/grasp (batch statistics; eps 1e-5, momentum 0.1); "
                      "buffer_after.* = running stats after that single forward"),
        ("hg", "g = dL/dtheta (create_graph); hg = d(0.5 * sum over ALL parameters of g.g)/dtheta, every "
               "parameter; score.grasp = theta * hg.T200"),
        ("hgw", "GraSP-original variant, T=200 only: hgw = d(0.5 * sum over the PRUNABLE weights of g_w.g_w)/dw "
                "for the prunable weights; score.grasp_w = theta * hgw.T200"),
        ("synflow", "copy of the net, all parameters and BN running stats replaced by abs values, BN eval, "
                    "input ones(1,C,H,W), R = sum(outputs) (stored as synflow.R); "
                    "score.synflow = theta (signed, original) * dR/dtheta"),
        ("sliced_references", json.dumps({n: {"dim": 0, "start": 0, "end": r} for n, r in ref_slices.items()})),
    ])
    if extra_meta:
        meta.update(extra_meta)
    return t, meta


def build_convnet():
    torch.manual_seed(2024)
    net = ConvNet()
    torch_models.init_reference_(net)
    x = randn(10, 3, 8, 8)
    y = torch.tensor([0, 1, 2, 3, 4, 0, 1, 2, 3, 4], dtype=I64)
    perm = torch.randperm(10)
    y = y[perm].contiguous()
    return net_fixture(net, x, y, ["conv1.weight", "conv2.weight", "fc.weight"],
                       extra_meta={"model": "conv1 Conv2d(3,4,3,p1,nobias) -> bn1 -> relu -> maxpool2 -> "
                                            "conv2 Conv2d(4,8,3,p1,nobias) -> bn2 -> relu -> adaptive_avg_pool(1) "
                                            "-> flatten -> fc Linear(8,5)",
                                   "init": "reference protocol: conv kaiming_normal fan_out relu, linear N(0,0.01), "
                                           "bias 0, BN weight 1 bias 0",
                                   "data": "random normal input 10x3x8x8, labels 2 per class (5 classes), shuffled"})


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, = struct.unpack(">I", raw[:4])
    nd = magic & 0xFF
    dims = struct.unpack(">" + "I" * nd, raw[4:4 + 4 * nd])
    data = torch.frombuffer(bytearray(raw[4 + 4 * nd:]), dtype=torch.uint8)
    return data.reshape(*dims)


def lenet5_data():
    d = "/usr/share/datasets/fashion-mnist"
    try:
        imgs = _read_idx(os.path.join(d, "t10k-images-idx3-ubyte.gz"))
        labs = _read_idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz")).to(I64)
    except (OSError, ValueError):
        torch.manual_seed(77)
        x = randn(20, 1, 28, 28)
        y = torch.arange(10, dtype=I64).repeat_interleave(2)
        return x, y, "random normal 20x1x28x28 (Fashion-MNIST not found), labels 2 per class"
    idx = []
    for c in range(10):
        idx += (labs == c).nonzero().flatten()[:2].tolist()
    idx.sort()
    x = (imgs[idx].to(F32) / 255.0 - 0.2860) / 0.3530   # float32 arithmetic; stored values are the input
    x = x.to(F32).reshape(20, 1, 28, 28)
    return x, labs[idx].clone(), ("Fashion-MNIST test set (t10k), the first 2 examples of every class, in "
                                  "test-set order; indices %s; pixel/255 normalised with mean 0.2860 std "
                                  "0.3530 in float32" % idx)


def build_lenet5():
    x, y, desc = lenet5_data()
    torch.manual_seed(5)
    net = torch_models.LeNet5()   # PyTorch default init
    return net_fixture(net, x, y, torch_models.prunable_names(net), ref_slices={"fc3.weight": 48},
                       extra_meta={"model": "LeNet-5-Caffe (tests/reference/torch_models.py LeNet5)",
                                   "init": "PyTorch default init, torch.manual_seed(5)",
                                   "data": desc})


# ============================================================================ main

def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    common = OrderedDict([("format_version", FORMAT_VERSION), ("generator", "tests/reference/make_fixtures.py"),
                          ("torch_version", torch.__version__)])

    ops = build_ops()
    meta = OrderedDict(common)
    meta["cases"] = json.dumps(ops.cases, separators=(",", ":"))
    path = os.path.join(OUT_DIR, "ops.safetensors")
    safetensors_io.save_file(ops.tensors, path, meta)
    print("%-22s %4d cases %5d tensors %9d bytes" % ("ops.safetensors", len(ops.cases), len(ops.tensors),
                                                        os.path.getsize(path)))

    for fname, builder in (("convnet.safetensors", build_convnet), ("lenet5.safetensors", build_lenet5)):
        t, m = builder()
        meta = OrderedDict(common)
        meta.update(m)
        path = os.path.join(OUT_DIR, fname)
        safetensors_io.save_file(t, path, meta)
        print("%-22s %5d tensors %9d bytes" % (fname, len(t), os.path.getsize(path)))

    torch_models.write_model_params(os.path.join(OUT_DIR, "model-params.json"))
    print("%-22s %9d bytes" % ("model-params.json", os.path.getsize(os.path.join(OUT_DIR, "model-params.json"))))


if __name__ == "__main__":
    main()
