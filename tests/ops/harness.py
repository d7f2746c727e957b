"""Chainer-style op harness: an op test gives inputs, the rosenblatt function and torch's.

``check_op(rb_fn, torch_fn, shapes)`` draws float64 inputs of the given shapes and checks

(a) forward: rosenblatt's output equals torch's (same shape, float64, rtol 1e-6 / atol 1e-9);
(b) backward: for one random upstream gradient G, every input gradient equals torch's;
(c) the gradient of sum(G * f(x)) equals central finite differences in float64
    (``rosenblatt.autograd.gradcheck``);
(d) float32 inputs give a float32 output and float32 gradients (and still match torch
    at float32 precision).

Inputs are drawn uniformly from ``low..high`` (per input if a list of ranges is given) and
pushed at least ``gap`` away from every point in ``kinks`` (where the function is not
differentiable and finite differences mean nothing). ``distinct=True`` makes all values of
an input different (max/min/sort-like ops without ties).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

import rosenblatt as rb

Shape = tuple[int, ...]


def draw(
    shape: Shape,
    rng: np.random.Generator,
    low: float = -2.0,
    high: float = 2.0,
    kinks: Sequence[float] = (),
    gap: float = 0.05,
    distinct: bool = False,
) -> np.ndarray:
    """Uniform samples on [low, high] kept ``gap`` away from every kink."""
    x = rng.uniform(low, high, size=shape)
    for k in kinks:
        near = np.abs(x - k) < gap
        x = np.where(near, k + np.where(x >= k, gap, -gap), x)
    if distinct and x.size:
        order = np.argsort(rng.random(x.size))
        x = (np.linspace(low, high, x.size + 2)[1:-1][order]).reshape(shape)
    return x


def _ranges(ranges: Any, n: int) -> list[tuple[float, float]]:
    if ranges is None:
        return [(-2.0, 2.0)] * n
    if isinstance(ranges, tuple) and len(ranges) == 2 and not isinstance(ranges[0], tuple):
        return [ranges] * n
    return list(ranges)


def check_op(
    rb_fn: Callable[..., rb.Tensor],
    torch_fn: Callable[..., torch.Tensor],
    shapes: Sequence[Shape],
    *,
    ranges: Any = None,
    kinks: Sequence[float] = (),
    gap: float = 0.05,
    distinct: bool = False,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    grad_rtol: float = 1e-6,
    grad_atol: float = 1e-9,
    fd: bool = True,
    fd_atol: float = 1e-5,
    fd_rtol: float = 1e-3,
    f32: bool = True,
    f32_rtol: float = 1e-4,
    f32_atol: float = 1e-5,
    seed: int = 0,
    inputs: Sequence[np.ndarray] | None = None,
) -> None:
    """Check forward, gradients vs torch, gradients vs finite differences and float32."""
    rng = np.random.default_rng(seed)
    if inputs is None:
        rs = _ranges(ranges, len(shapes))
        inputs = [draw(s, rng, lo, hi, kinks, gap, distinct) for s, (lo, hi) in zip(shapes, rs)]
    inputs = [np.asarray(a, dtype=np.float64) for a in inputs]

    # (a) forward in float64
    xs = [rb.tensor(a, dtype="float64", requires_grad=True) for a in inputs]
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in inputs]
    out = rb_fn(*xs)
    ref = torch_fn(*ts)
    assert isinstance(out, rb.Tensor), f"expected a Tensor, got {type(out).__name__}"
    assert out.shape == tuple(ref.shape), f"shape {out.shape} != torch {tuple(ref.shape)}"
    assert out.dtype == np.float64, f"float64 inputs gave {out.dtype}"
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=rtol, atol=atol)

    # (b) gradients for a random upstream gradient, against torch
    g = rng.standard_normal(out.shape)
    out.backward(g)
    ref.backward(torch.tensor(g))
    for i, (x, t) in enumerate(zip(xs, ts)):
        want = np.zeros(x.shape) if t.grad is None else t.grad.numpy()
        got = np.zeros(x.shape) if x.grad is None else x.grad
        assert got.shape == x.shape, f"grad of input {i}: shape {got.shape} != {x.shape}"
        assert got.dtype == np.float64, f"grad of input {i} has dtype {got.dtype}"
        np.testing.assert_allclose(
            got, want, rtol=grad_rtol, atol=grad_atol, err_msg=f"gradient of input {i}"
        )

    # (c) against central finite differences, weighted by the same upstream gradient
    if fd:
        weights = rb.tensor(g, dtype="float64")
        assert rb.autograd.gradcheck(
            lambda *a: rb_fn(*a) * weights, inputs, atol=fd_atol, rtol=fd_rtol
        )

    # (d) float32 in, float32 out (and gradients), still equal to torch at float32 precision
    if f32:
        xs32 = [rb.tensor(a.astype(np.float32), requires_grad=True) for a in inputs]
        ts32 = [torch.tensor(a, dtype=torch.float32, requires_grad=True) for a in inputs]
        out32 = rb_fn(*xs32)
        ref32 = torch_fn(*ts32)
        assert out32.dtype == np.float32, f"float32 inputs gave {out32.dtype}"
        np.testing.assert_allclose(
            out32.numpy(), ref32.detach().numpy(), rtol=f32_rtol, atol=f32_atol
        )
        g32 = g.astype(np.float32)
        out32.backward(g32)
        ref32.backward(torch.tensor(g32))
        for i, (x, t) in enumerate(zip(xs32, ts32)):
            if x.grad is None:
                assert t.grad is None or not t.grad.abs().sum() > 0, f"input {i}: no grad"
                continue
            assert x.grad.dtype == np.float32, f"float32 grad of input {i} is {x.grad.dtype}"
            np.testing.assert_allclose(
                x.grad, t.grad.numpy(), rtol=f32_rtol * 10, atol=f32_atol * 10
            )
