"""kernels.activation: every kernel equals its NumPy reference (bit for bit, or within 1e-6
where the kernel computes tanh/sigmoid with its own vectorised exp)."""

from __future__ import annotations

import numpy as np
import pytest
from _check import VERSIONS, assert_close, assert_same

from rosenblatt.kernels import _jit
from rosenblatt.kernels import activation as K

SLOPE = 0.01
EXACT = [
    (K.RELU, np.float32),
    (K.RELU, np.float64),
    (K.LEAKY_RELU, np.float32),
    (K.LEAKY_RELU, np.float64),
    (K.IDENTITY, np.float32),
]
APPROX = [(K.TANH, np.float32), (K.SIGMOID, np.float32)]
SPECIAL = [np.nan, -0.0, 0.0, np.inf, -np.inf, 1e-30, -1e-30, 89.0, -89.0, 1000.0, -1000.0]


def _values(shape, dtype, rng):
    x = (rng.standard_normal(shape) * 4).astype(dtype)
    x.reshape(-1)[: len(SPECIAL)] = SPECIAL
    return x


def _check(got, want, act):
    (assert_close if act in (K.TANH, K.SIGMOID) else assert_same)(got, want)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("act,dtype", EXACT + APPROX, ids=str)
def test_act_forward(act, dtype, version, rng):
    x = _values((37, 29), dtype, rng)
    slope = dtype(SLOPE)
    y = np.empty_like(x)
    extra = (slope,) if act == K.LEAKY_RELU else ()
    if act == K.IDENTITY:
        y[...] = x
    else:
        getattr(K._FORWARD[act], version)(x.reshape(-1), y.reshape(-1), *extra)
    with np.errstate(invalid="ignore", over="ignore"):
        _check(y, K.act_forward_reference(x, act, slope), act)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("act,dtype", EXACT + APPROX, ids=str)
def test_bias_act(act, dtype, version, rng):
    z = _values((33, 17), dtype, rng)
    b = rng.standard_normal(17).astype(dtype)
    slope = dtype(SLOPE)
    got = z.copy()
    getattr(K._bias_act_rows, version)(got, b, act, slope)
    with np.errstate(invalid="ignore", over="ignore"):
        _check(got, K.bias_act_reference(z.copy(), b, act, slope), act)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("act,dtype", EXACT + APPROX, ids=str)
def test_act_backward_bit_identical(act, dtype, version, rng):
    g = _values((41, 13), dtype, rng)
    s = rng.uniform(-1, 1, (41, 13)).astype(dtype)
    s.reshape(-1)[::7] = 0.0
    slope = dtype(SLOPE)
    out = np.empty_like(g)
    extra = (slope,) if act == K.LEAKY_RELU else ()
    if act == K.IDENTITY:
        out[...] = g
    else:
        getattr(K._BACKWARD[act], version)(g.reshape(-1), s.reshape(-1), out.reshape(-1), *extra)
    with np.errstate(invalid="ignore"):
        assert_same(out, K.act_backward_reference(g, s, act, slope))


def test_tanh_sigmoid_accuracy_over_the_float32_range():
    """Against float64 math: tanh within 3.5e-7 absolute and relative (~6 ulp; NumPy's
    float32 tanh: 1.4), sigmoid within 4 ulp relative."""
    x = np.concatenate([np.linspace(-20, 20, 200_001), np.geomspace(1e-38, 20, 20_001)])
    x = np.concatenate([x, -x]).astype(np.float32)
    y = np.empty_like(x)
    K._tanh.serial(x, y)
    exact = np.tanh(x.astype(np.float64))
    assert np.max(np.abs(y - exact)) < 3.5e-7
    assert np.max(np.abs(y - exact) / np.maximum(np.abs(exact), 1e-30)) < 3.5e-7
    K._sigmoid.serial(x, y)
    exact = 1 / (1 + np.exp(-x.astype(np.float64)))
    normal = exact > 1.2e-38
    assert np.max(np.abs(y - exact)[normal] / exact[normal]) < 4 * 2**-23


def test_dispatch_keeps_memory_layout(rng, monkeypatch):
    """A conv output stored (C, H, W, N) goes through the kernel in its own layout."""
    monkeypatch.setattr(_jit, "JIT", True)
    z = rng.standard_normal((6, 16, 16, 8)).astype(np.float32).transpose(3, 0, 1, 2)
    y = K.act_forward(z, K.RELU)
    assert y.strides == z.strides
    assert_same(y, np.maximum(z, 0))
    g = np.ascontiguousarray(rng.standard_normal(z.shape).astype(np.float32))
    np.testing.assert_array_equal(K.act_backward(g, y, K.RELU), g * (y > 0))
    strided = rng.standard_normal((64, 128)).astype(np.float32)[:, ::2]  # not one dense block
    assert_same(K.act_forward(strided, K.RELU), np.maximum(strided, 0))


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "tanh", "sigmoid"])
def test_ops_through_the_kernels_match_torch(name, monkeypatch):
    """Arrays above kernels.activation.SMALL go through the kernels (the op tests use
    small arrays, which take the NumPy reference): forward and gradient equal torch's."""
    import torch

    import rosenblatt as rb
    import rosenblatt.nn.functional as F

    monkeypatch.setattr(_jit, "JIT", True)
    x = np.random.default_rng(0).standard_normal((64, 96)).astype(np.float32) * 3
    g = np.random.default_rng(1).standard_normal(x.shape).astype(np.float32)
    assert x.size >= K.SMALL
    mine = rb.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    y = getattr(F, name)(mine)
    t = getattr(torch.nn.functional, name)(theirs)
    np.testing.assert_allclose(y.numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-6)
    y.backward(rb.tensor(g))
    t.backward(torch.tensor(g))
    # (the gradient through y carries its error, 3.5e-7, times 2 y g)
    np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=5e-6)


@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid"])
def test_fused_linear_activation_op(act):
    """ops.linear(..., activation=) is act(x W^T + b): forward, gradients and finite
    differences against torch (float64 takes the reference, float32 the kernels)."""
    import torch
    from harness import check_op

    import rosenblatt as rb

    t_act = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}[act]
    check_op(
        lambda x, w, b: rb.ops.linear(x, w, b, activation=act),
        lambda x, w, b: t_act(torch.nn.functional.linear(x, w, b)),
        [(6, 3), (4, 3), (4,)],
        kinks=(0.0,) if act == "relu" else (),
        fd=act != "relu",
    )
