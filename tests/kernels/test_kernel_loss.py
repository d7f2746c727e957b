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
