"""PyTorch definitions of the nnpan model zoo.

These are the reference architectures the Java model zoo must reproduce
exactly: same layers, same order, same parameter/buffer names (PyTorch
``state_dict`` names) and shapes. ``python3 torch_models.py`` (or
make_fixtures.py) writes ``model-params.json`` from them.

Conventions shared by all models
--------------------------------
* Input is NCHW. Output is raw logits (N, num_classes); no softmax.
* Convolutions inside VGG/ResNet have no bias (BatchNorm follows them).
* BatchNorm2d: eps 1e-5, momentum 0.1, affine; buffers running_mean,
  running_var and num_batches_tracked (the latter is an int64 counter that
  the Java engine need not keep; it is listed separately in model-params.json).
* Prunable weights = the ``weight`` of every Conv2d and Linear (including 1x1
  shortcut convs and the classifier). Biases and BN parameters are never pruned.
* ``init_reference_`` is the initialisation of the reference training protocol
  (method doc section 6): conv weights Kaiming-normal (fan_out, ReLU gain),
  linear weights N(0, 0.01), all biases 0, BN weight 1 and bias 0.

Models
------
lenet300   : flatten -> fc1 Linear(784,300) -> ReLU -> fc2 Linear(300,100) -> ReLU -> fc3 Linear(100,10)
lenet5     : LeNet-5-Caffe: conv1 Conv2d(1,20,5) -> ReLU -> MaxPool2d(2) -> conv2 Conv2d(20,50,5) -> ReLU
             -> MaxPool2d(2) -> flatten (50*4*4=800) -> fc3 Linear(800,500) -> ReLU -> fc4 Linear(500,10)
vggD       : D in {11,13,16,19}, GraSP/Panning style: ``features`` = nn.Sequential built from a cfg list:
             an int v adds Conv2d(in, v, 3, padding=1, bias=False), BatchNorm2d(v), ReLU (three Sequential
             indices), 'M' adds MaxPool2d(2) (one index). Then AvgPool2d(2) (not a module: applied in
             forward), flatten, ``classifier`` = Linear(512, num_classes) with bias. On 32x32 inputs the
             four 'M' give 2x2 maps, the final AvgPool2d(2) gives 1x1.
resnetD    : D in {20,32,56}: CIFAR ResNet, n = (D-2)/6 BasicBlocks per stage. Stem conv1 3x3 (in->w0,
             stride 1, pad 1, no bias) + bn1 + ReLU; layer1/layer2/layer3 with widths w0, 2*w0, 4*w0 and
             first-block strides 1, 2, 2; global average pool; ``fc`` Linear(4*w0, num_classes).
             w0 = 16 (width multiplier 1) or 32 (``resnetD_w2``, widths 32/64/128 as in GraSP/Panning).
resnet18   : CIFAR ResNet-18: stem conv1 3x3 64 (stride 1, pad 1, no bias) + bn1 + ReLU, no max-pool;
             layer1..layer4 widths 64/128/256/512, 2 BasicBlocks each, first-block strides 1,2,2,2;
             global average pool; ``fc`` Linear(512, num_classes).
BasicBlock : out = ReLU( bn2(conv2( ReLU(bn1(conv1(x))) )) + shortcut(x) ), conv1 3x3 stride s pad 1,
             conv2 3x3 stride 1 pad 1, both bias-free. shortcut = identity when s == 1 and
             in == out channels; otherwise ("option B") nn.Sequential(Conv2d(in,out,1,stride=s,bias=False),
             BatchNorm2d(out)) with state_dict names shortcut.0.weight, shortcut.1.{weight,bias,...}.
"""

import json
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F


# ----------------------------------------------------------------------------- LeNets

class LeNet300(nn.Module):
    def __init__(self, in_features=784, num_classes=10):
        super().__init__()
        self.fc1 = nn.Linear(in_features, 300)
        self.fc2 = nn.Linear(300, 100)
        self.fc3 = nn.Linear(100, num_classes)

    def forward(self, x):
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class LeNet5(nn.Module):
    """LeNet-5-Caffe (20-50-500-10), 1x28x28 input."""

    def __init__(self, in_channels=1, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 20, 5)
        self.conv2 = nn.Conv2d(20, 50, 5)
        self.fc3 = nn.Linear(50 * 4 * 4, 500)
        self.fc4 = nn.Linear(500, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)   # 20 x 12 x 12
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)   # 50 x 4 x 4
        x = torch.flatten(x, 1)                      # 800
        x = F.relu(self.fc3(x))
        return self.fc4(x)


# ----------------------------------------------------------------------------- VGG

VGG_CFG = {
    11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512],
    13: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512],
    16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512],
    19: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M',
         512, 512, 512, 512],
}


class VGG(nn.Module):
    def __init__(self, depth=19, in_channels=3, num_classes=10):
        super().__init__()
        cfg = VGG_CFG[depth]
        layers = []
        c = in_channels
        for v in cfg:
            if v == 'M':
                layers.append(nn.MaxPool2d(2))
            else:
                layers += [nn.Conv2d(c, v, 3, padding=1, bias=False), nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
                c = v
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(c, num_classes)

    def forward(self, x):
        x = self.features(x)
        x = F.avg_pool2d(x, 2)
        x = torch.flatten(x, 1)
        return self.classifier(x)


# ----------------------------------------------------------------------------- ResNets

class BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False),
                nn.BatchNorm2d(planes))
        else:
            self.shortcut = nn.Sequential()   # identity, no parameters

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class CifarResNet(nn.Module):
    """ResNet-20/32/56 (3 stages) for 32x32 inputs."""

    def __init__(self, depth=20, width=1, in_channels=3, num_classes=10):
        super().__init__()
        assert (depth - 2) % 6 == 0
        n = (depth - 2) // 6
        w = 16 * width
        self.conv1 = nn.Conv2d(in_channels, w, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        self.in_planes = w
        self.layer1 = self._make_layer(w, n, 1)
        self.layer2 = self._make_layer(2 * w, n, 2)
        self.layer3 = self._make_layer(4 * w, n, 2)
        self.fc = nn.Linear(4 * w, num_classes)

    def _make_layer(self, planes, blocks, stride):
        layers = []
        for s in [stride] + [1] * (blocks - 1):
            layers.append(BasicBlock(self.in_planes, planes, s))
            self.in_planes = planes
        return nn.Sequential(*layers)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = F.adaptive_avg_pool2d(x, 1)
        return self.fc(torch.flatten(x, 1))


class ResNet18(nn.Module):
    """CIFAR ResNet-18 (4 stages, 2 blocks each, no stem max-pool)."""

    def __init__(self, in_channels=3, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 64, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.in_planes = 64
        self.layer1 = self._make_layer(64, 2, 1)
        self.layer2 = self._make_layer(128, 2, 2)
        self.layer3 = self._make_layer(256, 2, 2)
        self.layer4 = self._make_layer(512, 2, 2)
        self.fc = nn.Linear(512, num_classes)

    _make_layer = CifarResNet._make_layer

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = F.adaptive_avg_pool2d(x, 1)
        return self.fc(torch.flatten(x, 1))


# ----------------------------------------------------------------------------- factory / init

def build(name, in_channels=3, num_classes=10):
    """Build a zoo model by name: lenet300, lenet5, vgg11/13/16/19, resnet20/32/56,
    resnet20_w2/resnet32_w2/resnet56_w2, resnet18."""
    if name == "lenet300":
        return LeNet300(in_features=in_channels * 28 * 28, num_classes=num_classes)
    if name == "lenet5":
        return LeNet5(in_channels=in_channels, num_classes=num_classes)
    if name.startswith("vgg"):
        return VGG(int(name[3:]), in_channels, num_classes)
    if name == "resnet18":
        return ResNet18(in_channels, num_classes)
    if name.startswith("resnet"):
        base, _, w = name[6:].partition("_w")
        return CifarResNet(int(base), int(w) if w else 1, in_channels, num_classes)
    raise ValueError(name)


def init_reference_(model):
    """Reference-protocol initialisation (in place)."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, 0.01)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    return model


def prunable_names(model):
    return [n + ".weight" for n, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


# (name, in_channels, H, W) -- every combination listed in model-params.json
ZOO = [
    ("lenet300", 1, 28, 28),
    ("lenet5", 1, 28, 28),
    ("vgg11", 3, 32, 32),
    ("vgg13", 3, 32, 32),
    ("vgg16", 3, 32, 32),
    ("vgg19", 3, 32, 32),
    ("vgg16", 1, 32, 32),
    ("resnet20", 3, 32, 32),
    ("resnet32", 3, 32, 32),
    ("resnet56", 3, 32, 32),
    ("resnet20_w2", 3, 32, 32),
    ("resnet32_w2", 3, 32, 32),
    ("resnet56_w2", 3, 32, 32),
    ("resnet20", 1, 32, 32),
    ("resnet18", 3, 32, 32),
]


def model_params_json(num_classes=10):
    models = []
    for name, c, h, w in ZOO:
        m = build(name, c, num_classes)
        sd = m.state_dict()
        param_names = [n for n, _ in m.named_parameters()]
        buffers = [(n, list(b.shape)) for n, b in m.named_buffers() if not n.endswith("num_batches_tracked")]
        nbt = [n for n, _ in m.named_buffers() if n.endswith("num_batches_tracked")]
        prun = prunable_names(m)
        with torch.no_grad():
            m.eval()
            out = m(torch.zeros(1, c, h, w))
        models.append(OrderedDict([
            ("key", "%s@%dx%dx%d" % (name, c, h, w)),
            ("model", name),
            ("input_shape", [c, h, w]),
            ("num_classes", num_classes),
            ("output_shape", list(out.shape)),
            ("num_parameters", sum(p.numel() for p in m.parameters())),
            ("num_prunable_weights", sum(sd[n].numel() for n in prun)),
            ("parameters", [OrderedDict([("name", n), ("shape", list(sd[n].shape))]) for n in param_names]),
            ("buffers", [OrderedDict([("name", n), ("shape", s)]) for n, s in buffers]),
            ("prunable", prun),
            ("state_dict", [OrderedDict([("name", n), ("shape", list(sd[n].shape)),
                                         ("kind", "parameter" if n in param_names else "buffer")])
                            for n in sd.keys() if not n.endswith("num_batches_tracked")]),
            ("num_batches_tracked_buffers", nbt),
        ]))
    return OrderedDict([
        ("description", "nnpan model zoo reference: PyTorch state_dict names and shapes, generated by "
                        "tests/reference/torch_models.py. 'parameters' and 'buffers' are in "
                        "named_parameters()/named_buffers() order; 'buffers' excludes the int64 scalar "
                        "'<bn>.num_batches_tracked' counters, which are listed in "
                        "'num_batches_tracked_buffers' (PyTorch state_dict keeps them right after each BN's "
                        "running_var); 'state_dict' is the state_dict order (parameters and buffers "
                        "interleaved per module) without the num_batches_tracked entries. "
                        "'prunable' = weights of every Conv2d and Linear, in module order. "
                        "'num_parameters' counts parameters only (no buffers)."),
        ("torch_version", torch.__version__),
        ("models", models),
    ])


def _dump(obj, ind=0):
    """JSON with one list element / object member per line, but leaf objects and short lists inline."""
    pad = " " * ind
    if isinstance(obj, dict):
        if all(not isinstance(v, (dict, list)) or (isinstance(v, list) and all(isinstance(e, int) for e in v))
               for v in obj.values()):
            return json.dumps(obj, separators=(", ", ": "))
        items = ["%s %s: %s" % (pad, json.dumps(k), _dump(v, ind + 1)) for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and any(isinstance(e, (dict, list)) for e in obj):
        return "[\n" + ",\n".join(pad + " " + _dump(e, ind + 1) for e in obj) + "\n" + pad + "]"
    return json.dumps(obj)


def write_model_params(path):
    with open(path, "w") as f:
        f.write(_dump(model_params_json()))
        f.write("\n")


if __name__ == "__main__":
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "..", "src", "test", "resources", "fixtures", "model-params.json")
    write_model_params(os.path.normpath(out))
    for m in model_params_json()["models"]:
        print("%-24s params %10d prunable %10d  #param tensors %3d  #buffers %3d" % (
            m["key"], m["num_parameters"], m["num_prunable_weights"], len(m["parameters"]), len(m["buffers"])))
