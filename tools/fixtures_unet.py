#!/usr/bin/env python3
"""Parity fixtures for dsh's UNet2DModel (Tests/DiffusersTests/Fixtures/unet_<case>/).

Each case builds a tiny diffusers 0.42.1 UNet2DModel with random weights, saves it as diffusers
does (config.json + safetensors; some in fp16/bf16, one sharded, one renamed to the legacy
attention names), loads it back with `UNet2DModel.from_pretrained` (so the reference output comes
from what diffusers reads from the same files), runs one forward pass and writes:

    unet_<case>/config.json, diffusion_pytorch_model[.<variant>].safetensors (or shards + index)
    unet_<case>/case.json          how the test calls the model (variant, timestep kind, ...)
    unet_<case>/io.safetensors     sample, timestep (tensor cases), class_labels, output

Run with the reference venv:  .venv-ref/bin/python tools/fixtures_unet.py
"""
import json
import math
import os
import shutil

import torch
from safetensors.torch import load_file, save_file

import diffusers
from diffusers import UNet2DModel

assert diffusers.__version__ == "0.42.1", diffusers.__version__

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "DiffusersTests", "Fixtures")

TINY = dict(block_out_channels=(8, 16), norm_num_groups=4, layers_per_block=1)
SDE = dict(
    block_out_channels=(32, 32), norm_num_groups=8, layers_per_block=1, time_embedding_type="fourier",
    mid_block_scale_factor=math.sqrt(2.0), attention_head_dim=16, norm_eps=1e-6,
)

CASES = [
    # The google/ddpm-cat-256 recipe, small: positional embedding with freq_shift 1, no flip,
    # downsample_padding 0, attention_head_dim null, legacy attention names in the file.
    dict(name="ddpm_legacy", config=dict(TINY, sample_size=16, freq_shift=1, flip_sin_to_cos=False,
                                         downsample_padding=0, attention_head_dim=None, norm_eps=1e-6,
                                         down_block_types=("DownBlock2D", "AttnDownBlock2D"),
                                         up_block_types=("AttnUpBlock2D", "UpBlock2D")),
         batch=1, size=(16, 16), timestep=("int", 2), legacy=True),
    # Defaults for the rest, fp16 variant, batch 2 with per-sample timesteps, non-square input,
    # several heads.
    dict(name="fp16_batch", config=dict(TINY, sample_size=(8, 12), attention_head_dim=4,
                                        down_block_types=("DownBlock2D", "AttnDownBlock2D"),
                                        up_block_types=("AttnUpBlock2D", "UpBlock2D")),
         batch=2, size=(8, 12), timestep=("tensor", [10, 500]), storage="float16", variant="fp16"),
    # scale_shift, resnet down/up samplers, attn_norm_num_groups, mish, center_input_sample,
    # mid_block_scale_factor, a 0-d float timestep, bfloat16 storage, three levels.
    dict(name="scale_shift_bf16", config=dict(block_out_channels=(8, 8, 16), norm_num_groups=4, layers_per_block=2,
                                              sample_size=8, resnet_time_scale_shift="scale_shift",
                                              downsample_type="resnet", upsample_type="resnet",
                                              attn_norm_num_groups=2, act_fn="mish", center_input_sample=True,
                                              mid_block_scale_factor=1.5, attention_head_dim=8, in_channels=2,
                                              out_channels=1,
                                              down_block_types=("AttnDownBlock2D", "DownBlock2D", "AttnDownBlock2D"),
                                              up_block_types=("AttnUpBlock2D", "UpBlock2D", "AttnUpBlock2D")),
         batch=1, size=(8, 8), timestep=("tensor0d", 37.5), storage="bfloat16"),
    # A class table, no mid block, time_embedding_dim, sharded checkpoint, int timestep.
    dict(name="class_table_sharded", config=dict(TINY, sample_size=8, num_class_embeds=10, mid_block_type=None,
                                                 time_embedding_dim=24, freq_shift=3,
                                                 down_block_types=("AttnDownBlock2D", "DownBlock2D"),
                                                 up_block_types=("UpBlock2D", "AttnUpBlock2D")),
         batch=2, size=(8, 8), timestep=("int", 999), class_labels=("int", [3, 7]), shard="20KB"),
    # class_embed_type "timestep", add_attention False, gelu, a Python float timestep (diffusers
    # makes it a long: 2.7 -> 2).
    dict(name="class_timestep", config=dict(TINY, sample_size=8, class_embed_type="timestep", add_attention=False,
                                            act_fn="gelu", down_block_types=("DownBlock2D", "DownBlock2D"),
                                            up_block_types=("UpBlock2D", "UpBlock2D")),
         batch=2, size=(8, 8), timestep=("float", 2.7), class_labels=("float", [1.5, 40.0])),
    # class_embed_type "identity": class labels are [B, time_embed_dim] features.
    dict(name="class_identity", config=dict(TINY, sample_size=8, class_embed_type="identity", downsample_padding=0,
                                            down_block_types=("DownBlock2D", "AttnDownBlock2D"),
                                            up_block_types=("AttnUpBlock2D", "UpBlock2D")),
         batch=1, size=(8, 8), timestep=("tensor", [321]), class_labels=("features", 32)),
    # time_embedding_type "learned": a table of num_train_timesteps rows; no mid block.
    dict(name="learned_time", config=dict(TINY, sample_size=8, time_embedding_type="learned", num_train_timesteps=50,
                                          mid_block_type=None, down_block_types=("DownBlock2D", "DownBlock2D"),
                                          up_block_types=("UpBlock2D", "UpBlock2D")),
         batch=2, size=(8, 8), timestep=("tensor", [3, 49])),
    # Score-SDE (NCSN++ style): Fourier time embedding, the four Skip blocks, float sigmas.
    dict(name="score_sde", config=dict(SDE, sample_size=8,
                                       down_block_types=("SkipDownBlock2D", "AttnSkipDownBlock2D"),
                                       up_block_types=("AttnSkipUpBlock2D", "SkipUpBlock2D")),
         batch=2, size=(8, 8), timestep=("tensor", [0.5, 12.0]), storage="float16", variant="fp16"),
    # Score-SDE with the attention blocks first and then plain ones; scale_shift; one sigma for all.
    dict(name="score_sde_attn_first", config=dict(SDE, sample_size=8, resnet_time_scale_shift="scale_shift",
                                                  down_block_types=("AttnSkipDownBlock2D", "SkipDownBlock2D"),
                                                  up_block_types=("SkipUpBlock2D", "AttnSkipUpBlock2D")),
         batch=1, size=(8, 8), timestep=("tensor0d", 3.0), storage="float16"),
]

LEGACY = {"to_q": "query", "to_k": "key", "to_v": "value", "to_out.0": "proj_attn"}


def randomize(model, gen):
    """Random values for every parameter (norms around 1), scaled so activations stay O(1)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name == "time_proj.weight":
                continue  # GaussianFourierProjection keeps its randn * 16
            if "norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=gen))
            elif p.ndim == 1:
                p.copy_(0.2 * torch.randn(p.shape, generator=gen))
            else:
                fan_in = p[0].numel()
                p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(fan_in))


def make_case(case):
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1234)
    folder = os.path.join(ROOT, "unet_" + case["name"])
    shutil.rmtree(folder, ignore_errors=True)
    model = UNet2DModel(**case["config"]).eval()
    randomize(model, gen)

    storage = case.get("storage", "float32")
    variant = case.get("variant")
    save_model = model.to(getattr(torch, storage)) if storage != "float32" else model
    kwargs = dict(variant=variant, safe_serialization=True)
    if case.get("shard"):
        kwargs["max_shard_size"] = case["shard"]
    save_model.save_pretrained(folder, **kwargs)

    if case.get("legacy"):
        path = os.path.join(folder, "diffusion_pytorch_model.safetensors")
        sd = load_file(path)
        renamed = {}
        for k, v in sd.items():
            for new, old in LEGACY.items():
                if ".attentions." in k and f".{new}." in k:
                    k = k.replace(f".{new}.", f".{old}.")
            renamed[k] = v
        assert renamed.keys() != sd.keys()
        save_file(renamed, path, metadata={"format": "pt"})

    # The reference: what diffusers computes from the files.
    loaded = UNet2DModel.from_pretrained(folder, variant=variant).eval()
    assert loaded.dtype == torch.float32
    saved = save_model.state_dict()
    for k, v in loaded.state_dict().items():  # every tensor came from the files
        assert torch.equal(v, saved[k].float()), k

    b, (h, w) = case["batch"], case["size"]
    cin = case["config"].get("in_channels", 3)
    io = {"sample": torch.randn(b, cin, h, w, generator=gen)}
    kind, value = case["timestep"]
    if kind == "int" or kind == "float":
        timestep = value
    elif kind == "tensor":
        timestep = torch.tensor(value, dtype=torch.float32 if any(isinstance(v, float) for v in value) else torch.long)
        io["timestep"] = timestep
    elif kind == "tensor0d":
        timestep = torch.tensor(value)
        io["timestep"] = timestep
    class_labels = None
    if "class_labels" in case:
        ckind, cval = case["class_labels"]
        if ckind == "int":
            class_labels = torch.tensor(cval, dtype=torch.long)
        elif ckind == "float":
            class_labels = torch.tensor(cval, dtype=torch.float32)
        else:
            temb = case["config"].get("time_embedding_dim") or case["config"]["block_out_channels"][0] * 4
            class_labels = torch.randn(b, temb, generator=gen)
        io["class_labels"] = class_labels

    with torch.no_grad():
        out = loaded(sample=io["sample"], timestep=timestep, class_labels=class_labels)
        tup = loaded(sample=io["sample"], timestep=timestep, class_labels=class_labels, return_dict=False)
    assert torch.equal(out.sample, tup[0])
    io["output"] = out.sample.contiguous()
    save_file({k: v.contiguous() for k, v in io.items()}, os.path.join(folder, "io.safetensors"))

    meta = {
        "variant": variant,
        "storage": storage,
        "timestep_kind": kind,
        "timestep": value if kind in ("int", "float") else None,
        "num_parameters": loaded.num_parameters(),
        "sharded": bool(case.get("shard")),
        "legacy": bool(case.get("legacy")),
        "config_repr": repr(loaded.config).replace(folder, "<folder>"),
        "output_scale": io["output"].abs().max().item(),
    }
    with open(os.path.join(folder, "case.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    size = sum(os.path.getsize(os.path.join(folder, n)) for n in os.listdir(folder))
    print(f"unet_{case['name']}: {loaded.num_parameters()} parameters, {size / 1024:.0f} KB, "
          f"output {tuple(out.sample.shape)} max|y| {meta['output_scale']:.3g}")


if __name__ == "__main__":
    for c in CASES:
        make_case(c)
