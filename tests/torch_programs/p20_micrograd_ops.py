"""Scalar autograd checks in the spirit of micrograd's tests against PyTorch.

Idioms of micrograd's test_engine.py: ``torch.Tensor([-4.0]).double()`` then
``x.requires_grad = True``, mixed Python-scalar arithmetic (``2 * x + 2 + x``, ``10.0 / f``,
``1 - x``, ``-a``), ``.relu()``, ``**`` with integer and float powers, ``.tanh()``,
``.exp()``, ``.log()``, ``.sigmoid()``, ``y.backward()``, reading results with
``ypt.data.item()`` and ``xpt.grad.item()``; every forward value and gradient is printed.
"""

import torch

x = torch.Tensor([-3.5]).double()
x.requires_grad = True
z = 3 * x + 1 + x
q = z.relu() + z * x
h = (z * z).relu()
y = h + q + q * x
y.backward()
xpt, ypt = x, y
print("sanity", ypt.data.item(), xpt.grad.item())

a = torch.Tensor([-2.5]).double()
b = torch.Tensor([1.5]).double()
a.requires_grad = True
b.requires_grad = True
c = a + b
d = a * b + b**3
c = c + c + 1
c = c + 1 + c + (-a)
d = d + d * 2 + (b + a).relu()
d = d + 3 * d + (b - a).relu()
e = c - d
f = e**2
g = f / 2.0
g = g + 10.0 / f
g.backward()
print("more ops", g.data.item(), a.grad.item(), b.grad.item())

u = torch.Tensor([0.7]).double()
u.requires_grad = True
v = (1 - u) * u.tanh() + u.exp() / (u**0.5) - (2 * u).sigmoid() * u.log()
w = v**3 - 4 / v + abs(u - 1.2)
w.backward()
print("transcendentals", v.item(), w.item(), u.grad.item())

s = torch.tensor(2.0, requires_grad=True)
t = torch.tensor(-1.5, requires_grad=True)
out = (s * t + s**2 - t / s).tanh() * 3.0 - (s - t) ** 2 / 7
out.backward()
print("float32 scalars", out.item(), s.grad.item(), t.grad.item())
print("float arithmetic on items", s.item() + t.item(), float(s.detach()) * 2, int(t.detach()))
