"""Check that PyTorch accepts nnpan's saved weights and computes nnpan's outputs.

Usage: python3 check_torch_loads_nnpan.py [DIR]
(default DIR: tests/src/test/resources/fixtures/nnpan-export, written by the Java test NnpanExportWriter)

Every sub-folder of DIR holding ``model.safetensors`` (nnpan's state dict, as ``train`` writes it) and
``io.safetensors`` (``input``, nnpan's eval-mode ``logits``, and metadata ``model``, ``input_channels``,
``num_classes``) is one model. For each, the matching model from ``torch_models.py`` loads the weights with
``load_state_dict(strict=True)``, runs the input in eval mode, and must give nnpan's logits within 1e-4 of
max|logits|. Prints one line per model; exit code 1 if any fails or none is found.
"""

import os
import sys

import torch

import safetensors_io
import torch_models

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DIR = os.path.join(HERE, "..", "src", "test", "resources", "fixtures", "nnpan-export")
RELATIVE_TOLERANCE = 1e-4


def check_model(folder):
    """Loads one exported model into PyTorch; returns (passed, report line)."""
    state, _ = safetensors_io.load_file(os.path.join(folder, "model.safetensors"))
    io, meta = safetensors_io.load_file(os.path.join(folder, "io.safetensors"))
    model = torch_models.build(meta["model"], int(meta["input_channels"]), int(meta["num_classes"]))
    model.load_state_dict(state, strict=True)  # raises on any missing, unexpected or mis-shaped entry
    model.eval()
    with torch.no_grad():
        logits = model(io["input"])
    expected = io["logits"]
    if logits.shape != expected.shape:
        return False, "%s: logits shape %s, nnpan has %s" % (meta["model"], tuple(logits.shape), tuple(expected.shape))
    diff = (logits.double() - expected.double()).abs().max().item()
    relative = diff / expected.double().abs().max().item()
    counters = [int(v) for k, v in state.items() if k.endswith("num_batches_tracked")]
    line = "%s: %d tensors loaded strictly, max abs diff %.3g (%.3g of max|logits|)%s" % (
        meta["model"], len(state), diff, relative,
        ", num_batches_tracked %s" % sorted(set(counters)) if counters else "")
    return relative < RELATIVE_TOLERANCE, line


def main(root):
    torch.set_num_threads(1)
    folders = sorted(os.path.join(root, d) for d in os.listdir(root)
                     if os.path.isfile(os.path.join(root, d, "model.safetensors")))
    if not folders:
        print("no model folders in %s" % root)
        return 1
    failed = 0
    for folder in folders:
        passed, line = check_model(folder)
        print(("ok    " if passed else "FAIL  ") + line)
        failed += not passed
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_DIR))
