"""Osteon fracture network: torchvision MobileNetV2 backbone + multi-task heads."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


class KerasPadConv2d(nn.Conv2d):
    """Stride-2 conv with Keras MobileNetV2 padding: zero pad bottom/right by 1 then 'valid'.
    (Identical to Keras for even input sizes, which all S used here give.)"""

    def forward(self, x):
        return F.conv2d(F.pad(x, (0, 1, 0, 1)), self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


def make_backbone(keras_padding=True, bn_eps=1e-3):
    feats = torchvision.models.mobilenet_v2().features
    for m in feats.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eps = bn_eps
        if keras_padding and isinstance(m, nn.Conv2d) and m.stride == (2, 2):
            m.__class__ = KerasPadConv2d
            m.padding = (0, 0)
    return feats


class OsteonNet(nn.Module):
    """Input [N,1,S,S] in [0,1] (preprocess contract). Outputs (logits):
    fracture [N], count [N,3], parts [N,4], heat [N,h,w] (spatial fracture logit map)."""

    def __init__(self, dropout=0.2, heat_stride=16):
        super().__init__()
        self.features = make_backbone()
        self.heat_stride = heat_stride
        c = 1280
        if heat_stride == 16:
            # fine branch on the stride-16 features (output of features[13], 96 channels)
            self.heat_fine = nn.Sequential(nn.Conv2d(96, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
                                           nn.Conv2d(64, 1, 1))
        elif heat_stride != 32:
            raise ValueError("heat_stride must be 16 or 32")
        self.dropout = nn.Dropout(dropout)
        self.fracture = nn.Linear(c, 1)
        self.count = nn.Linear(c, 3)
        self.parts = nn.Linear(c, 4)
        self.heat = nn.Conv2d(c, 1, 1)
        self.register_buffer("mean", torch.tensor([0.5, 0.5, 0.5]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.5, 0.5, 0.5]).view(1, 3, 1, 1))
        nn.init.constant_(self.heat.bias, -3.0)

    def forward(self, x):
        x = x.expand(-1, 3, -1, -1)
        x = (x - self.mean) / self.std
        if self.heat_stride == 16:
            f16 = self.features[:14](x)
            f = self.features[14:](f16)
            heat = F.interpolate(self.heat(f), scale_factor=2.0, mode="nearest") + self.heat_fine(f16)
        else:
            f = self.features(x)
            heat = self.heat(f)
        g = self.dropout(f.mean(dim=(2, 3)))
        return self.fracture(g).squeeze(1), self.count(g), self.parts(g), heat.squeeze(1)


class ExportWrapper(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, image):
        fr, cnt, parts, heat = self.net(image)
        return torch.sigmoid(fr), torch.softmax(cnt, dim=1), torch.sigmoid(parts), torch.sigmoid(heat)


def load_init(net, path):
    ck = torch.load(path, map_location="cpu")
    sd = ck["features"] if "features" in ck else ck
    missing, unexpected = net.features.load_state_dict(sd, strict=False)
    missing = [m for m in missing if not m.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise RuntimeError(f"init mismatch: missing={missing[:5]} unexpected={unexpected[:5]}")
    return net
