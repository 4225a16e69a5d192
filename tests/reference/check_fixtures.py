#!/usr/bin/python3
"""Independent self-check of the generated fixtures (run after make_fixtures.py).

    /usr/bin/python3 tests/reference/check_fixtures.py

* ops.safetensors: every case is re-evaluated from its metadata only (op name + params, through an
  interpreter written separately from make_fixtures.py) and compared with the stored output; every
  stored gradient is checked against central finite differences of sum(out * gout), and every
  stored Hessian-vector product against central finite differences of the gradient along the
  stored directions. BatchNorm running-stat updates are recomputed by hand.
* convnet / lenet5: logits recomputed by loading the stored parameters into fresh modules; loss
  recomputed from logits; grad checked by a directional finite difference; hg / hgw checked by finite
  differences of the gradient along g; scores checked against theta * (grad | hg | hgw); SynFlow R and
  its gradient checked by a manual abs-network forward and finite differences; BN running stats
  after the forward recomputed by hand.
Exits non-zero on any mismatch.
"""

import copy
import json
import os
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True   # keep tests/reference free of __pycache__
sys.path.insert(0, HERE)
import safetensors_io  # noqa: E402
import torch_models    # noqa: E402
import make_fixtures   # noqa: E402

FIX = make_fixtures.OUT_DIR
D = torch.float64
failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL", msg)


def close(a, b, rtol, atol):
    a, b = a.to(D), b.to(D)
    return a.shape == b.shape and bool(((a - b).abs() <= atol + rtol * b.abs()).all())


def maxerr(a, b):
    return (a.to(D) - b.to(D)).abs().max().item() if a.numel() else 0.0


# ---------------------------------------------------------------- op interpreter (from metadata)

def run_op(op, p, xs, ex):
    if op in ("add", "sub", "mul", "div"):
        return {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div}[op](xs[0], xs[1])
    unary = {"neg": torch.neg, "abs": torch.abs, "sign": torch.sign, "exp": torch.exp, "log": torch.log,
             "sqrt": torch.sqrt, "relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}
    if op in unary:
        return unary[op](xs[0])
    if op == "pow_scalar":
        return xs[0] ** p["exponent"]
    if op == "pow_tensor":
        return xs[0] ** xs[1]
    if op == "clamp":
        return xs[0].clamp(p["min"], p["max"])
    if op == "where":
        return torch.where(ex["cond"] != 0, xs[0], xs[1])
    if op == "maximum":
        return torch.maximum(xs[0], xs[1])
    if op in ("sum", "mean"):
        f = torch.sum if op == "sum" else torch.mean
        return f(xs[0]) if p["dim"] is None else f(xs[0], dim=tuple(p["dim"]), keepdim=p["keepdim"])
    if op == "max_dim":
        return xs[0].max(dim=p["dim"], keepdim=p["keepdim"])[0]
    if op == "min_dim":
        return xs[0].min(dim=p["dim"], keepdim=p["keepdim"])[0]
    if op == "amax":
        return xs[0].amax(dim=tuple(p["dim"]), keepdim=p["keepdim"])
    if op == "argmax":
        return xs[0].argmax(dim=p["dim"], keepdim=p["keepdim"])
    if op == "norm":
        return (xs[0] * xs[0]).sum().sqrt()
    if op == "sum_squares":
        return (xs[0] ** 2).sum()
    if op == "matmul":
        return xs[0] @ xs[1]
    if op == "linear":
        y = xs[0] @ xs[1].t()
        return y + xs[2] if p["bias"] else y
    if op == "conv2d":
        return F.conv2d(xs[0], xs[1], xs[2] if p["bias"] else None, stride=p["stride"], padding=p["padding"])
    if op == "max_pool2d":
        return F.max_pool2d(xs[0], p["kernel_size"], p["stride"], p["padding"])
    if op == "avg_pool2d":
        return F.avg_pool2d(xs[0], p["kernel_size"], p["stride"], p["padding"],
                            count_include_pad=p["count_include_pad"])
    if op == "adaptive_avg_pool2d":
        return F.adaptive_avg_pool2d(xs[0], tuple(p["output_size"]))
    if op == "batch_norm":
        x, w, b = xs
        shape = [1, -1] + [1] * (x.dim() - 2)
        if p["training"]:
            dims = [0] + list(range(2, x.dim()))
            mu = x.mean(dim=dims)
            var = ((x - mu.reshape(shape)) ** 2).mean(dim=dims)
        else:
            mu, var = ex["running_mean_in"], ex["running_var_in"]
        return (x - mu.reshape(shape)) / (var.reshape(shape) + p["eps"]).sqrt() * w.reshape(shape) + b.reshape(shape)
    if op == "log_softmax":
        return xs[0] - xs[0].logsumexp(dim=p["dim"], keepdim=True)
    if op == "softmax":
        e = (xs[0] - xs[0].amax(dim=p["dim"], keepdim=True)).exp()
        return e / e.sum(dim=p["dim"], keepdim=True)
    if op == "cross_entropy":
        lp = xs[0] - xs[0].logsumexp(dim=1, keepdim=True)
        nll = -lp.gather(1, xs[1].reshape(-1, 1)).reshape(-1)
        return nll.mean() if p["reduction"] == "mean" else nll.sum()
    if op == "cat":
        return torch.cat(xs, dim=p["dim"])
    if op == "pad":
        return F.pad(xs[0], tuple(p["pad"]), value=p["value"])
    if op == "permute":
        return xs[0].permute(*p["dims"])
    if op == "transpose":
        return xs[0].transpose(p["dim0"], p["dim1"])
    if op == "reshape":
        return xs[0].reshape(*p["shape"])
    if op == "slice":
        idx = [slice(None)] * xs[0].dim()
        idx[p["dim"]] = slice(p["start"], p["end"], p["step"])
        return xs[0][tuple(idx)]
    if op == "flatten":
        return torch.flatten(xs[0], p["start_dim"], p["end_dim"])
    raise ValueError(op)


def flat_grad(fun, xs, idx):
    """gradient of scalar fun(xs) w.r.t. xs[i], i in idx (autograd on the interpreter)."""
    xs = [x.clone().requires_grad_(i in idx) for i, x in enumerate(xs)]
    y = fun(xs)
    g = torch.autograd.grad(y, [xs[i] for i in idx], allow_unused=True)
    return [torch.zeros_like(xs[i]) if gi is None else gi for i, gi in zip(idx, g)]


def check_ops():
    t, meta = safetensors_io.load_file(os.path.join(FIX, "ops.safetensors"))
    cases = json.loads(meta["cases"])
    used = set()
    for c in cases:
        name, op, p = c["case"], c["op"], c["params"]
        key = lambda s: "%s.%s" % (name, s)   # noqa: E731
        xs = [t[key(n)].to(D) if t[key(n)].dtype != torch.int64 else t[key(n)] for n in c["inputs"]]
        ex = {n: t[key(n)].to(D) for n in c["extra_inputs"]}
        used.update(key(n) for n in c["inputs"] + c["extra_inputs"] + c["outputs"])
        out = run_op(op, p, xs, ex)
        ref = t[key("out")]
        if ref.dtype == torch.int64:
            check(torch.equal(out, ref), name + ": out")
        else:
            check(close(out, ref, 1e-12, 1e-13), "%s: out err %.3g" % (name, maxerr(out, ref)))
        if op == "batch_norm" and p["training"]:
            x = xs[0]
            dims = [0] + list(range(2, x.dim()))
            n = x.numel() // x.shape[1]
            mu = x.mean(dim=dims)
            var_u = ((x - mu.reshape([1, -1] + [1] * (x.dim() - 2))) ** 2).sum(dim=dims) / (n - 1)
            m = p["momentum"]
            check(close((1 - m) * ex["running_mean_in"] + m * mu, t[key("running_mean_out")], 1e-12, 1e-14),
                  name + ": running_mean_out")
            check(close((1 - m) * ex["running_var_in"] + m * var_u, t[key("running_var_out")], 1e-12, 1e-14),
                  name + ": running_var_out (unbiased)")
        diff = c["differentiable_inputs"]
        if not diff:
            continue
        gout = t[key("gout")].to(D)
        used.add(key("gout"))
        L = lambda v: (run_op(op, p, v, ex) * gout).sum()   # noqa: E731
        # gradients: autograd on the interpreter + finite differences
        ga = flat_grad(L, xs, diff)
        eps = 1e-6
        for i, gi in zip(diff, ga):
            r = t[key("grad_in%d" % i)]
            used.add(key("grad_in%d" % i))
            check(close(gi, r, 1e-10, 1e-12), "%s: grad_in%d vs autograd err %.3g" % (name, i, maxerr(gi, r)))
            if p.get("ties"):
                continue   # not differentiable at the ties: finite differences are meaningless
            fd = torch.zeros_like(xs[i]).reshape(-1)
            for j in range(fd.numel()):
                xp = [x.clone() for x in xs]
                xm = [x.clone() for x in xs]
                xp[i].view(-1)[j] += eps
                xm[i].view(-1)[j] -= eps
                fd[j] = (L(xp) - L(xm)) / (2 * eps)
            check(close(fd.reshape(r.shape), r, 1e-6, 1e-7),
                  "%s: grad_in%d vs finite differences err %.3g" % (name, i, maxerr(fd.reshape(r.shape), r)))
        if c["second_order"]:
            vs = {i: t[key("ggin%d" % i)].to(D) for i in diff}
            h = 1e-5

            def G(shift):
                xx = [x.clone() for x in xs]
                for i in diff:
                    xx[i] = xx[i] + shift * vs[i]
                return flat_grad(L, xx, diff)
            if p.get("ties"):
                for i in diff:
                    used.update([key("hvp_in%d" % i), key("ggin%d" % i)])
                    check(bool((t[key("hvp_in%d" % i)] == 0).all()), name + ": hvp must be zero")
                continue
            gp, gm = G(h), G(-h)
            for k, i in enumerate(diff):
                r = t[key("hvp_in%d" % i)]
                used.update([key("hvp_in%d" % i), key("ggin%d" % i)])
                fd = (gp[k] - gm[k]) / (2 * h)
                check(close(fd, r, 1e-5, 1e-6), "%s: hvp_in%d vs finite differences err %.3g" % (name, i, maxerr(fd, r)))
    check(used == set(t.keys()), "ops: entries not described by metadata: %s" % sorted(set(t) - used)[:5])
    print("ops.safetensors: %d cases checked" % len(cases))


# ---------------------------------------------------------------- networks

def load_net(fname):
    t, meta = safetensors_io.load_file(os.path.join(FIX, fname))
    if fname.startswith("convnet"):
        net = make_fixtures.ConvNet()
    else:
        net = torch_models.LeNet5()
    sd = net.state_dict()
    for n in sd:
        if n.endswith("num_batches_tracked"):
            continue
        pref = "param." if ("param." + n) in t else "buffer."
        sd[n] = t[pref + n]
    net.load_state_dict(sd)
    return net.double(), t, meta


def check_net(fname):
    net, t, meta = load_net(fname)
    prunable = json.loads(meta["prunable"])
    slices = json.loads(meta["sliced_references"])
    pnames = [n for n, _ in net.named_parameters()]
    x, y = t["input"].to(D), t["labels"]

    def cut(n, v):
        return v[:slices[n]["end"]] if n in slices else v

    def loss_and_grad(params_override, T, create_graph=False):
        m = copy.deepcopy(net)
        m.train()
        with torch.no_grad():
            for (n, p_) in m.named_parameters():
                p_.copy_(params_override[n])
        ps = list(m.parameters())
        loss = F.cross_entropy(m(x) / T, y)
        g = torch.autograd.grad(loss, ps, create_graph=create_graph)
        return loss, dict(zip(pnames, g)), m

    theta = {n: p.detach().clone() for n, p in net.named_parameters()}
    m = copy.deepcopy(net)
    m.train()
    logits = m(x)
    check(close(logits, t["logits"], 1e-12, 1e-13), fname + ": logits")
    # BN running stats after one train-mode forward, by hand
    for n, b in m.named_buffers():
        if n.endswith("num_batches_tracked"):
            continue
        check(close(b, t["buffer_after." + n], 1e-12, 1e-14), fname + ": buffer_after." + n)
    for T in (1, 200):
        lp = logits / T - (logits / T).logsumexp(1, keepdim=True)
        loss = -lp.gather(1, y.reshape(-1, 1)).mean()
        check(close(loss, t["loss.T%d" % T], 1e-12, 1e-14), "%s: loss.T%d" % (fname, T))
        _, g, _ = loss_and_grad(theta, T)
        # directional finite difference of the loss along a random direction
        torch.manual_seed(0)
        d = {n: torch.randn_like(v) for n, v in theta.items()}
        eps = 1e-7   # small: real images give many max-pool/ReLU kinks nearby
        lp_, _, _ = loss_and_grad({n: theta[n] + eps * d[n] for n in pnames}, T)
        lm_, _, _ = loss_and_grad({n: theta[n] - eps * d[n] for n in pnames}, T)
        fd = (lp_ - lm_) / (2 * eps)
        an = sum((g[n] * d[n]).sum() for n in pnames)
        check(abs(fd - an) <= 1e-6 * abs(an) + 1e-14 / eps, "%s: T%d directional derivative %g vs %g" % (fname, T, fd, an))
        for n in pnames:
            check(close(cut(n, g[n]), t["grad.T%d.%s" % (T, n)], 1e-10, 1e-14), "%s: grad.T%d.%s" % (fname, T, n))
        # Hg = H g by finite differences of the gradient along g
        h = 1e-7 / max(float(g[n].abs().max()) for n in pnames)   # max |step| = 1e-7
        _, gp, _ = loss_and_grad({n: theta[n] + h * g[n] for n in pnames}, T)
        _, gm, _ = loss_and_grad({n: theta[n] - h * g[n] for n in pnames}, T)
        for n in pnames:
            fdh = (gp[n] - gm[n]) / (2 * h)
            r = t["hg.T%d.%s" % (T, n)]
            scale = r.abs().max().item()
            check(close(cut(n, fdh), r, 1e-4, 1e-6 * scale + 1e-300),
                  "%s: hg.T%d.%s vs finite differences err %.3g (scale %.3g)" % (fname, T, n, maxerr(cut(n, fdh), r), scale))
        if T == 200:
            # GraSP-original variant: direction = g restricted to the prunable weights
            gw = {n: (g[n] if n in prunable else torch.zeros_like(g[n])) for n in pnames}
            h = 1e-7 / max(float(gw[n].abs().max()) for n in pnames)
            _, gp, _ = loss_and_grad({n: theta[n] + h * gw[n] for n in pnames}, T)
            _, gm, _ = loss_and_grad({n: theta[n] - h * gw[n] for n in pnames}, T)
            for n in prunable:
                fdh = (gp[n] - gm[n]) / (2 * h)
                r = t["hgw.T200." + n]
                scale = r.abs().max().item()
                check(close(cut(n, fdh), r, 1e-4, 1e-6 * scale), "%s: hgw.T200.%s err %.3g" % (fname, n, maxerr(cut(n, fdh), r)))
            for n in prunable:
                th = cut(n, theta[n])
                check(close(th * t["grad.T200." + n], t["score.snip." + n], 1e-15, 0), fname + ": score.snip." + n)
                check(close(th * t["hg.T200." + n], t["score.grasp." + n], 1e-15, 0), fname + ": score.grasp." + n)
                check(close(th * t["hgw.T200." + n], t["score.grasp_w." + n], 1e-15, 0), fname + ": score.grasp_w." + n)
    # SynFlow: manual abs network, BN eval, all-ones input
    a = copy.deepcopy(net)
    a.eval()
    with torch.no_grad():
        for p_ in a.parameters():
            p_.abs_()
        for n, b in a.named_buffers():
            if not n.endswith("num_batches_tracked"):
                b.abs_()
    ones = torch.ones(1, *x.shape[1:], dtype=D)
    R = a(ones).sum()
    check(close(R, t["synflow.R"], 1e-12, 0), fname + ": synflow.R")
    gs = torch.autograd.grad(R, list(a.parameters()))
    gsd = dict(zip(pnames, gs))
    for n in prunable:
        check(close(cut(n, theta[n] * gsd[n]), t["score.synflow." + n], 1e-12, 1e-300), fname + ": score.synflow." + n)
        check(bool((gsd[n] >= 0).all()), fname + ": synflow gradient non-negative " + n)
    # a few finite-difference probes of dR/d|theta|
    n = prunable[0]
    for j in (0, 7, 13):
        def Rat(delta):
            b_ = copy.deepcopy(a)
            with torch.no_grad():
                dict(b_.named_parameters())[n].view(-1)[j] += delta
            return b_(ones).sum()
        e = 1e-6 * max(1.0, abs(float(dict(a.named_parameters())[n].view(-1)[j])))
        fd = (Rat(e) - Rat(-e)) / (2 * e)
        check(abs(fd - gsd[n].view(-1)[j]) <= 1e-5 * abs(gsd[n].view(-1)[j]) + 1e-9, "%s: synflow fd %s[%d]" % (fname, n, j))
    print("%s: checked (loss T1 %.6f, T200 %.6f, synflow R %.6g)" % (
        fname, t["loss.T1"].item(), t["loss.T200"].item(), t["synflow.R"].item()))


def check_sizes():
    for f, lim in (("ops.safetensors", 2 << 20), ("convnet.safetensors", 2 << 20),
                   ("lenet5.safetensors", 8 << 20), ("model-params.json", 2 << 20)):
        s = os.path.getsize(os.path.join(FIX, f))
        check(s <= lim, "%s is %d bytes (> %d)" % (f, s, lim))


if __name__ == "__main__":
    torch.set_num_threads(1)
    check_sizes()
    check_ops()
    check_net("convnet.safetensors")
    check_net("lenet5.safetensors")
    if failures:
        print("%d FAILURES" % len(failures))
        sys.exit(1)
    print("all fixture checks passed")
