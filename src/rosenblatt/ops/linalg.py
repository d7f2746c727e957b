"""Matrix products: matmul (batched, broadcasting) and the fused linear layer."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from ..kernels import activation as _act
from ..tensor import Tensor
from .elementwise import _pair


class MatMul(Function):
    """matmul: Y = A B; dL/dA = dL/dY B^T, dL/dB = A^T dL/dY (batch dims broadcast)

    1-D operands are promoted as in ``np.matmul`` (a row vector on the left, a column vector
    on the right) and the added dimension removed again.
    """

    differentiable_backward = True

    def forward(self, a, b):
        self.a_vec, self.b_vec = a.ndim == 1, b.ndim == 1
        self.a, self.b = a, b
        am, bm = self._promoted(a, b)
        y = am @ bm
        if self.a_vec:
            y = y[..., 0, :]
        if self.b_vec:
            y = y[..., 0]
        return y

    def _promoted(self, a, b):
        return (a.reshape(1, -1) if self.a_vec else a), (b.reshape(-1, 1) if self.b_vec else b)

    def backward(self, g):
        a, b = self._promoted(self.a, self.b)
        if self.b_vec:
            g = np.expand_dims(g, -1)
        if self.a_vec:
            g = np.expand_dims(g, -2)
        na, nb = self.needs_input_grad
        ga = gb = None
        if na:
            ga = g @ np.swapaxes(b, -1, -2)
            if self.a_vec:
                ga = ga.reshape(-1, ga.shape[-1]).sum(axis=0) if ga.ndim > 2 else ga[0]
        if nb:
            gb = np.swapaxes(a, -1, -2) @ g
            if self.b_vec:
                gb = gb.reshape(-1, gb.shape[-2]).sum(axis=0) if gb.ndim > 2 else gb[:, 0]
        return ga, gb


class Linear(Function):
    """linear: y = x W^T + b; dL/dx = dL/dy W, dL/dW = dL/dy^T x, dL/db = sum_n dL/dy

    One GEMM forward and at most two backward (dL/dx is skipped when x needs no gradient).
    ``x`` may have any number of leading dimensions, ``(*, in_features)``.
    """

    differentiable_backward = True

    def forward(self, x, w, b=None):
        self.x, self.w = x, w
        y = x @ w.T
        if b is not None:
            y = _act.bias_act(y, b, _act.IDENTITY)  # y += b
        return y

    def backward(self, g):
        x, w = self.x, self.w
        need = self.needs_input_grad
        gx = g @ w if need[0] else None
        if g.ndim != 2:  # (*, out): batch dims folded; (out,) for an unbatched input
            g = g.reshape(-1, g.shape[-1])
            x = x.reshape(-1, x.shape[-1])
        gw = g.T @ x if need[1] else None
        if len(need) > 2 and need[2]:
            return gx, gw, g.sum(axis=0)
        return gx, gw


class LinearAct(Linear):
    """linear + activation: y = act(x W^T + b); dL/dz = dL/dy act'(y), then as linear

    The bias and the activation are one pass over the product's output, and so is
    act'(y) times the incoming gradient (``kernels.activation``); act is relu, tanh or
    sigmoid, whose derivative is written through the output y.
    """

    saves_output = True

    def forward(self, x, w, b=None, activation="relu"):
        self.x, self.w = x, w
        self.act = _act.ACTIVATIONS[activation]
        self.y = _act.bias_act(x @ w.T, b, self.act)
        return self.y

    def backward(self, g):
        return super().backward(_act.act_backward(g, self.y, self.act))


def matmul(a: Any, b: Any) -> Tensor:
    return MatMul.apply(*_pair(a, b))


def linear(
    input: Tensor, weight: Tensor, bias: Tensor | None = None, activation: str | None = None
) -> Tensor:
    """Affine map ``y = x W^T + b`` with PyTorch's layout: ``weight`` is (out, in).

    The input is cast to the weight's dtype, so a float32 layer computes in float32 even
    when it is fed float64 data. ``activation`` ("relu", "tanh" or "sigmoid") fuses
    ``y = act(x W^T + b)`` into one node: one pass over the output for bias and activation,
    one for the activation's derivative (``LinearAct``).
    """
    if activation not in (None, "identity", "relu", "tanh", "sigmoid"):
        raise ValueError(
            f"linear: activation must be None, 'relu', 'tanh' or 'sigmoid', got {activation!r}"
        )
    if not isinstance(input, Tensor):
        input = Tensor._make(np.asarray(input), None)
    if input._data.dtype != weight._data.dtype:
        input = input.astype(weight._data.dtype)
    if input._data.shape[-1] != weight._data.shape[1]:
        raise ValueError(
            f"linear: input has {input._data.shape[-1]} features but the weight expects "
            f"{weight._data.shape[1]} (weight shape {weight.shape}, input shape {input.shape})"
        )
    if activation not in (None, "identity"):
        args = (input, weight) if bias is None else (input, weight, bias)
        return LinearAct.apply(*args, activation=activation)
    if bias is None:
        return Linear.apply(input, weight)
    return Linear.apply(input, weight, bias)
