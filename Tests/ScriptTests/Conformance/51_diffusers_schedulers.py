# Schedulers from the quicktour: configs, timesteps, from_config swaps and seeded steps.
import torch
from diffusers import DDPMScheduler, DDIMScheduler, EulerDiscreteScheduler

scheduler = DDPMScheduler(num_train_timesteps=1000, beta_schedule="linear", clip_sample=True)
print(scheduler)
print(scheduler.timesteps[:5], len(scheduler.timesteps))
scheduler.set_timesteps(10)
print(scheduler.timesteps)
torch.manual_seed(0)
sample = torch.randn(1, 3, 4, 4)
model_output = torch.randn(1, 3, 4, 4)
out = scheduler.step(model_output, scheduler.timesteps[0], sample, generator=torch.Generator().manual_seed(1))
print(out.prev_sample[0, 0])
ddim = DDIMScheduler.from_config(scheduler.config)
ddim.set_timesteps(5)
print(ddim.timesteps)
print(ddim.step(model_output, ddim.timesteps[0], sample).prev_sample[0, 1, 0])
euler = EulerDiscreteScheduler.from_config(scheduler.config)
euler.set_timesteps(4)
print(euler.timesteps, euler.init_noise_sigma)
scaled = euler.scale_model_input(sample, euler.timesteps[0])
print(scaled[0, 2, 1])
print(euler.config.timestep_spacing, euler.config.num_train_timesteps)
