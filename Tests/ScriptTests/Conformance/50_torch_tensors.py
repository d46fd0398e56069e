# Tensors as the quicktour uses them: seeded noise, shapes, arithmetic, printing.
import torch
import numpy as np

torch.manual_seed(0)
x = torch.randn(2, 3)
print(x)
print(x.shape, x.dtype, x.device)
print(x.sum(), x.mean(dim=1), x.max())
y = (x + 1.0) * 127.5
print(y.clamp(0, 255).to(torch.uint8))
print(x.permute(1, 0)[:, 1:])
print(torch.arange(10)[2:8:2], torch.arange(0.0, 1.0, 0.25))
print(torch.linspace(0, 1, 5))
print(x > 0, (x > 0).sum().item())
print(x.unsqueeze(0).shape, x.reshape(3, 2).shape, x.flatten().shape)
print(torch.cat([x, x], dim=0).shape, torch.stack([x, x]).shape)
a = x.numpy()
print(a.dtype, a.shape)
print(((x + 1.0) * 127.5).numpy().astype(np.uint8))
g = torch.Generator().manual_seed(42)
print(torch.rand(3, generator=g), torch.randint(0, 10, (5,), generator=g))
z = torch.zeros(2, 2)
z[0] = torch.tensor([1.0, 2.0])
z[:, 1] += 5
print(z)
print(torch.tensor([[1, 2], [3, 4]]) @ torch.tensor([[1, 0], [0, 1]]))
with torch.no_grad():
    print(torch.nn.functional.silu(torch.tensor([-1.0, 0.0, 1.0])))
print(x.std(), x.var(dim=0, unbiased=False))
