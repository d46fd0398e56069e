#!/usr/bin/env python3
"""PyTorch timings for dsh-bench: the same ops and shapes as Sources/Benchmarks/main.swift.

    .venv-ref/bin/python tools/bench_torch.py [--runs N] [--threads T] [key ...]

Prints one JSON object on stdout: {key: median milliseconds}. Keys must match the Swift
benchmark registry. Unknown keys are ignored, so dsh-bench can ask for what it runs.
Slow cases run at most MAX_RUNS[key] times, without a warm-up when in NO_WARMUP (the same
counts as the Swift entries' maxRuns/warmup). Extra keys: "unet_ddpm_cat_256.peak_rss_mb"
(VmHWM during the forwards, the counter reset before) and "unet_ddpm_cat_256.maxrss_mb"
(getrusage, whole process). "interpreter_loop" is CPython (`python3` on PATH), not PyTorch.
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Same as Sources/Benchmarks/main.swift.
MAX_RUNS = {"unet_ddpm_cat_256": 3, "unet_load_ckpt": 3, "ddpm_scheduler_1000": 3,
            "pipeline_tiny_cats_1000": 3, "interpreter_loop": 5}
NO_WARMUP = {"unet_ddpm_cat_256", "pipeline_tiny_cats_1000"}

# UNet2DModel.ddpmCat256Arguments (Sources/Diffusers/Models/UNet2DModel+Loading.swift).
DDPM_CAT_256 = dict(
    sample_size=256, in_channels=3, out_channels=3, center_input_sample=False,
    time_embedding_type="positional", freq_shift=1, flip_sin_to_cos=False,
    down_block_types=("DownBlock2D", "DownBlock2D", "DownBlock2D", "DownBlock2D", "AttnDownBlock2D", "DownBlock2D"),
    up_block_types=("UpBlock2D", "AttnUpBlock2D", "UpBlock2D", "UpBlock2D", "UpBlock2D", "UpBlock2D"),
    block_out_channels=(128, 128, 256, 256, 512, 512), layers_per_block=2, mid_block_scale_factor=1,
    downsample_padding=0, act_fn="silu", attention_head_dim=None, norm_num_groups=32, norm_eps=1e-6,
)

INTERPRETER_LOOP = "total = 0\nfor i in range(1000000): total += i * 2\n"

EXTRA = {}   # extra numbers for the JSON output
CLEANUP = []


def reset_peak_rss():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def record_peak_rss(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                EXTRA[key + ".peak_rss_mb"] = int(line.split()[1]) / 1024
    EXTRA[key + ".maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cases():
    g = torch.Generator().manual_seed(0)

    def r(*s):
        return torch.randn(*s, generator=g)

    def sgemm():
        a, b = r(2048, 2048), r(2048, 2048)
        return lambda: torch.mm(a, b)

    def conv(size, channels=128):
        def make():
            x, w, bias = r(1, channels, size, size), r(channels, channels, 3, 3) * 0.03, r(channels)
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

    def unet():
        from diffusers import UNet2DModel
        torch.manual_seed(0)
        model = UNet2DModel(**DDPM_CAT_256).eval()
        x = r(1, 3, 256, 256)
        reset_peak_rss()

        def run():
            model(x, 500).sample
            record_peak_rss("unet_ddpm_cat_256")
        return run

    def load_ckpt():
        from diffusers import UNet2DModel
        d = tempfile.mkdtemp(prefix="dsh-bench-torch-ckpt-")
        CLEANUP.append(d)
        torch.manual_seed(0)
        UNet2DModel(**DDPM_CAT_256).save_pretrained(d)
        return lambda: UNet2DModel.from_pretrained(d)

    def ddpm_scheduler():
        from diffusers import DDPMScheduler
        scheduler = DDPMScheduler()
        output, start = r(1, 3, 256, 256) * 0.5, r(1, 3, 256, 256)

        def run():
            scheduler.set_timesteps(1000)
            gen = torch.Generator().manual_seed(0)
            sample = start
            for t in scheduler.timesteps:
                sample = scheduler.step(output, t, sample, generator=gen).prev_sample
        return run

    def pipeline():
        folder = os.path.join(ROOT, "Sources", "Diffusers", "Resources", "tiny-cats-32")
        if not os.path.exists(os.path.join(folder, "model_index.json")):
            return None
        from diffusers import DDPMPipeline
        pipe = DDPMPipeline.from_pretrained(folder)
        pipe.set_progress_bar_config(disable=True)
        return lambda: pipe(batch_size=1, num_inference_steps=1000, generator=torch.Generator().manual_seed(0),
                            output_type="np")

    def interpreter_loop():
        # CPython itself (not this venv's interpreter, though both are 3.11 here), timing exec in-process.
        python = shutil.which("python3") or sys.executable
        code = ("import time, json, sys\n"
                "src = sys.argv[1]\n"
                "times = []\n"
                "for _ in range(int(sys.argv[2])):\n"
                "    g = {}\n"
                "    t0 = time.perf_counter(); exec(src, g); times.append((time.perf_counter() - t0) * 1e3)\n"
                "print(json.dumps(times))\n")
        return ("subprocess", lambda n: json.loads(subprocess.run([python, "-c", code, INTERPRETER_LOOP, str(n)],
                                                                  check=True, capture_output=True, text=True).stdout))

    return {
        "unet_ddpm_cat_256": unet,
        "unet_load_ckpt": load_ckpt,
        "ddpm_scheduler_1000": ddpm_scheduler,
        "pipeline_tiny_cats_1000": pipeline,
        "interpreter_loop": interpreter_loop,
        "sgemm_2048": sgemm,
        "conv3x3_128_64": conv(64),
        "conv3x3_128_256": conv(256),
        "conv3x3_64_32": conv(32, channels=64),
        "conv3x3_64_16": conv(16, channels=64),
        "conv3x3_64_8": conv(8, channels=64),
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
    try:
        with torch.no_grad():
            for key in a.keys or list(table):
                if key not in table:
                    continue
                fn = table[key]()
                if fn is None:
                    continue
                runs = min(a.runs, MAX_RUNS.get(key, a.runs))
                if isinstance(fn, tuple):   # ("subprocess", f): f(n + 1) returns n + 1 times; drop the warm-up
                    times = fn[1](runs + 1)[1:]
                else:
                    if key not in NO_WARMUP:
                        fn()  # warm-up
                    times = []
                    for _ in range(runs):
                        t0 = time.perf_counter()
                        fn()
                        times.append((time.perf_counter() - t0) * 1e3)
                out[key] = statistics.median(times)
                del fn
    finally:
        for d in CLEANUP:
            shutil.rmtree(d, ignore_errors=True)
    out.update(EXTRA)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
