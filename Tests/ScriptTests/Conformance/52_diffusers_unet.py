# The embedded model, loaded by path as diffusers would, one forward and one scheduler step.
import os
import torch
from diffusers import UNet2DModel, DDPMScheduler

repo = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "Sources", "Diffusers", "Resources", "tiny-cats-32")
model = UNet2DModel.from_pretrained(repo, subfolder="unet")
print(model.config.sample_size, model.config.block_out_channels, model.config.down_block_types)
print(model.num_parameters())
torch.manual_seed(0)
noisy_sample = torch.randn(1, model.config.in_channels, model.config.sample_size, model.config.sample_size)
print(noisy_sample.shape)
with torch.no_grad():
    noisy_residual = model(sample=noisy_sample, timestep=2).sample
print(noisy_residual.shape, round(noisy_residual.mean().item(), 3), round(noisy_residual.std().item(), 3))
scheduler = DDPMScheduler.from_pretrained(repo, subfolder="scheduler")
less_noisy_sample = scheduler.step(model_output=noisy_residual, timestep=2, sample=noisy_sample).prev_sample
print(less_noisy_sample.shape, round(less_noisy_sample.abs().max().item(), 3))
