"""kernels.loss: softmax cross-entropy forward within 1e-6 of the NumPy reference (its own
float32 exp), backward bit for bit; serial and parallel."""

from __future__ import annotations

import numpy as np
import pytest
from _check import VERSIONS, assert_close, assert_same

from rosenblatt.kernels import loss as K


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("shape", [(128, 10), (7, 1000), (3, 1)])
def test_softmax_xent_forward(shape, version, rng):
    x = (rng.standard_normal(shape) * 5).astype(np.float32)
    x[0, 0] = 80.0  # large logits: log-sum-exp keeps them finite
    t = rng.integers(0, shape[1], shape[0])
    nll, p = np.empty(shape[0], np.float32), np.empty_like(x)
    getattr(K._softmax_xent, version)(x, t, nll, p)
    want_nll, want_p = K.softmax_xent_reference(x, t)
    assert_close(p, want_p)
    assert_close(nll, want_nll)


def test_softmax_xent_label_outside_the_row_gives_nan(rng):
    x = rng.standard_normal((2, 3)).astype(np.float32)
    nll, p = np.empty(2, np.float32), np.empty_like(x)
    K._softmax_xent.serial(x, np.array([1, 3]), nll, p)
    assert np.isfinite(nll[0]) and np.isnan(nll[1])


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("per_row", [False, True])
def test_softmax_xent_backward(dtype, per_row, version, rng):
    p = rng.dirichlet(np.ones(10), 64).astype(dtype)
    t = rng.integers(0, 10, 64)
    c = rng.uniform(0, 2, 64).astype(dtype) if per_row else np.asarray(1 / 64, dtype)
    gx = np.empty_like(p)
    rows = c if per_row else np.full(64, c, dtype)
    getattr(K._softmax_xent_grad, version)(p, t, rows, gx)
    assert_same(gx, K.softmax_xent_grad_reference(p, t, c))


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("shape", [(32, 1), (1000, 3), (5,)])
def test_bce_logits_forward(shape, version, rng):
    x = (rng.standard_normal(shape) * 8).astype(np.float32)
    x.flat[0], x.flat[-1] = 95.0, -95.0  # e^-x would overflow without the stable form
    t = rng.integers(0, 2, shape).astype(np.float32)
    loss, lpe, total = np.empty_like(x), np.empty_like(x), np.zeros(1)
    getattr(K._bce_logits, version)(x.reshape(-1), t.reshape(-1), loss.reshape(-1),
                                    lpe.reshape(-1), total)  # fmt: skip
    want_loss, want_lpe = K.bce_logits_reference(x, t)
    assert_close(lpe, want_lpe)
    assert_close(loss, want_loss)
    assert total[0] == pytest.approx(float(want_loss.astype(np.float64).sum()), rel=1e-6)
    # the oracle: the definition -t ln s(x) - (1 - t) ln(1 - s(x)) in float64
    x64 = x.astype(np.float64)
    s = 1 / (1 + np.exp(-x64))
    with np.errstate(divide="ignore", invalid="ignore"):  # s = 1 at x = 95 (not compared)
        direct = -(t * np.log(s) + (1 - t) * np.log1p(-s))
    finite = np.abs(x64) < 15  # where float64 still resolves 1 - s well
    np.testing.assert_allclose(loss[finite], direct[finite], rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("version", VERSIONS)
def test_bce_logits_backward(version, rng):
    from rosenblatt.ops.elementwise import sigmoid_array

    x = (rng.standard_normal((64, 1)) * 6).astype(np.float32)
    t = rng.integers(0, 2, (64, 1)).astype(np.float32)
    c = np.asarray(1 / 64, np.float32)
    gx = np.empty_like(x)
    getattr(K._bce_logits_grad, version)(x.reshape(-1), t.reshape(-1), c[()], gx.reshape(-1))
    assert_close(gx, c * (sigmoid_array(x) - t))


def test_bce_logits_dispatch_falls_back(rng):
    """float64, mismatched shapes and per-element scales take the reference (None / sum None)."""
    x = rng.standard_normal((4, 1))
    assert K.bce_logits(x, np.ones_like(x))[2] is None
    x32 = x.astype(np.float32)
    assert K.bce_logits_grad(x32, np.ones_like(x32), np.ones_like(x32)) is None
