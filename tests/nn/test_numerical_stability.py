"""Extreme inputs stay finite and equal to torch (float64 and float32, no warnings)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import rosenblatt as rb
import rosenblatt.nn.functional as F

DTYPES = [("float64", torch.float64), ("float32", torch.float32)]


def _both(values, dtype, tdtype):
    x = rb.tensor(np.asarray(values), dtype=dtype, requires_grad=True)
    t = torch.tensor(np.asarray(values), dtype=tdtype, requires_grad=True)
    return x, t


def _compare(mine, ref, x, t, rtol=1e-6):
    """Forward and gradient (for upstream 1) equal torch's, everything finite, no warnings."""
    assert np.all(np.isfinite(mine.numpy())), mine
    np.testing.assert_allclose(mine.numpy(), ref.detach().numpy(), rtol=rtol, atol=1e-30)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mine.sum().backward()
    ref.sum().backward()
    assert np.all(np.isfinite(x.grad)), x.grad
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=rtol, atol=1e-30)


@pytest.fixture(autouse=True)
def _numpy_warnings_are_errors():
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        yield


@pytest.mark.parametrize("dtype,tdtype", DTYPES)
def test_sigmoid_saturates_exactly(dtype, tdtype):
    x, t = _both([-1000.0, -100.0, -30.0, 0.0, 30.0, 100.0, 1000.0], dtype, tdtype)
    y = x.sigmoid()
    assert y.numpy()[0] == 0.0 and y.numpy()[-1] == 1.0
    _compare(y, t.sigmoid(), x, t)
    assert x.grad[0] == 0.0 and x.grad[-1] == 0.0


@pytest.mark.parametrize("dtype,tdtype", DTYPES)
@pytest.mark.parametrize("target", [0.0, 1.0])
def test_bce_with_logits_at_plus_minus_1000(dtype, tdtype, target):
    x, t = _both([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype, tdtype)
    y = np.full(5, target)
    mine = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    ref = TF.binary_cross_entropy_with_logits(t, torch.tensor(y, dtype=tdtype), reduction="none")
    _compare(mine, ref, x, t)
    want = 1000.0 if target == 0.0 else 0.0  # the confidently wrong end costs |x|
    assert mine.numpy()[-1] == pytest.approx(want) and mine.numpy()[0] == pytest.approx(1000 - want)


@pytest.mark.parametrize("dtype,tdtype", DTYPES)
def test_bce_with_logits_pos_weight_extreme(dtype, tdtype):
    x, t = _both([-1000.0, 1000.0, -1000.0, 1000.0], dtype, tdtype)
    y = np.array([1.0, 1.0, 0.0, 0.0])
    pw = np.array([3.0])
    mine = F.binary_cross_entropy_with_logits(x, y, pos_weight=pw, reduction="sum")
    ref = TF.binary_cross_entropy_with_logits(
        t, torch.tensor(y, dtype=tdtype), pos_weight=torch.tensor(pw, dtype=tdtype), reduction="sum"
    )
    _compare(mine, ref, x, t)


@pytest.mark.parametrize("dtype,tdtype", DTYPES)
def test_cross_entropy_at_logits_1e4(dtype, tdtype):
    logits = [[1e4, 0.0, -1e4], [-1e4, 1e4, 1e4], [0.0, 0.0, 1e4]]
    x, t = _both(logits, dtype, tdtype)
    y = np.array([1, 0, 2])
    mine = F.cross_entropy(x, rb.tensor(y), reduction="none")
    ref = TF.cross_entropy(t, torch.tensor(y), reduction="none")
    _compare(mine, ref, x, t)
    assert mine.numpy()[0] == pytest.approx(1e4) and mine.numpy()[1] == pytest.approx(
        2e4 + np.log(2)
    )


@pytest.mark.parametrize("dtype,tdtype", DTYPES)
def test_cross_entropy_probability_target_at_logits_1e4(dtype, tdtype):
    x, t = _both([[1e4, -1e4, 0.0]], dtype, tdtype)
    p = np.array([[0.5, 0.25, 0.25]])
    mine = F.cross_entropy(x, p)
    ref = TF.cross_entropy(t, torch.tensor(p, dtype=tdtype))
    _compare(mine, ref, x, t)


@pytest.mark.parametrize("dtype,tdtype", DTYPES)
def test_softplus_large(dtype, tdtype):
    x, t = _both([-1000.0, -30.0, 0.0, 19.9, 20.1, 1000.0], dtype, tdtype)
    mine = F.softplus(x)
    _compare(mine, TF.softplus(t), x, t)
    assert mine.numpy()[-1] == 1000.0 and mine.numpy()[0] == 0.0


@pytest.mark.parametrize("dtype,tdtype", DTYPES)
def test_softplus_large_with_beta_below_threshold(dtype, tdtype):
    """beta x = 10 < threshold = 20 but e^(beta x) for beta = 0.01 and x = 1000 is huge."""
    x, t = _both([-1000.0, 1000.0, 5000.0], dtype, tdtype)
    _compare(
        F.softplus(x, beta=0.01, threshold=100.0), TF.softplus(t, beta=0.01, threshold=100.0), x, t
    )


@pytest.mark.parametrize("dtype,tdtype", DTYPES)
@pytest.mark.parametrize("fn,tfn", [(F.log_softmax, TF.log_softmax), (F.softmax, TF.softmax)])
def test_softmax_family_of_1e4(dtype, tdtype, fn, tfn):
    x, t = _both([[1e4, 0.0, -1e4], [1e4, 1e4, 1e4], [-1e4, -1e4, 0.0]], dtype, tdtype)
    mine, ref = fn(x, dim=1), tfn(t, dim=1)
    assert np.all(np.isfinite(mine.numpy()))
    np.testing.assert_allclose(mine.numpy(), ref.detach().numpy(), rtol=1e-6)
    g = np.array([[1.0, -2.0, 0.5], [0.3, 0.3, -1.0], [2.0, 1.0, 0.0]])
    mine.backward(g)
    ref.backward(torch.tensor(g, dtype=tdtype))
    assert np.all(np.isfinite(x.grad))
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("dtype,tdtype", DTYPES)
def test_tanh_gelu_elu_extremes(dtype, tdtype):
    vals = [-1000.0, -50.0, 0.0, 50.0, 1000.0]
    for fn, tfn in [(F.tanh, torch.tanh), (F.elu, TF.elu), (F.selu, TF.selu), (F.gelu, TF.gelu)]:
        x, t = _both(vals, dtype, tdtype)
        _compare(fn(x), tfn(t), x, t)
    x, t = _both(vals, dtype, tdtype)
    _compare(F.gelu(x, approximate="tanh"), TF.gelu(t, approximate="tanh"), x, t)


def test_binary_cross_entropy_at_0_and_1_is_finite():
    x, t = _both([0.0, 1.0, 0.0, 1.0], "float64", torch.float64)
    y = np.array([0.0, 1.0, 1.0, 0.0])
    mine = F.binary_cross_entropy(x, y, reduction="none")
    ref = TF.binary_cross_entropy(t, torch.tensor(y), reduction="none")
    np.testing.assert_allclose(mine.numpy(), ref.detach().numpy())
    assert mine.numpy().tolist() == [0.0, 0.0, 100.0, 100.0]  # logs clamped at -100
