"""Device-agnostic code and dtype conversions as tutorials write them on a CPU-only machine.

Idioms: ``device = torch.device("cuda" if torch.cuda.is_available() else "cpu")``,
``torch.backends.mps.is_available()``, ``torch.tensor(..., device=device)``,
``x.to(device)``, ``model.to(device)``, ``next(model.parameters()).device``,
``x.device.type``, ``.cpu().numpy()``, ``x.to(torch.float64)``, ``x.to(other)``,
``.double()``, ``.float()``, ``.long()``, ``.int()``, ``.type(torch.float32)``,
``torch.float``/``torch.long``/``torch.bool`` dtype aliases compared with ``==``,
``x.is_floating_point()``, ``torch.zeros(..., dtype=torch.long)``, ``model.double()`` for a
float64 forward, ``torch.set_grad_enabled(False)`` used as a context manager, and
``torch.autograd.Variable`` (an alias of Tensor since PyTorch 0.4).
"""

import numpy as np
import torch
import torch.nn as nn

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(
    "cuda available", torch.cuda.is_available(), "mps available", torch.backends.mps.is_available()
)
print("device", device, device.type == "cpu", str(device))

rng = np.random.default_rng(0)
a = rng.standard_normal((3, 4)).astype(np.float32)
x = torch.tensor(a, device=device)
print("on device", x.device == device, x.device.type, x.is_cuda)
x = x.to(device)
print("round trip", np.array_equal(x.cpu().numpy(), a), np.array_equal(x.detach().cpu().numpy(), a))

d = x.to(torch.float64)
print("float64", d.dtype == torch.float64, d.dtype == torch.double, d.sum().item())
f = d.float()
print("float", f.dtype == torch.float32, f.dtype == torch.float, f.is_floating_point())
i = (x * 10).long()
print("long", i.dtype == torch.int64, i.dtype == torch.long, i.tolist(), i.is_floating_point())
print(
    "int",
    (x * 10).int().dtype == torch.int32,
    "type()",
    x.type(torch.float64).dtype == torch.float64,
)
print("to(other)", x.to(d).dtype == torch.float64, i.to(x).dtype == torch.float32)
b = x > 0
print("bool", b.dtype == torch.bool, b.sum().item(), b.float().mean().item())
z = torch.zeros(2, 3, dtype=torch.long, device=device)
print("zeros long", z.dtype == torch.long, z.tolist())
print("to(device, dtype)", x.to(device, torch.float64).dtype == torch.float64)

model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)).to(device)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)).astype(np.float32) * 0.5))
print("model device", next(model.parameters()).device.type, next(model.parameters()).is_cuda)
out32 = model(x)
model.double()
out64 = model(x.double())
print("float32 out", out32.dtype == torch.float32, out32.sum().item())
print("float64 out", out64.dtype == torch.float64, out64.sum().item())
model.float()
print("back to float32", next(model.parameters()).dtype == torch.float32)

with torch.set_grad_enabled(False):
    y = model(x)
print("grad disabled", y.requires_grad, torch.is_grad_enabled())
v = torch.autograd.Variable(torch.ones(2), requires_grad=True)
(v * 3).sum().backward()
print("Variable grad", v.grad.tolist())
