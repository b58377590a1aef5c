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
    """v1 ONNX outputs; fracture_prob is calibrated when a calibration is given: sigmoid(a * logit + b)."""

    def __init__(self, net, calib=(1.0, 0.0)):
        super().__init__()
        self.net = net
        self.register_buffer("calib", torch.tensor([float(calib[0]), float(calib[1])]))

    def forward(self, image):
        fr, cnt, parts, heat = self.net(image)
        return (torch.sigmoid(self.calib[0] * fr + self.calib[1]), torch.softmax(cnt, dim=1), torch.sigmoid(parts),
                torch.sigmoid(heat))


def load_init(net, path):
    ck = torch.load(path, map_location="cpu")
    sd = ck["features"] if "features" in ck else ck
    missing, unexpected = net.features.load_state_dict(sd, strict=False)
    missing = [m for m in missing if not m.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise RuntimeError(f"init mismatch: missing={missing[:5]} unexpected={unexpected[:5]}")
    return net


# ---------------------------------------------------------------- model 2: detection head

def _dwsep(c_in, c_out):
    """3x3 depthwise + BN + ReLU, 1x1 pointwise + BN + ReLU."""
    return nn.Sequential(nn.Conv2d(c_in, c_in, 3, padding=1, groups=c_in, bias=False), nn.BatchNorm2d(c_in), nn.ReLU(inplace=True),
                         nn.Conv2d(c_in, c_out, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


def add_box_branch(module, C):
    """Model 2's pyramid (lateral 1x1 convs on the stride-32/16/8 features, top-down addition, smoothing)
    and its centre and box heads, as attributes of `module` (their state-dict names are the same in det
    and v1box networks)."""
    module.lat32 = nn.Sequential(nn.Conv2d(1280, C, 1, bias=False), nn.BatchNorm2d(C))
    module.lat16 = nn.Sequential(nn.Conv2d(96, C, 1, bias=False), nn.BatchNorm2d(C))
    module.lat8 = nn.Sequential(nn.Conv2d(32, C, 1, bias=False), nn.BatchNorm2d(C))
    module.smooth16 = _dwsep(C, C)
    module.smooth8 = nn.Sequential(_dwsep(C, C), _dwsep(C, C))
    module.head_center = nn.Sequential(_dwsep(C, C), nn.Conv2d(C, 1, 1))
    module.head_box = nn.Sequential(_dwsep(C, C), nn.Conv2d(C, 4, 1))
    nn.init.constant_(module.head_center[-1].bias, -2.19)  # prior 0.1 (CenterNet)
    nn.init.zeros_(module.head_box[-1].weight)
    with torch.no_grad():
        module.head_box[-1].bias.copy_(torch.tensor([0.0, 0.0, 0.9, 0.9]))  # ~2.5 cells = 20 px at stride 8


def box_branch_outputs(module, f8, f16, f32):
    """The branch added by add_box_branch on the three feature maps: centre logits, offset, log size."""
    p16 = module.smooth16(module.lat16(f16) + F.interpolate(module.lat32(f32), scale_factor=2.0, mode="nearest"))
    p8 = module.smooth8(module.lat8(f8) + F.interpolate(p16, scale_factor=2.0, mode="nearest"))
    box = module.head_box(p8)
    return {"center": module.head_center(p8).squeeze(1), "offset": box[:, 0:2], "logsize": box[:, 2:4]}


DET_DEFAULTS = {"arch": "det", "fpn_channels": 64, "det_stride": 8, "count_topk": 4, "fuse": "max-logit"}


class OsteonDetNet(nn.Module):
    """MobileNetV2 + a light feature pyramid (strides 32 -> 16 -> 8) + an anchor-free, CenterNet-style
    detection head at stride 8, next to the global heads.

    Input [N,1,S,S] in [0,1]. forward() returns a dict of logits:
      fracture [N], count [N,3], parts [N,4],
      center [N,h,w] (fracture-centre logit map, h = w = S/8),
      offset [N,2,h,w] (sub-cell centre offset x, y in cells, relative to the cell centre),
      logsize [N,2,h,w] (log of box width, height in cells).
    The fracture logit = linear(pooled features) + a * max(center logit) (fuse='max-logit'; a learned,
    initialised at 0); the count head sees the pooled features and the top-k centre peak probabilities."""

    def __init__(self, dropout=0.2, fpn_channels=64, det_stride=8, count_topk=4, fuse="max-logit", **_):
        super().__init__()
        if det_stride != 8:
            raise ValueError("det_stride must be 8")
        self.features = make_backbone()
        C = fpn_channels
        self.count_topk = count_topk
        self.fuse = fuse
        add_box_branch(self, C)
        self.dropout = nn.Dropout(dropout)
        self.fracture = nn.Linear(1280, 1)
        self.fuse_weight = nn.Parameter(torch.zeros(1))
        self.count = nn.Linear(1280 + count_topk, 3)
        self.parts = nn.Linear(1280, 4)
        self.register_buffer("mean", torch.tensor([0.5, 0.5, 0.5]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.5, 0.5, 0.5]).view(1, 3, 1, 1))

    def forward(self, x):
        x = x.expand(-1, 3, -1, -1)
        x = (x - self.mean) / self.std
        f8 = self.features[:7](x)
        f16 = self.features[7:14](f8)
        f32 = self.features[14:](f16)
        branch = box_branch_outputs(self, f8, f16, f32)
        center = branch["center"]
        g = self.dropout(f32.mean(dim=(2, 3)))
        cmax = center.flatten(1).max(dim=1).values
        fr = self.fracture(g).squeeze(1)
        if self.fuse == "max-logit":
            fr = fr + self.fuse_weight * cmax
        peaks = peak_probs(center.detach(), self.count_topk)
        cnt = self.count(torch.cat([g, peaks], dim=1))
        return {"fracture": fr, "count": cnt, "parts": self.parts(g), **branch}


def peak_probs(center_logits, k):
    """Top-k local-maximum (3x3) probabilities of a centre map [N,h,w], descending -> [N,k]."""
    p = torch.sigmoid(center_logits).unsqueeze(1)
    keep = (F.max_pool2d(p, 3, stride=1, padding=1) == p).float()
    return torch.topk((p * keep).flatten(1), k, dim=1).values


def decode_boxes(out, S, k=10):
    """Top-k boxes from the centre map: local maxima (3x3 max-pool) ranked by centre probability.
    Returns boxes [N,k,4] (x1,y1,x2,y2 normalised to the letterboxed square, 0..1, not clipped) and
    scores [N,k] (centre probability; 0 = padding when the map has fewer than k local maxima)."""
    center = out["center"]
    n, h, w = center.shape
    stride = S / w
    p = torch.sigmoid(center).unsqueeze(1)
    keep = (F.max_pool2d(p, 3, stride=1, padding=1) == p).float()
    # rank local maxima by probability; other cells follow (p - 1 < 0: distinct keys, so PyTorch and
    # onnxruntime pick the same padding cells) and get score 0
    scores, idx = torch.topk((p + keep - 1).flatten(1), k, dim=1)
    scores = scores.clamp(min=0)
    ys = torch.div(idx, w, rounding_mode="floor")
    xs = idx - ys * w
    off = out["offset"].flatten(2)
    ls = out["logsize"].flatten(2)
    ox = torch.gather(off[:, 0], 1, idx); oy = torch.gather(off[:, 1], 1, idx)
    bw = torch.exp(torch.gather(ls[:, 0], 1, idx)); bh = torch.exp(torch.gather(ls[:, 1], 1, idx))
    cx = (xs.float() + 0.5 + ox) * stride / S
    cy = (ys.float() + 0.5 + oy) * stride / S
    hw_, hh_ = bw * stride / S / 2, bh * stride / S / 2
    boxes = torch.stack([cx - hw_, cy - hh_, cx + hw_, cy + hh_], dim=2)
    return boxes, scores


class DetExportWrapper(nn.Module):
    """ONNX outputs: today's four (same names and meanings; fracture_prob calibrated when a calibration
    is given: sigmoid(a * logit + b); heatmap = the v1 heat map when the network has one, else the
    centre map) plus boxes [N,K,4] and box_scores [N,K]."""

    def __init__(self, net, S, k=10, calib=(1.0, 0.0)):
        super().__init__()
        self.net = net
        self.S = S
        self.k = k
        self.register_buffer("calib", torch.tensor([float(calib[0]), float(calib[1])]))

    def forward(self, image):
        out = self.net(image)
        boxes, scores = decode_boxes(out, self.S, self.k)
        fr = torch.sigmoid(self.calib[0] * out["fracture"] + self.calib[1])
        heat = out["heat"] if "heat" in out else out["center"]
        return (fr, torch.softmax(out["count"], dim=1), torch.sigmoid(out["parts"]), torch.sigmoid(heat), boxes, scores)


class OsteonBoxNet(nn.Module):
    """Model 2 on a v1 release: the v1 network (``base``: backbone, fracture / count / body-part heads
    and the 16x16 heat map, unchanged) plus model 2's pyramid and box head on its stride-8/16/32
    features. Trained with ``--freeze-base``, only the box branch learns and every v1 output stays the
    release's own; in the learning loop everything fine-tunes together. forward() returns det's dict
    plus ``heat`` (the v1 heat-map logits)."""

    def __init__(self, dropout=0.2, heat_stride=16, fpn_channels=64, **_):
        super().__init__()
        if heat_stride != 16:
            raise ValueError("v1box needs the 16x16 heat map (heat_stride 16)")
        self.base = OsteonNet(dropout=dropout, heat_stride=16)
        add_box_branch(self, fpn_channels)

    def forward(self, x):
        b = self.base
        x = x.expand(-1, 3, -1, -1)
        x = (x - b.mean) / b.std
        f8 = b.features[:7](x)
        f16 = b.features[7:14](f8)
        f32 = b.features[14:](f16)
        heat = F.interpolate(b.heat(f32), scale_factor=2.0, mode="nearest") + b.heat_fine(f16)
        g = b.dropout(f32.mean(dim=(2, 3)))
        return {"fracture": b.fracture(g).squeeze(1), "count": b.count(g), "parts": b.parts(g), "heat": heat.squeeze(1),
                **box_branch_outputs(self, f8, f16, f32)}


def build_net(config, dropout=0.2, heat_stride=16):
    if config and config.get("arch") == "v1box":
        return OsteonBoxNet(dropout=dropout, **{k: v for k, v in config.items() if k != "arch"})
    if config and config.get("arch") == "det":
        return OsteonDetNet(dropout=dropout, **{k: v for k, v in config.items() if k != "arch"})
    return OsteonNet(dropout=dropout, heat_stride=heat_stride)
