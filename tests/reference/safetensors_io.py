"""Minimal reader/writer for the safetensors file format (F32, F64, I64).

Debian bookworm ships no ``python3-safetensors`` package (``apt-get install
python3-safetensors`` -> "Unable to locate package"), and PyPI is not used by
this project, so the format is implemented here directly. It is small:

    bytes 0..7     N, unsigned 64-bit little-endian: length of the JSON header
    bytes 8..8+N   UTF-8 JSON object, right-padded with ASCII spaces so that
                   8 + N is a multiple of 8:
                     { "<tensor name>": {"dtype": "F32"|"F64"|"I64",
                                          "shape": [d0, d1, ...],      # [] = scalar
                                          "data_offsets": [begin, end]},
                       ...,
                       "__metadata__": {"<str>": "<str>", ...} }    # optional
    bytes 8+N..    the data buffer: every tensor's elements, row-major (C order),
                   little-endian, tightly packed; data_offsets are byte offsets
                   relative to the start of the data buffer, [begin, end).

This writer lays tensors out in the order they are given (insertion order of
the dict) and writes the header keys in that same order, "__metadata__" first.
Readers must not rely on either order; they must use data_offsets.
"""

import json
import struct
from collections import OrderedDict

import numpy as np
import torch

_TORCH_TO_ST = {
    torch.float32: "F32",
    torch.float64: "F64",
    torch.int64: "I64",
}
_ST_TO_NUMPY = {
    "F32": np.dtype("<f4"),
    "F64": np.dtype("<f8"),
    "I64": np.dtype("<i8"),
}


def save_file(tensors, path, metadata=None):
    """Write ``tensors`` (mapping name -> torch.Tensor of dtype float32,
    float64 or int64) to ``path``. ``metadata`` is an optional mapping
    str -> str stored under "__metadata__"."""
    header = OrderedDict()
    if metadata:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise TypeError("safetensors metadata must map str to str: %r" % (k,))
        header["__metadata__"] = OrderedDict(metadata)
    blobs = []
    offset = 0
    for name, t in tensors.items():
        if name == "__metadata__":
            raise ValueError("reserved tensor name")
        if not isinstance(t, torch.Tensor):
            raise TypeError("%s: expected torch.Tensor, got %r" % (name, type(t)))
        if t.dtype not in _TORCH_TO_ST:
            raise TypeError("%s: unsupported dtype %s" % (name, t.dtype))
        st = _TORCH_TO_ST[t.dtype]
        if getattr(t, "_is_zerotensor", lambda: False)():
            # autograd may return an "efficient zero tensor" (no storage; reading its data gives
            # garbage): materialise it
            t = torch.zeros(t.shape, dtype=t.dtype)
        arr = np.ascontiguousarray(t.detach().cpu().numpy().astype(_ST_TO_NUMPY[st], copy=False))
        data = arr.tobytes(order="C")
        header[name] = OrderedDict(
            [("dtype", st), ("shape", [int(d) for d in t.shape]),
             ("data_offsets", [offset, offset + len(data)])])
        blobs.append(data)
        offset += len(data)
    hjson = json.dumps(header, separators=(",", ":"), ensure_ascii=True).encode("utf-8")
    pad = (-(8 + len(hjson))) % 8
    hjson += b" " * pad
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)


def load_file(path):
    """Read a safetensors file. Returns (OrderedDict name -> torch.Tensor,
    metadata dict or {})."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"), object_pairs_hook=OrderedDict)
    meta = header.pop("__metadata__", {}) or {}
    base = 8 + n
    out = OrderedDict()
    for name, info in header.items():
        dt = _ST_TO_NUMPY[info["dtype"]]
        b, e = info["data_offsets"]
        shape = tuple(info["shape"])
        count = int(np.prod(shape)) if shape else 1
        if e - b != count * dt.itemsize:
            raise ValueError("%s: data_offsets do not match shape/dtype" % name)
        arr = np.frombuffer(raw, dtype=dt, count=count, offset=base + b).reshape(shape)
        out[name] = torch.from_numpy(arr.copy())
    return out, meta


if __name__ == "__main__":
    # self-test: round trip
    import os
    import tempfile
    d = OrderedDict()
    d["a"] = torch.randn(3, 4)
    d["b"] = torch.randn(2, dtype=torch.float64)
    d["c"] = torch.arange(5, dtype=torch.int64)
    d["s"] = torch.tensor(1.5, dtype=torch.float64)
    p = os.path.join(tempfile.mkdtemp(), "t.safetensors")
    save_file(d, p, {"k": "v"})
    r, m = load_file(p)
    assert m == {"k": "v"}
    for k in d:
        assert r[k].dtype == d[k].dtype and r[k].shape == d[k].shape and torch.equal(r[k], d[k]), k
    assert (os.path.getsize(p) - sum(t.numel() * t.element_size() for t in d.values())) % 8 == 0
    print("safetensors_io self-test OK")
