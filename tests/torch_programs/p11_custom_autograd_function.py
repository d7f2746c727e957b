"""Custom autograd Functions: forward(ctx, ...), save_for_backward, saved_tensors, apply.

Idioms of "PyTorch: Defining New autograd Functions" and "Extending PyTorch": a subclass of
``torch.autograd.Function`` with ``@staticmethod forward(ctx, input)`` calling
``ctx.save_for_backward`` and ``@staticmethod backward(ctx, grad_output)`` reading
``ctx.saved_tensors``; ``grad_output.clone()`` masked in place (``grad_input[input < 0] =
0``); a two-input Function using ``ctx.needs_input_grad`` and a non-tensor argument whose
gradient is ``None``; ``Fn.apply`` inside a training loop with manual updates
(``w.grad = None``); and ``torch.autograd.gradcheck`` in double precision.
"""

import numpy as np
import torch


class HermiteH3(torch.autograd.Function):
    """Physicists' Hermite polynomial H3(x) = 8x^3 - 12x; dH3/dx = 24x^2 - 12."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 8 * input**3 - 12 * input

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * (24 * input**2 - 12)


class ClampedReLU(torch.autograd.Function):
    """min(max(x, 0), cap); gradient 1 between 0 and cap, else 0."""

    @staticmethod
    def forward(ctx, input, cap):
        ctx.save_for_backward(input)
        ctx.cap = cap
        return input.clamp(min=0, max=cap)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        grad_input[input > ctx.cap] = 0
        return grad_input, None


class ScaledProduct(torch.autograd.Function):
    """y = alpha * x * w; dy/dx = alpha w, dy/dw = alpha x (summed over the batch)."""

    @staticmethod
    def forward(ctx, x, w, alpha):
        ctx.save_for_backward(x, w)
        ctx.alpha = alpha
        return alpha * x * w

    @staticmethod
    def backward(ctx, grad_output):
        x, w = ctx.saved_tensors
        grad_x = grad_w = None
        if ctx.needs_input_grad[0]:
            grad_x = ctx.alpha * grad_output * w
        if ctx.needs_input_grad[1]:
            grad_w = (ctx.alpha * grad_output * x).sum(0)
        return grad_x, grad_w, None


rng = np.random.default_rng(0)
x = torch.linspace(-1.0, 1.0, 100)
y = torch.sin(2.0 * x)
start = rng.standard_normal(4) * 0.1
a, b, c, d = (torch.full((), float(v), requires_grad=True) for v in start)
learning_rate = 5e-4
P3 = HermiteH3.apply
for t in range(400):
    y_pred = a + b * P3(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    if t % 80 == 79:
        print(t, loss.item())
    loss.backward()
    with torch.no_grad():
        for w in (a, b, c, d):
            w -= learning_rate * w.grad
            w.grad = None
print(f"Result: y = {a.item()} + {b.item()} * H3({c.item()} + {d.item()} x)")

z = torch.tensor(rng.standard_normal(8).astype(np.float32) * 2, requires_grad=True)
out = ClampedReLU.apply(z, 1.5)
out.sum().backward()
print("clamped", out.tolist())
print("clamped grad", z.grad.tolist())

xs = torch.tensor(rng.standard_normal((5, 3)).astype(np.float32), requires_grad=True)
ws = torch.tensor(rng.standard_normal(3).astype(np.float32), requires_grad=True)
prod = ScaledProduct.apply(xs, ws, 0.5)
(prod**2).sum().backward()
print("product grads", xs.grad.tolist(), ws.grad.tolist())
frozen = torch.tensor(rng.standard_normal(3).astype(np.float32))
ScaledProduct.apply(xs, frozen, 2.0).sum().backward()
print("frozen weight keeps no grad", frozen.grad is None, xs.grad.sum().item())

inputs = (torch.tensor(rng.standard_normal(4), dtype=torch.double, requires_grad=True),)
print("gradcheck H3", torch.autograd.gradcheck(HermiteH3.apply, inputs, eps=1e-6, atol=1e-4))
