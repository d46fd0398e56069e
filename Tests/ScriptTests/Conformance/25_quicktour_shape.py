import math
import time

def display_sample(sample, i):
    processed = [(v + 1.0) * 127.5 for v in sample]
    print(f"Image at step {i}: {[round(p, 1) for p in processed]}")

timesteps = list(range(999, -1, -100))
sample = [0.5, -0.25, 1.0]
start = time.perf_counter()
for i, t in enumerate(timesteps):
    residual = [math.sin(v * t) * 0.01 for v in sample]
    sample = [s - r for s, r in zip(sample, residual)]
    if (i + 1) % 5 == 0:
        display_sample(sample, i + 1)
config = {"sample_size": 256, "in_channels": 3, "block_out_channels": (128, 128, 256, 256, 512, 512)}
print(config["in_channels"], config["block_out_channels"][-1], len(config))
shape = (1, config["in_channels"], config["sample_size"], config["sample_size"])
print(f"torch.Size({list(shape)})", shape[1:])
elapsed = time.perf_counter() - start
print(elapsed >= 0)
