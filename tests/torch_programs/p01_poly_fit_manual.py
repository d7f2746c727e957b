"""Fit sin(x) with a cubic made of raw tensors, gradients first by hand, then by autograd.

Idioms of the "Learning PyTorch with Examples" polynomial tutorials: tensors updated in place
with hand-derived gradients (``a -= lr * grad_a``); then scalar leaves with
``requires_grad=True``, ``(y_pred - y).pow(2).sum()``, ``loss.backward()`` and a manual step
under ``torch.no_grad()`` that clears the gradients with ``w.grad.zero_()`` for two leaves and
``w.grad = None`` for the other two.
"""

import math

import numpy as np
import torch

rng = np.random.default_rng(0)
dtype = torch.float
device = torch.device("cpu")

x = torch.linspace(-math.pi, math.pi, 200, device=device, dtype=dtype)
y = torch.sin(x)
start = rng.standard_normal(4) * 0.1

# 1. Tensors only: the backward pass written out by hand.
a, b, c, d = (torch.tensor(v, device=device, dtype=dtype) for v in start)
lr = 1e-5
for t in range(300):
    y_pred = a + b * x + c * x**2 + d * x**3
    loss = (y_pred - y).pow(2).sum().item()
    if t % 60 == 59:
        print("manual", t, loss)
    grad_y_pred = 2.0 * (y_pred - y)
    a -= lr * grad_y_pred.sum()
    b -= lr * (grad_y_pred * x).sum()
    c -= lr * (grad_y_pred * x**2).sum()
    d -= lr * (grad_y_pred * x**3).sum()
print(f"manual: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3")

# 2. Autograd computes the gradients; the update stays manual.
a, b, c, d = (torch.tensor(v, dtype=dtype, requires_grad=True) for v in start)
for t in range(300):
    y_pred = a + b * x + c * x**2 + d * x**3
    loss = (y_pred - y).pow(2).sum()
    if t % 60 == 59:
        print("autograd", t, loss.item())
    loss.backward()
    with torch.no_grad():
        a -= lr * a.grad
        b -= lr * b.grad
        c -= lr * c.grad
        d -= lr * d.grad
        a.grad.zero_()
        b.grad.zero_()
        c.grad = None
        d.grad = None
print(f"autograd: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3")
print("leaf still requires grad:", a.requires_grad, "is leaf:", a.is_leaf)
