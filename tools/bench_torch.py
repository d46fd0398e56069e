#!/usr/bin/env python3
"""PyTorch timings for dsh-bench: the same ops and shapes as Sources/Benchmarks/main.swift.

    .venv-ref/bin/python tools/bench_torch.py [--runs N] [--threads T] [key ...]

Prints one JSON object on stdout: {key: median milliseconds}. Keys must match the Swift
benchmark registry. Unknown keys are ignored, so dsh-bench can ask for what it runs.
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F


def cases():
    g = torch.Generator().manual_seed(0)

    def r(*s):
        return torch.randn(*s, generator=g)

    def sgemm():
        a, b = r(2048, 2048), r(2048, 2048)
        return lambda: torch.mm(a, b)

    def conv(size):
        def make():
            x, w, bias = r(1, 128, size, size), r(128, 128, 3, 3) * 0.03, r(128)
            return lambda: F.conv2d(x, w, bias, padding=1)
        return make

    def group_norm():
        x, w, b = r(1, 128, 256, 256), r(128), r(128)
        return lambda: F.group_norm(x, 32, w, b)

    def group_norm_silu():
        x, w, b = r(1, 128, 256, 256), r(128), r(128)
        return lambda: F.silu(F.group_norm(x, 32, w, b))

    def randn():
        gen = torch.Generator().manual_seed(0)
        return lambda: torch.randn(1, 3, 256, 256, generator=gen)

    def attention():
        q, k, v = r(1, 8, 1024, 64), r(1, 8, 1024, 64), r(1, 8, 1024, 64)
        return lambda: F.scaled_dot_product_attention(q, k, v)

    return {
        "sgemm_2048": sgemm,
        "conv3x3_128_64": conv(64),
        "conv3x3_128_256": conv(256),
        "group_norm_128_256": group_norm,
        "group_norm_silu_128_256": group_norm_silu,
        "randn_3_256": randn,
        "sdpa_8x1024x64": attention,
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("keys", nargs="*")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    table = cases()
    out = {}
    with torch.inference_mode():
        for key in a.keys or list(table):
            if key not in table:
                continue
            fn = table[key]()
            fn()  # warm-up
            times = []
            for _ in range(a.runs):
                t0 = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t0) * 1e3)
            out[key] = statistics.median(times)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
