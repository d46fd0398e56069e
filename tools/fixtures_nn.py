#!/usr/bin/env python3
"""Fixtures for dsh's neural-network ops (Tests/TensorTests/NNTests.swift).

Run with the reference venv from the repository root:

    .venv-ref/bin/python tools/fixtures_nn.py

Writes Tests/TensorTests/Fixtures/nn_<family>.safetensors. Each file holds, per case `name`, the
inputs (`name.x`, `name.w`, ...) and PyTorch's output (`name.out`); the metadata maps each case name
to a JSON object with the op's arguments, so the Swift tests read every parameter from the file.
"""
import json
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "TensorTests", "Fixtures")


class Family:
    def __init__(self, name):
        self.name = name
        self.tensors = {}
        self.meta = {}

    def case(self, case, args, **tensors):
        assert case not in self.meta
        self.meta[case] = json.dumps(args)
        for k, v in tensors.items():
            if v.dtype == torch.bool:
                v = v.to(torch.uint8)
            self.tensors[f"{case}.{k}"] = v.detach().contiguous().clone()

    def save(self):
        path = os.path.join(OUT, f"nn_{self.name}.safetensors")
        save_file(self.tensors, path, metadata=self.meta)
        print(f"{path}: {len(self.meta)} cases, {os.path.getsize(path)} bytes")


def r(*shape):
    return torch.randn(*shape, dtype=torch.float32)


def matmul():
    f = Family("matmul")
    # (case, a shape, b shape, transpose_a_storage, transpose_b_storage)
    grid = [
        ("mm", (5, 7), (7, 3), False, False),
        ("vec_mat", (7,), (7, 3), False, False),
        ("mat_vec", (5, 7), (7,), False, False),
        ("dot", (7,), (7,), False, False),
        ("batched_broadcast", (2, 1, 4, 5), (3, 5, 6), False, False),
        ("batched_vec", (3, 4, 5), (5,), False, False),
        ("shared_rhs", (3, 4, 5), (5, 6), False, False),
        ("transposed_a", (6, 5), (5, 4), True, False),
        ("transposed_b", (6, 5), (5, 4), False, True),
        ("transposed_both", (2, 6, 5), (2, 5, 4), True, True),
    ]
    for name, sa, sb, ta, tb in grid:
        a, b = r(*sa), r(*sb)
        # Stored transposed: the Swift test transposes the last two dims back (a strided view).
        sa_store = a.transpose(-1, -2).contiguous() if ta else a
        sb_store = b.transpose(-1, -2).contiguous() if tb else b
        f.case(name, {"op": "matmul", "transpose_a": ta, "transpose_b": tb},
               a=sa_store, b=sb_store, out=torch.matmul(a, b))
    a, b = r(3, 4, 5), r(3, 5, 2)
    f.case("bmm", {"op": "bmm"}, a=a, b=b, out=torch.bmm(a, b))
    x, w, bias = r(2, 3, 8), r(6, 8), r(6)
    f.case("linear", {"op": "linear", "bias": True}, x=x, w=w, b=bias, out=F.linear(x, w, bias))
    x, w = r(4, 8), r(6, 8)
    f.case("linear_nobias", {"op": "linear", "bias": False}, x=x, w=w, out=F.linear(x, w))
    x, w, bias = r(8), r(6, 8), r(6)
    f.case("linear_vec", {"op": "linear", "bias": True}, x=x, w=w, b=bias, out=F.linear(x, w, bias))
    f.save()


def conv():
    f = Family("conv")
    # (case, x shape, out channels, kernel, stride, padding, dilation, groups, bias, channels_last)
    grid = [
        ("k3_p1", (2, 3, 9, 11), 5, (3, 3), (1, 1), (1, 1), (1, 1), 1, True, False),
        ("k3_p0_nobias", (1, 4, 7, 6), 3, (3, 3), (1, 1), (0, 0), (1, 1), 1, False, False),
        ("k3_s2_p1", (2, 3, 9, 10), 4, (3, 3), (2, 2), (1, 1), (1, 1), 1, True, False),
        ("asym", (1, 3, 10, 9), 4, (3, 2), (2, 1), (0, 2), (2, 1), 1, True, False),
        ("groups2", (1, 4, 8, 8), 6, (3, 3), (1, 1), (1, 1), (1, 1), 2, True, False),
        ("depthwise", (2, 4, 6, 7), 4, (3, 3), (1, 1), (1, 1), (1, 1), 4, True, False),
        ("k1", (2, 8, 5, 7), 4, (1, 1), (1, 1), (0, 0), (1, 1), 1, True, False),
        ("k1_s2", (1, 8, 5, 7), 4, (1, 1), (2, 2), (0, 0), (1, 1), 1, True, False),
        ("k1_groups", (1, 6, 4, 4), 4, (1, 1), (1, 1), (0, 0), (1, 1), 2, False, False),
        ("k3_channels_last", (2, 5, 6, 7), 3, (3, 3), (1, 1), (1, 1), (1, 1), 1, True, True),
        ("k1_channels_last", (1, 6, 5, 5), 3, (1, 1), (1, 1), (0, 0), (1, 1), 1, True, True),
        ("k4_s2_p1", (1, 3, 8, 8), 2, (4, 4), (2, 2), (1, 1), (1, 1), 1, True, False),
        ("k3_16ch", (1, 16, 16, 16), 16, (3, 3), (1, 1), (1, 1), (1, 1), 1, True, False),
        ("k3_odd_8ch", (1, 8, 9, 7), 8, (3, 3), (1, 1), (1, 1), (1, 1), 1, True, False),
        ("k3_p0_8ch", (2, 8, 7, 6), 9, (3, 3), (1, 1), (0, 0), (1, 1), 1, False, False),
    ]
    for name, xs, o, k, s, p, d, g, has_bias, cl in grid:
        x = r(*xs)
        w = r(o, xs[1] // g, *k) * 0.3
        b = r(o) if has_bias else None
        out = F.conv2d(x, w, b, stride=s, padding=p, dilation=d, groups=g)
        # channels_last: stored as [N, H, W, C]; the Swift test permutes it to [N, C, H, W] (strided).
        x_store = x.permute(0, 2, 3, 1).contiguous() if cl else x
        tensors = {"x": x_store, "w": w, "out": out}
        if b is not None:
            tensors["b"] = b
        f.case(name, {"stride": list(s), "padding": list(p), "dilation": list(d), "groups": g,
                      "bias": has_bias, "channels_last": cl}, **tensors)
    f.save()


def norm():
    f = Family("norm")
    for name, xs, groups, affine, silu in [
        ("gn", (2, 6, 5, 7), 3, True, False),
        ("gn_noaffine", (1, 8, 4, 4), 8, False, False),
        ("gn_3d", (2, 4, 10), 2, True, False),
        ("gn_silu", (2, 6, 5, 7), 3, True, True),
        ("gn_offset", (1, 4, 6, 6), 2, True, False),
    ]:
        x = r(*xs)
        if name == "gn_offset":
            x = x * 3 + 100  # large mean: single-pass float statistics would lose digits
        w = r(xs[1]) if affine else None
        b = r(xs[1]) if affine else None
        out = F.group_norm(x, groups, w, b, eps=1e-5)
        if silu:
            out = F.silu(out)
        tensors = {"x": x, "out": out}
        if affine:
            tensors.update(w=w, b=b)
        f.case(name, {"op": "group_norm", "groups": groups, "affine": affine, "silu": silu}, **tensors)
    for name, xs, ns, affine in [
        ("ln", (2, 3, 8), (8,), True),
        ("ln_2d", (4, 3, 5), (3, 5), False),
    ]:
        x = r(*xs)
        w = r(*ns) if affine else None
        b = r(*ns) if affine else None
        tensors = {"x": x, "out": F.layer_norm(x, ns, w, b, eps=1e-5)}
        if affine:
            tensors.update(w=w, b=b)
        f.case(name, {"op": "layer_norm", "normalized_shape": list(ns), "affine": affine}, **tensors)
    for name, xs, dim, scale in [
        ("softmax_last", (3, 4, 5), -1, 1.0),
        ("softmax_mid", (3, 4, 5), 1, 1.0),
        ("softmax_first", (3, 4, 5), 0, 1.0),
        ("softmax_large", (4, 9), -1, 60.0),
    ]:
        x = r(*xs) * scale
        f.case(name, {"op": "softmax", "dim": dim}, x=x, out=torch.softmax(x, dim))
    f.save()


def attention():
    f = Family("attention")
    q, k, v = r(2, 3, 5, 8), r(2, 3, 7, 8), r(2, 3, 7, 6)
    f.case("plain", {"mask": "none"}, q=q, k=k, v=v, out=F.scaled_dot_product_attention(q, k, v))
    f.case("scale", {"mask": "none", "scale": 0.3}, q=q, k=k, v=v,
           out=F.scaled_dot_product_attention(q, k, v, scale=0.3))
    m = r(5, 7)
    f.case("float_mask", {"mask": "float"}, q=q, k=k, v=v, mask=m,
           out=F.scaled_dot_product_attention(q, k, v, attn_mask=m))
    bm = torch.rand(2, 1, 5, 7) > 0.5
    bm[..., 0] = True  # every query sees at least one key
    f.case("bool_mask", {"mask": "bool"}, q=q, k=k, v=v, mask=bm,
           out=F.scaled_dot_product_attention(q, k, v, attn_mask=bm))
    q3, k3, v3 = r(4, 6, 16), r(4, 9, 16), r(4, 9, 16)
    f.case("rank3", {"mask": "none"}, q=q3, k=k3, v=v3, out=F.scaled_dot_product_attention(q3, k3, v3))
    f.save()


def resample():
    f = Family("resample")
    x = r(2, 3, 5, 7)
    for name, kw in [
        ("nearest_size2x", dict(size=(10, 14), mode="nearest")),
        ("nearest_size_odd", dict(size=(8, 9), mode="nearest")),
        ("nearest_down", dict(size=(3, 4), mode="nearest")),
        ("nearest_scale2", dict(scale_factor=2.0, mode="nearest")),
        ("nearest_scale1_5", dict(scale_factor=1.5, mode="nearest")),
        ("nearest_scale_2_3", dict(scale_factor=(2.0, 3.0), mode="nearest")),
        ("bilinear_size", dict(size=(9, 13), mode="bilinear", align_corners=False)),
        ("bilinear_size_ac", dict(size=(9, 13), mode="bilinear", align_corners=True)),
        ("bilinear_scale2", dict(scale_factor=2.0, mode="bilinear", align_corners=False)),
        ("bilinear_scale1_7", dict(scale_factor=1.7, mode="bilinear", align_corners=False)),
        ("bilinear_down", dict(size=(3, 4), mode="bilinear", align_corners=False)),
        ("bilinear_down_ac", dict(size=(3, 4), mode="bilinear", align_corners=True)),
    ]:
        args = dict(kw)
        if "size" in args:
            args["size"] = list(args["size"])
        if "scale_factor" in args:
            sf = args["scale_factor"]
            args["scale_factor"] = list(sf) if isinstance(sf, tuple) else [sf, sf]
        f.case(name, {"op": "interpolate", **args}, x=x, out=F.interpolate(x, **kw))
    y = r(2, 3, 4, 5)
    for name, pad, value in [
        ("pad_last", [1, 2], 0.0),
        ("pad_crop", [1, -1, 2, 0], 0.5),
        ("pad_3dims", [-1, 2, 0, 1, 1, 0], -2.0),
        ("pad_crop_all", [-2, -3, 0, 0], 0.0),
    ]:
        f.case(name, {"op": "pad", "pad": pad, "value": value}, x=y, out=F.pad(y, pad, value=value))
    z = r(2, 3, 8, 9)
    for name, kernel, stride in [("avg_k2", 2, None), ("avg_k3_s2", 3, 2)]:
        f.case(name, {"op": "avg_pool2d", "kernel": kernel, "stride": stride}, x=z,
               out=F.avg_pool2d(z, kernel, stride))
    f.save()


if __name__ == "__main__":
    torch.manual_seed(0)
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    matmul()
    conv()
    norm()
    attention()
    resample()
