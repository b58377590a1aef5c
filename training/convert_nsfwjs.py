"""Convert the MobileNetV2 backbone shipped in the npm package nsfwjs 4.4.0 (MIT licence)
to a PyTorch state dict for torchvision.models.mobilenet_v2().features.

The nsfwjs model is a Keras 2.2.4 MobileNetV2 (ImageNet weights, frozen backbone) with a
small classification head; only the backbone (266 tensors, 2,257,984 values) is converted.
Weights are stored uint8-quantised: value = min + scale * q.

usage:
  (cd /tmp/nsfw && npm install nsfwjs@4.4.0)
  /usr/bin/python3 training/convert_nsfwjs.py /tmp/nsfw/node_modules/nsfwjs training/.cache/mobilenet_v2_nsfwjs.pt

Layout notes: Keras conv kernel (H,W,Cin,Cout) -> torch (Cout,Cin,H,W); depthwise
(H,W,C,1) -> (C,1,H,W); BN gamma/beta/moving_mean/moving_variance -> weight/bias/
running_mean/running_var (Keras eps 1e-3: the model code sets eps=1e-3). Keras pads the
stride-2 convolutions asymmetrically (ZeroPadding2D ((0,1),(0,1)) then 'valid'); the
model code (model.py) reproduces that for the stride-2 layers.
"""
import base64
import os
import re
import sys

import numpy as np
import torch

WEIGHT_RE = re.compile(
    r'\{name:"([^"]+)",shape:\[([0-9,]*)\],dtype:"float32",quantization:\{min:([-+0-9.eE]+),scale:([-+0-9.eE]+),dtype:"uint8"\}\}'
)


def read_keras(pkg_dir):
    mdir = os.path.join(pkg_dir, "dist", "models", "mobilenet_v2")
    with open(os.path.join(mdir, "model.min.js")) as f:
        js = f.read()
    manifest = [(n, [int(s) for s in shp.split(",") if s], float(mn), float(sc)) for n, shp, mn, sc in WEIGHT_RE.findall(js)]
    with open(os.path.join(mdir, "group1-shard1of1.min.js")) as f:
        shard_js = f.read()
    b64 = max(re.findall(r'"([A-Za-z0-9+/=]{1000,})"', shard_js), key=len)
    raw = np.frombuffer(base64.b64decode(b64), dtype=np.uint8)
    out, off = {}, 0
    for name, shape, mn, sc in manifest:
        n = int(np.prod(shape)) if shape else 1
        q = raw[off:off + n].astype(np.float64)
        off += n
        out[name] = (mn + sc * q).astype(np.float32).reshape(shape)
    if off != raw.size:
        raise RuntimeError(f"shard size mismatch: used {off} of {raw.size} bytes")
    return out


def keras_to_torch_names():
    """(keras layer, torch prefix, kind) for the torchvision mobilenet_v2 'features' module."""
    m = [("Conv1", "0.0", "conv"), ("bn_Conv1", "0.1", "bn"),
         ("expanded_conv_depthwise", "1.conv.0.0", "dw"), ("expanded_conv_depthwise_BN", "1.conv.0.1", "bn"),
         ("expanded_conv_project", "1.conv.1", "conv"), ("expanded_conv_project_BN", "1.conv.2", "bn")]
    for k in range(1, 17):
        i = k + 1
        m += [(f"block_{k}_expand", f"{i}.conv.0.0", "conv"), (f"block_{k}_expand_BN", f"{i}.conv.0.1", "bn"),
              (f"block_{k}_depthwise", f"{i}.conv.1.0", "dw"), (f"block_{k}_depthwise_BN", f"{i}.conv.1.1", "bn"),
              (f"block_{k}_project", f"{i}.conv.2", "conv"), (f"block_{k}_project_BN", f"{i}.conv.3", "bn")]
    m += [("Conv_1", "18.0", "conv"), ("Conv_1_bn", "18.1", "bn")]
    return m


def convert(pkg_dir):
    kw = read_keras(pkg_dir)
    sd, used = {}, set()
    for kname, tp, kind in keras_to_torch_names():
        if kind == "conv":
            w = kw[f"{kname}/kernel"]; used.add(f"{kname}/kernel")
            sd[f"{tp}.weight"] = torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1)))
        elif kind == "dw":
            w = kw[f"{kname}/depthwise_kernel"]; used.add(f"{kname}/depthwise_kernel")
            sd[f"{tp}.weight"] = torch.from_numpy(np.ascontiguousarray(w.transpose(2, 3, 0, 1)))
        else:
            for kk, tk in [("gamma", "weight"), ("beta", "bias"), ("moving_mean", "running_mean"), ("moving_variance", "running_var")]:
                sd[f"{tp}.{tk}"] = torch.from_numpy(kw[f"{kname}/{kk}"].copy()); used.add(f"{kname}/{kk}")
    leftover = sorted(set(kw) - used)
    return sd, leftover


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    pkg_dir, out = sys.argv[1], sys.argv[2]
    sd, leftover = convert(pkg_dir)
    import torchvision
    ref = torchvision.models.mobilenet_v2().features.state_dict()
    n = 0
    for k, v in ref.items():
        if k.endswith("num_batches_tracked"):
            continue
        if k not in sd or tuple(sd[k].shape) != tuple(v.shape):
            raise RuntimeError(f"missing/mismatched {k}: {tuple(v.shape)} vs {None if k not in sd else tuple(sd[k].shape)}")
        n += v.numel()
    print(f"converted {len(sd)} tensors, {n} values; unused keras tensors (head): {leftover}")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    torch.save({"features": sd, "source": "nsfwjs@4.4.0 dist/models/mobilenet_v2 (MIT)", "bn_eps": 1e-3,
                "input_norm": "x in [0,1] -> (x-0.5)/0.5"}, out)
    print("wrote", out)


if __name__ == "__main__":
    main()
