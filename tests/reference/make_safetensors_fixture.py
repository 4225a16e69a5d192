"""Writes the safetensors interop fixture with the reference implementation.

The Java reader's interop test (SafeTensorsInteropTest) reads this file and checks
every value below, so the two must change together.

Usage (needs torch and the `safetensors` package):
    python3 tests/reference/make_safetensors_fixture.py \
        engine/src/test/resources/fixtures/safetensors/reference.safetensors
"""
import sys

import torch
from safetensors.torch import save_file


def tensors():
    # Values are exactly representable in their dtype, so the test can compare exactly.
    return {
        "weight": (torch.arange(6, dtype=torch.float32).reshape(2, 3) * 0.5 - 1.0),
        "f64": torch.tensor([0.1, -2.0, 1e300], dtype=torch.float64),
        "f16": torch.tensor([1.0, -2.5, 65504.0, 2.0**-14, 2.0**-24], dtype=torch.float16),
        "bf16": torch.tensor([1.0, -3.140625, 2.0**-130, 2.0**100], dtype=torch.bfloat16),
        "i64": torch.tensor([-(2**63), 2**63 - 1, 0, -1], dtype=torch.int64),
        "i32": torch.tensor([-(2**31), 2**31 - 1, 7], dtype=torch.int32),
        "i16": torch.tensor([-32768, 32767], dtype=torch.int16),
        "i8": torch.tensor([-128, 127, 0], dtype=torch.int8),
        "u8": torch.tensor([0, 255, 128], dtype=torch.uint8),
        "mask": torch.tensor([[True, False], [False, True]], dtype=torch.bool),
        "step": torch.tensor(42, dtype=torch.int64),
        "empty": torch.zeros((0, 4), dtype=torch.float32),
    }


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    # A single metadata entry: the reference writes metadata in hash order, so with more
    # entries the file's bytes would differ from run to run.
    save_file(tensors(), sys.argv[1], metadata={"producer": "nnpan-fixture"})
