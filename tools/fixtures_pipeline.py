#!/usr/bin/env python3
"""Fixtures for the pipeline parity tests: diffusers 0.42.1 on the embedded model dsh/tiny-cats-32.

Writes Tests/DiffusersTests/Fixtures/pipeline_tiny_cats.safetensors with, for seed 0:
  noisy_sample  torch.manual_seed(0); torch.randn(1, 3, 32, 32)     (quicktour step 5)
  unet_out_t2   model(noisy_sample, timestep=2).sample               (quicktour step 6)
  step_t2       DDPMScheduler.step(unet_out_t2, 2, noisy_sample).prev_sample   (step 7)
  ddpm_1000     DDPMPipeline(generator=Generator().manual_seed(0), output_type="np").images
  ddim_50       DDIMPipeline(... num_inference_steps=50, output_type="np").images
  dpm_20        DDPMPipeline with DPMSolverMultistepScheduler.from_config(scheduler.config) (the DDPM
                config's variance_type "fixed_small" carries over), 20 steps, output_type="np"
  euler_20      EulerDiscreteScheduler.from_config(scheduler.config), 20 steps, sampled the way
                diffusers' own sigma-aware pipelines do (noise times init_noise_sigma,
                scale_model_input before the UNet), images as output_type="np" gives them

    .venv-ref/bin/python tools/fixtures_pipeline.py
"""
import pathlib

import torch
from diffusers import DDIMPipeline, DDPMPipeline, DDPMScheduler, DPMSolverMultistepScheduler, EulerDiscreteScheduler, UNet2DModel
from safetensors.torch import save_file

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODEL = ROOT / "Sources" / "Diffusers" / "Resources" / "tiny-cats-32"
OUT = ROOT / "Tests" / "DiffusersTests" / "Fixtures" / "pipeline_tiny_cats.safetensors"


def main():
    torch.set_num_threads(2)
    out = {}
    model = UNet2DModel.from_pretrained(MODEL, subfolder="unet").float()
    scheduler = DDPMScheduler.from_pretrained(MODEL, subfolder="scheduler")
    torch.manual_seed(0)
    noisy = torch.randn(1, model.config.in_channels, model.config.sample_size, model.config.sample_size)
    with torch.no_grad():
        residual = model(sample=noisy, timestep=2).sample
    out["noisy_sample"] = noisy
    out["unet_out_t2"] = residual
    out["step_t2"] = scheduler.step(model_output=residual, timestep=2, sample=noisy).prev_sample

    ddpm = DDPMPipeline.from_pretrained(MODEL)
    ddpm.set_progress_bar_config(disable=True)
    with torch.no_grad():
        images = ddpm(generator=torch.Generator().manual_seed(0), output_type="np").images
    out["ddpm_1000"] = torch.from_numpy(images).contiguous()

    ddim = DDIMPipeline.from_pretrained(MODEL)
    ddim.set_progress_bar_config(disable=True)
    with torch.no_grad():
        images = ddim(generator=torch.Generator().manual_seed(0), num_inference_steps=50, output_type="np").images
    out["ddim_50"] = torch.from_numpy(images).contiguous()

    ddpm.scheduler = DPMSolverMultistepScheduler.from_config(ddpm.scheduler.config)
    with torch.no_grad():
        images = ddpm(generator=torch.Generator().manual_seed(0), num_inference_steps=20, output_type="np").images
    out["dpm_20"] = torch.from_numpy(images).contiguous()

    euler = EulerDiscreteScheduler.from_config(scheduler.config)
    euler.set_timesteps(20)
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(1, 3, model.config.sample_size, model.config.sample_size, generator=generator) * euler.init_noise_sigma
    with torch.no_grad():
        for t in euler.timesteps:
            eps = model(euler.scale_model_input(x, t), t).sample
            x = euler.step(eps, t, x, generator=generator).prev_sample
    out["euler_20"] = (x / 2 + 0.5).clamp(0, 1).permute(0, 2, 3, 1).contiguous()

    save_file({k: v.float().contiguous() for k, v in out.items()}, OUT, metadata={"diffusers": "0.42.1", "torch": torch.__version__})
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
