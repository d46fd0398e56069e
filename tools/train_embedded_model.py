#!/usr/bin/env python3
"""Train dsh's embedded model: a tiny DDPM UNet2DModel that draws 32x32 cartoon cat faces.

Everything is made here: the data set is drawn procedurally (deterministic from --seed), no data or weights
come from a hub. Runs on CPU with the reference venv (PyTorch 2.15.0, diffusers 0.42.1):

    nice -n 19 .venv-ref/bin/python tools/train_embedded_model.py --minutes 50          # train (checkpoints)
    nice -n 19 .venv-ref/bin/python tools/train_embedded_model.py --resume --minutes 70 # continue to 70 min total
    .venv-ref/bin/python tools/train_embedded_model.py --minutes 0 --export --samples --reference

--minutes is the *cumulative* training-time budget (a resumed run continues until the total is reached);
--steps is the planned number of steps. The learning rate decays with progress = max(step/steps,
elapsed/budget), so it reaches its low final value whichever limit comes first.

Outputs (scratch, git-ignored) go to --work (tools/out): data cache, ckpt.pt, train.log, reference_samples.npz.
The shipped diffusers pipeline folder goes to --out (Sources/Diffusers/Resources/tiny-cats-32): model_index.json,
unet/{config.json,diffusion_pytorch_model.safetensors (fp16)}, scheduler/scheduler_config.json.
"""

import argparse
import colorsys
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# ----------------------------------------------------------------------------------------------- data

FUR = {  # base colours; each draw jitters them a little
    "ginger": (222, 128, 50),
    "cream": (236, 205, 150),
    "grey": (130, 132, 140),
    "black": (38, 36, 40),
    "white": (238, 236, 230),
    "brown": (120, 80, 50),
    "silver": (185, 188, 195),
}
EYES = [(120, 200, 70), (235, 200, 40), (90, 160, 230), (220, 140, 40), (160, 210, 90)]


def _jitter(rng, c, amount=18):
    return tuple(int(np.clip(v + rng.integers(-amount, amount + 1), 0, 255)) for v in c)


def _shade(c, f):
    return tuple(int(np.clip(v * f, 0, 255)) for v in c)


def _mix(a, b, t):
    return tuple(int(round(x * (1 - t) + y * t)) for x, y in zip(a, b))


def draw_cat(rng, size=32, scale=4):
    """One cartoon cat face, drawn at size*scale and downsampled with LANCZOS. Returns uint8 HxWx3."""
    S = size * scale
    # background: any hue, mostly mid/pale colours so that every fur colour stands out from some of them
    h = rng.random()
    s = rng.uniform(0.15, 0.75)
    v = rng.uniform(0.45, 0.98)
    bg = tuple(int(255 * x) for x in colorsys.hsv_to_rgb(h, s, v))
    img = Image.new("RGB", (S, S), bg)
    d = ImageDraw.Draw(img)

    fur_name = list(FUR)[rng.integers(len(FUR))]
    fur = _jitter(rng, FUR[fur_name])
    dark = fur_name in ("black", "brown")
    outline = _shade(fur, 0.45) if not dark else _mix(fur, (0, 0, 0), 0.6)
    tabby = fur_name in ("ginger", "grey", "brown", "silver", "cream") and rng.random() < 0.5
    stripe = _shade(fur, 0.62) if not dark else _mix(fur, (0, 0, 0), 0.5)
    muzzle_white = rng.random() < 0.35 and fur_name not in ("white", "cream")
    inner_ear = _jitter(rng, (236, 150, 160), 12) if rng.random() < 0.7 else _shade(fur, 0.7)

    cx = S / 2 + rng.uniform(-0.06, 0.06) * S
    cy = S * 0.58 + rng.uniform(-0.04, 0.04) * S
    rx = S * rng.uniform(0.32, 0.38)
    ry = rx * rng.uniform(0.80, 0.92)
    ow = max(2, int(round(scale * 0.9)))

    # ears (drawn first, head overlaps their base)
    ear_h = ry * rng.uniform(0.85, 1.05)
    ear_spread = rng.uniform(0.45, 0.65)
    for side in (-1, 1):
        bx0 = cx + side * rx * (ear_spread - 0.42)
        bx1 = cx + side * rx * (ear_spread + 0.45)
        by = cy - ry * 0.45
        tip = (cx + side * rx * (ear_spread + 0.32), cy - ry * 0.35 - ear_h)
        d.polygon([(bx0, by), tip, (bx1, by + ry * 0.25)], fill=fur, outline=outline, width=ow)
        # inner ear
        ix0 = bx0 + (tip[0] - bx0) * 0.25
        ix1 = bx1 + (tip[0] - bx1) * 0.3
        itip = (tip[0] + (cx - tip[0]) * 0.08, tip[1] + ear_h * 0.28)
        d.polygon([(ix0, by), itip, (ix1, by + ry * 0.1)], fill=inner_ear)

    # head
    d.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=fur, outline=outline, width=ow)
    if muzzle_white:
        mw, mh = rx * 0.55, ry * 0.42
        my = cy + ry * 0.38
        d.ellipse([cx - mw, my - mh, cx + mw, my + mh], fill=_jitter(rng, (240, 238, 232), 8))
    if tabby:
        sw = max(2, int(scale * 1.1))
        for k in (-1, 0, 1):  # forehead "M" stripes
            x = cx + k * rx * 0.2
            d.line([(x, cy - ry * 0.92), (x + k * rx * 0.05, cy - ry * 0.55)], fill=stripe, width=sw)
        for side in (-1, 1):  # cheek stripes
            for j in range(2):
                y = cy + ry * (0.05 + 0.2 * j)
                x0 = cx + side * rx * 0.98
                d.line([(x0, y), (x0 - side * rx * 0.28, y - ry * 0.05)], fill=stripe, width=sw)

    # eyes
    eye = _jitter(rng, EYES[rng.integers(len(EYES))], 15)
    ex = rx * rng.uniform(0.36, 0.44)
    ey = cy - ry * rng.uniform(0.02, 0.15)
    er = rx * rng.uniform(0.17, 0.23)
    pupil_w = er * rng.uniform(0.25, 0.6)
    for side in (-1, 1):
        x = cx + side * ex
        d.ellipse([x - er, ey - er * 1.05, x + er, ey + er * 1.05], fill=eye, outline=(20, 20, 20), width=ow)
        d.ellipse([x - pupil_w, ey - er * 0.85, x + pupil_w, ey + er * 0.85], fill=(12, 12, 14))
        hr = er * 0.28
        d.ellipse([x + er * 0.1, ey - er * 0.6, x + er * 0.1 + hr * 2, ey - er * 0.6 + hr * 2], fill=(250, 250, 250))

    # nose and mouth
    ny = cy + ry * rng.uniform(0.22, 0.3)
    nw = rx * 0.12
    nose = _jitter(rng, (230, 120, 140), 15) if fur_name != "black" else (200, 110, 130)
    d.polygon([(cx - nw, ny - nw * 0.6), (cx + nw, ny - nw * 0.6), (cx, ny + nw * 0.6)], fill=nose)
    mc = (30, 25, 25) if not dark else (200, 190, 190)
    mw = max(2, int(scale * 0.7))
    d.line([(cx, ny + nw * 0.6), (cx, ny + nw * 1.4)], fill=mc, width=mw)
    for side in (-1, 1):
        x0 = cx if side > 0 else cx - nw * 2.0
        d.arc([x0, ny + nw * 0.4, x0 + nw * 2.0, ny + nw * 2.2], 0, 180, fill=mc, width=mw)

    # whiskers
    wc = (250, 250, 250) if dark or rng.random() < 0.4 else (40, 35, 35)
    ww = max(1, int(scale * 0.5))
    for side in (-1, 1):
        for j, dy in enumerate((-0.08, 0.05, 0.18)):
            x0 = cx + side * rx * 0.3
            y0 = ny + ry * dy * 0.6
            x1 = cx + side * rx * 1.25
            y1 = ny + ry * (dy * 2.2 - 0.02)
            d.line([(x0, y0), (x1, y1)], fill=wc, width=ww)

    # pose: small rotation about the centre (background fills the corners)
    ang = rng.uniform(-14, 14)
    img = img.rotate(ang, resample=Image.BICUBIC, center=(cx, cy), fillcolor=bg)
    img = img.resize((size, size), Image.LANCZOS)
    return np.asarray(img, dtype=np.uint8)


def make_dataset(n, seed, cache_dir):
    path = os.path.join(cache_dir, f"cats32_seed{seed}_n{n}.npy")
    if os.path.exists(path):
        return np.load(path)
    t = time.time()
    rng = np.random.default_rng(seed)
    data = np.stack([draw_cat(rng) for _ in range(n)])
    os.makedirs(cache_dir, exist_ok=True)
    np.save(path + ".tmp.npy", data)
    os.replace(path + ".tmp.npy", path)
    print(f"drew {n} cats in {time.time() - t:.1f}s -> {path}", flush=True)
    return data


# ---------------------------------------------------------------------------------------------- model

def make_unet():
    from diffusers import UNet2DModel
    # Conventions mirror google/ddpm-cat-256 (the quicktour's model): freq_shift 1, flip_sin_to_cos false,
    # downsample_padding 0, norm_eps 1e-6, attention_head_dim null (one head) -- so dsh's Swift UNet runs
    # the same code paths for both.
    return UNet2DModel(
        sample_size=32,
        in_channels=3,
        out_channels=3,
        block_out_channels=(32, 64, 64),
        layers_per_block=1,
        down_block_types=("DownBlock2D", "DownBlock2D", "AttnDownBlock2D"),
        up_block_types=("AttnUpBlock2D", "UpBlock2D", "UpBlock2D"),
        norm_num_groups=8,
        norm_eps=1e-6,
        attention_head_dim=None,
        downsample_padding=0,
        flip_sin_to_cos=False,
        freq_shift=1,
    )


def make_scheduler():
    from diffusers import DDPMScheduler
    return DDPMScheduler(num_train_timesteps=1000, beta_start=0.0001, beta_end=0.02, beta_schedule="linear",
                         clip_sample=True, variance_type="fixed_small")


def lr_at(progress, step, base, final, warmup):
    if step < warmup:
        return base * (step + 1) / warmup
    p = min(1.0, max(0.0, progress))
    return final + 0.5 * (base - final) * (1 + math.cos(math.pi * p))


# ------------------------------------------------------------------------------------------- training

def train(args):
    torch.set_num_threads(args.threads)
    os.makedirs(args.work, exist_ok=True)
    data = make_dataset(args.n, args.seed, args.work)
    x_all = torch.from_numpy(data).permute(0, 3, 1, 2).float().div(127.5).sub(1.0).contiguous()

    torch.manual_seed(args.seed)
    unet = make_unet()
    ema = make_unet()
    ema.load_state_dict(unet.state_dict())
    ema.requires_grad_(False)
    sched = make_scheduler()
    opt = torch.optim.AdamW(unet.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    gen = torch.Generator().manual_seed(args.seed + 1)
    step, elapsed, loss_ema = 0, 0.0, None

    ckpt = os.path.join(args.work, "ckpt.pt")
    if args.resume and os.path.exists(ckpt):
        st = torch.load(ckpt, weights_only=False)
        unet.load_state_dict(st["unet"])
        ema.load_state_dict(st["ema"])
        opt.load_state_dict(st["opt"])
        gen.set_state(st["gen"])
        torch.set_rng_state(st["torch_rng"])
        step, elapsed, loss_ema = st["step"], st["elapsed"], st["loss_ema"]
        print(f"resumed from {ckpt} at step {step}, {elapsed / 60:.1f} min trained", flush=True)
    elif os.path.exists(ckpt) and args.minutes > 0:
        sys.exit(f"{ckpt} exists: pass --resume to continue it, or delete it to start over")

    nparams = sum(p.numel() for p in unet.parameters())
    print(f"UNet2DModel {nparams:,} parameters; data {tuple(x_all.shape)}; budget {args.minutes} min, "
          f"planned {args.steps} steps, batch {args.batch}, bf16 autocast {args.bf16}", flush=True)

    def save():
        st = {"unet": unet.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(), "gen": gen.get_state(),
              "torch_rng": torch.get_rng_state(), "step": step, "elapsed": elapsed, "loss_ema": loss_ema,
              "args": vars(args), "nparams": nparams}
        torch.save(st, ckpt + ".tmp")
        os.replace(ckpt + ".tmp", ckpt)

    budget = args.minutes * 60.0
    alphas = sched.alphas_cumprod
    t_last_ckpt = time.time()
    t_log, loss_sum, loss_n = time.time(), 0.0, 0
    unet.train()
    while elapsed < budget and step < args.steps:
        t0 = time.time()
        progress = max(step / args.steps, elapsed / budget)
        lr = lr_at(progress, step, args.lr, args.final_lr, args.warmup)
        for g in opt.param_groups:
            g["lr"] = lr
        idx = torch.randint(0, x_all.shape[0], (args.batch,), generator=gen)
        x0 = x_all[idx]
        flip = torch.rand(args.batch, generator=gen) < 0.5
        x0 = torch.where(flip[:, None, None, None], x0.flip(3), x0)
        noise = torch.randn(x0.shape, generator=gen)
        t = torch.randint(0, 1000, (args.batch,), generator=gen)
        a = alphas[t].sqrt()[:, None, None, None]
        s = (1 - alphas[t]).sqrt()[:, None, None, None]
        xt = a * x0 + s * noise
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            pred = unet(xt, t).sample
        loss = F.mse_loss(pred.float(), noise)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(unet.parameters(), 1.0)
        opt.step()
        step += 1
        decay = min(args.ema_decay, (1 + step) / (10 + step))
        with torch.no_grad():
            for pe, p in zip(ema.parameters(), unet.parameters()):
                pe.lerp_(p, 1 - decay)
        li = loss.item()
        loss_ema = li if loss_ema is None else 0.98 * loss_ema + 0.02 * li
        loss_sum += li
        loss_n += 1
        elapsed += time.time() - t0
        if step % args.log_every == 0:
            dt = (time.time() - t_log) / loss_n
            print(f"step {step:6d}  loss {loss_sum / loss_n:.4f}  loss_ema {loss_ema:.4f}  lr {lr:.2e}  "
                  f"{dt:.2f}s/step  {elapsed / 60:.1f} min", flush=True)
            t_log, loss_sum, loss_n = time.time(), 0.0, 0
        if time.time() - t_last_ckpt > args.ckpt_minutes * 60:
            save()
            t_last_ckpt = time.time()
            print(f"checkpoint at step {step}", flush=True)
    if args.minutes > 0:
        save()
        print(f"done: step {step}, {elapsed / 60:.1f} min trained, loss_ema {loss_ema:.4f}", flush=True)


# --------------------------------------------------------------------------------------------- export

def export(args):
    from safetensors.torch import load_file, save_file
    from diffusers import DDPMPipeline
    st = torch.load(os.path.join(args.work, "ckpt.pt"), weights_only=False)
    unet = make_unet()
    unet.load_state_dict(st["ema"])
    pipe = DDPMPipeline(unet=unet, scheduler=make_scheduler())
    pipe.save_pretrained(args.out, safe_serialization=True)
    w = os.path.join(args.out, "unet", "diffusion_pytorch_model.safetensors")
    sd = load_file(w)
    save_file({k: v.to(torch.float16).contiguous() for k, v in sd.items()}, w, metadata={"format": "pt"})
    os.chmod(w, 0o644)
    info = {"step": st["step"], "minutes": round(st["elapsed"] / 60, 1), "loss_ema": round(st["loss_ema"], 4),
            "nparams": st["nparams"], "bytes": os.path.getsize(w)}
    print("exported", args.out, json.dumps(info), flush=True)
    assert info["bytes"] <= 8 * 1024 * 1024
    return info


def load_pipeline(path):
    from diffusers import DDPMPipeline
    return DDPMPipeline.from_pretrained(path)  # the fp16 file loads as float32


def samples(args):
    torch.set_num_threads(args.threads)
    from diffusers import DDIMPipeline, DDIMScheduler
    pipe = load_pipeline(args.out)
    t = time.time()
    # The sampling command recorded in docs/model-card.md (DDIM, 50 steps: 20x cheaper than 1000 DDPM steps)
    ddim = DDIMPipeline(unet=pipe.unet, scheduler=DDIMScheduler.from_config(pipe.scheduler.config))
    images = ddim(batch_size=16, generator=torch.manual_seed(0), num_inference_steps=50).images
    print(f"16 samples, 50 DDIM steps: {time.time() - t:.1f}s", flush=True)
    up, pad = 4, 4
    cell = 32 * up
    grid = Image.new("RGB", (4 * cell + 5 * pad, 4 * cell + 5 * pad), (255, 255, 255))
    for i, im in enumerate(images):
        r, c = divmod(i, 4)
        grid.paste(im.resize((cell, cell), Image.NEAREST), (pad + c * (cell + pad), pad + r * (cell + pad)))
    path = os.path.join(REPO, "docs", "images", "tiny-cats-32-samples.png")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    grid.save(path, optimize=True)
    print("wrote", path, flush=True)
    # the training data, for comparison (scratch)
    data = make_dataset(args.n, args.seed, args.work)
    dgrid = Image.new("RGB", (4 * cell + 5 * pad, 4 * cell + 5 * pad), (255, 255, 255))
    for i in range(16):
        r, c = divmod(i, 4)
        dgrid.paste(Image.fromarray(data[i]).resize((cell, cell), Image.NEAREST),
                    (pad + c * (cell + pad), pad + r * (cell + pad)))
    dgrid.save(os.path.join(args.work, "data-grid.png"))


REFERENCE_CODE = '''\
import torch
from diffusers import DDPMPipeline, DDIMPipeline, DDIMScheduler, UNet2DModel
torch.set_num_threads(2)
path = "Sources/Diffusers/Resources/tiny-cats-32"
pipe = DDPMPipeline.from_pretrained(path)  # the fp16 weights load as float32
# 1. one UNet call on seed-0 noise (quicktour steps 5-6)
torch.manual_seed(0)
noisy_sample = torch.randn(1, 3, 32, 32)
with torch.no_grad():
    unet_out_t2 = pipe.unet(sample=noisy_sample, timestep=2).sample
# 2. DDPM, 1000 steps, batch 1, seed 0
ddpm_1000 = pipe(batch_size=1, generator=torch.manual_seed(0), num_inference_steps=1000, output_type="np").images
# 3. DDIM, 50 steps, batch 1, seed 0 (eta 0)
ddim = DDIMPipeline(unet=pipe.unet, scheduler=DDIMScheduler.from_config(pipe.scheduler.config))
ddim_50 = ddim(batch_size=1, generator=torch.manual_seed(0), num_inference_steps=50, output_type="np").images
'''


def reference(args):
    torch.set_num_threads(args.threads)
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        ns = {}
        exec(REFERENCE_CODE, ns)
    finally:
        os.chdir(cwd)
    path = os.path.join(args.work, "reference_samples.npz")
    np.savez(path, noisy_sample=ns["noisy_sample"].numpy(), unet_out_t2=ns["unet_out_t2"].numpy(),
             ddpm_1000=ns["ddpm_1000"], ddim_50=ns["ddim_50"], code=np.array(REFERENCE_CODE))
    with open(os.path.join(args.work, "reference_samples.py"), "w") as f:
        f.write(REFERENCE_CODE)
    for k in ("ddpm_1000", "ddim_50"):
        Image.fromarray((ns[k][0] * 255).round().astype(np.uint8)).resize((128, 128), Image.NEAREST).save(
            os.path.join(args.work, f"reference_{k}.png"))
    print("wrote", path, {k: ns[k].shape for k in ("noisy_sample", "unet_out_t2", "ddpm_1000", "ddim_50")},
          flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=os.path.join(REPO, "Sources/Diffusers/Resources/tiny-cats-32"))
    p.add_argument("--work", default=os.path.join(REPO, "tools/out"))
    p.add_argument("--minutes", type=float, default=50, help="cumulative training-time budget (0: no training)")
    p.add_argument("--steps", type=int, default=6000, help="planned (maximum) number of steps")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--export", action="store_true", help="write the fp16 pipeline folder from the EMA weights")
    p.add_argument("--samples", action="store_true", help="render docs/images/tiny-cats-32-samples.png")
    p.add_argument("--reference", action="store_true", help="write tools/out/reference_samples.npz")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n", type=int, default=20000, help="number of drawn training images")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--final-lr", type=float, default=2e-5)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--weight-decay", type=float, default=0.01)
    p.add_argument("--ema-decay", type=float, default=0.999)
    p.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=True,
                   help="bf16 autocast for the UNet forward (weights, optimizer and loss stay fp32)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--log-every", type=int, default=25)
    p.add_argument("--ckpt-minutes", type=float, default=3)
    p.add_argument("--data-only", action="store_true", help="draw the data set and a preview grid, then stop")
    args = p.parse_args()

    if args.data_only:
        data = make_dataset(args.n, args.seed, args.work)
        grid = np.concatenate([np.concatenate(list(data[r * 8:(r + 1) * 8]), axis=1) for r in range(8)], axis=0)
        Image.fromarray(grid).resize((grid.shape[1] * 3, grid.shape[0] * 3), Image.NEAREST).save(
            os.path.join(args.work, "data-preview.png"))
        return
    if args.minutes > 0:
        train(args)
    if args.export:
        export(args)
    if args.samples:
        samples(args)
    if args.reference:
        reference(args)


if __name__ == "__main__":
    main()
