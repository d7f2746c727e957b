"""kernels.optim: the one-pass updates equal the NumPy references bit for bit (three steps,
every option, float32 and float64, serial and parallel)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from _check import VERSIONS, assert_same

from rosenblatt.kernels import _jit
from rosenblatt.kernels import optim as K

DTYPES = [np.float32, np.float64]


@pytest.fixture(params=VERSIONS)
def version(request, monkeypatch):
    """Run the dispatchers with the serial or the parallel compiled version (kernels on,
    whatever ROSENBLATT_JIT says)."""
    big = request.param == "parallel"
    monkeypatch.setattr(_jit, "JIT", True)
    monkeypatch.setattr(_jit, "PARALLEL_MIN", 1 if big else 1 << 62)
    monkeypatch.setattr(_jit, "get_num_threads", lambda: 2)
    return request.param


def _arrays(rng, dtype, n=1001):
    w = rng.standard_normal(n).astype(dtype)
    grads = [rng.standard_normal(n).astype(dtype) for _ in range(3)]
    return w, grads


ADAM = list(itertools.product([0.0, 0.1], [False, True], [False, True], [False, True]))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("wd,decoupled,amsgrad,maximize", ADAM)
def test_adam(dtype, wd, decoupled, amsgrad, maximize, version, rng):
    w, grads = _arrays(rng, dtype)
    mine, ref = [w.copy(), *(np.zeros_like(w) for _ in range(3))], [w.copy()]
    ref += [np.zeros_like(w) for _ in range(3)]
    for t, g in enumerate(grads, start=1):
        args = (t, 1e-2, 0.9, 0.999, 1e-8, wd, decoupled, maximize)
        K.adam(mine[0], g, mine[1], mine[2], mine[3] if amsgrad else None, *args)
        K.adam_reference(ref[0], g, ref[1], ref[2], ref[3] if amsgrad else None, *args)
    for a, b in zip(mine, ref):
        assert_same(a, b)


RMS = list(itertools.product([0.0, 0.1], [0.0, 0.9], [False, True], [False, True]))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("wd,momentum,centered,maximize", RMS)
def test_rmsprop(dtype, wd, momentum, centered, maximize, version, rng):
    w, grads = _arrays(rng, dtype)
    states = []
    for _ in range(2):
        m = np.zeros_like(w) if centered else None
        b = np.zeros_like(w) if momentum else None
        states.append([w.copy(), np.zeros_like(w), m, b])
    for g in grads:
        for fn, (ww, v, m, b) in zip((K.rmsprop, K.rmsprop_reference), states):
            fn(ww, g, v, m, b, 1e-2, 0.99, 1e-8, wd, momentum, maximize)
    for a, b in zip(*states):
        if a is not None:
            assert_same(a, b)


SGD = [
    (wd, mom, damp, nesterov, maximize)
    for wd, mom, damp, nesterov, maximize in itertools.product(
        [0.0, 0.1], [0.0, 0.9], [0.0, 0.3], [False, True], [False, True]
    )
    if not nesterov or (mom > 0 and damp == 0)  # nesterov needs momentum, no dampening
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("wd,momentum,dampening,nesterov,maximize", SGD)
def test_sgd(dtype, wd, momentum, dampening, nesterov, maximize, version, rng):
    w, grads = _arrays(rng, dtype)
    (w1, b1), (w2, b2) = (w.copy(), None), (w.copy(), None)
    for g in grads:
        args = (0.05, momentum, dampening, wd, nesterov, maximize)
        b1 = K.sgd(w1, g, b1, *args)
        b2 = K.sgd_reference(w2, g, b2, *args)
    assert_same(w1, w2)
    assert (b1 is None) == (b2 is None)
    if b1 is not None:
        assert_same(b1, b2)


def test_non_contiguous_state_takes_the_reference(version, rng):
    w, grads = _arrays(rng, np.float32, 20)
    m, v = np.zeros((20, 2), np.float32)[:, 0], np.zeros_like(w)
    w2, m2, v2 = w.copy(), np.zeros_like(w), np.zeros_like(w)
    K.adam(w, grads[0], m, v, None, 1, 1e-2, 0.9, 0.999, 1e-8)
    K.adam_reference(w2, grads[0], m2, v2, None, 1, 1e-2, 0.9, 0.999, 1e-8, 0.0, False, False)
    assert_same(w, w2)
