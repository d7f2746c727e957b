"""Autograd as the tutorials show it: grad_fn, backward(gradient), Jacobian products, grad().

Idioms of "Automatic Differentiation with torch.autograd" and the blitz autograd page:
``torch.matmul(x, w) + b`` with ``requires_grad=True`` leaves,
``F.binary_cross_entropy_with_logits``, ``z.grad_fn``, ``loss.backward()`` then ``w.grad``,
``torch.no_grad()`` and ``detach()`` turning requires_grad off, ``out.backward(
torch.ones_like(out), retain_graph=True)`` accumulating into ``inp.grad`` until
``inp.grad.zero_()``, ``Q.backward(gradient=external_grad)`` compared with the analytic
``9*a**2 == a.grad``, ``requires_grad_()``, and ``torch.autograd.grad`` with
``create_graph=True`` for a second derivative.
"""

import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(0)

x = torch.ones(5)
y = torch.zeros(3)
w = torch.tensor(rng.standard_normal((5, 3)).astype(np.float32), requires_grad=True)
b = torch.tensor(rng.standard_normal(3).astype(np.float32), requires_grad=True)
z = torch.matmul(x, w) + b
loss = F.binary_cross_entropy_with_logits(z, y)
print("loss", loss.item())
print("z has grad_fn", z.grad_fn is not None, "loss has grad_fn", loss.grad_fn is not None)
loss.backward()
print("w.grad", w.grad.tolist())
print("b.grad", b.grad.tolist())

z = torch.matmul(x, w) + b
print("requires_grad", z.requires_grad)
with torch.no_grad():
    z = torch.matmul(x, w) + b
print("under no_grad", z.requires_grad)
z = torch.matmul(x, w) + b
z_det = z.detach()
print("detached", z_det.requires_grad)

inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\n{inp.grad.tolist()}")
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nSecond call\n{inp.grad.tolist()}")
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nCall after zeroing gradients\n{inp.grad.tolist()}")

a = torch.tensor([2.0, 3.0], requires_grad=True)
b = torch.tensor([6.0, 4.0], requires_grad=True)
Q = 3 * a**3 - b**2
external_grad = torch.tensor([1.0, 1.0])
Q.backward(gradient=external_grad)
print(9 * a**2 == a.grad)
print(-2 * b == b.grad)
print("a.grad", a.grad.tolist(), "b.grad", b.grad.tolist())

u = torch.tensor(rng.standard_normal(4).astype(np.float32))
u.requires_grad_()
f = (u**3).sum() + (u * u).sin().sum()
(g,) = torch.autograd.grad(f, u, create_graph=True)
print("first derivative", g.tolist())
(h,) = torch.autograd.grad(g.sum(), u)
print("second derivative", h.tolist())
print("analytic", (6 * u + 2 * torch.cos(u * u) - 4 * u * u * torch.sin(u * u)).tolist())

v = torch.tensor(rng.standard_normal(3).astype(np.float32), requires_grad=True)
s = (v * v).sum()
grads = torch.autograd.grad(outputs=[s], inputs=[v], grad_outputs=[torch.tensor(2.0)])
print("grad_outputs scaled", grads[0].tolist(), (4 * v).tolist())
