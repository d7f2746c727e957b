"""Softmax cross-entropy with class indices and binary cross-entropy on logits, forward and
backward in one pass each.

For a row x of logits and its class t, with m = max_j x_j (log-sum-exp, no overflow):

    p_j = e^(x_j - m) / s,   s = sum_j e^(x_j - m)        softmax
    L   = ln s - (x_t - m)  = -ln p_t                      negative log-likelihood
    dL/dx_j = (p_j - [j = t]) * c                          the course's  y_hat - y

where c scales each row (1/n for the mean, a class weight, 0 for an ignored target). The
forward kernel computes e^(x_j - m) with the vectorised float32 exp of ``_math`` (float32
only; within 1e-6 of the reference); the backward kernel is bit-identical.

Binary cross-entropy on a logit x with target t (the last layer of a two-class network):

    lpe = ln(1 + e^-x) = max(-x, 0) + ln(1 + e^-|x|)     (no overflow for any x)
    L   = (1 - t) x + lpe                                 = -t ln s(x) - (1 - t) ln(1 - s(x))
    dL/dx = c (s(x) - t),   s = sigmoid                   c = 1/n for the mean

The forward kernel also sums L (in float64, in index order: the same for any number of
threads), so a mean costs no second pass; both kernels use ``_math``'s float32 exp and
sigmoid (within 1e-6 of the NumPy reference). For a batch of a small network the gain is
the calls: one kernel call instead of about ten NumPy calls of a few hundred elements.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._jit import kernel, launch, prange, usable
from ._math import exp32, sigmoid32

__all__ = [
    "bce_logits",
    "bce_logits_grad",
    "bce_logits_reference",
    "softmax_xent",
    "softmax_xent_grad",
    "softmax_xent_grad_reference",
    "softmax_xent_reference",
]


def _row_max(x: np.ndarray) -> np.ndarray:
    """max over axis 1 of an (n, C) array. NumPy reduces a short contiguous row one row at a
    time (~10 us for 200 x 10); for few classes the max of the transposed copy runs
    vectorised across the rows instead (4x faster at C = 10, slower beyond C ~ 32)."""
    if x.shape[1] <= 32:
        return np.ascontiguousarray(x.T).max(axis=0)
    return x.max(axis=1)


def softmax_xent_reference(x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(L, p): L_n = ln s_n - (x_{n,t_n} - m_n) per row and p = softmax(x), in NumPy."""
    n, n_classes = x.shape
    z = x - _row_max(x)[:, None]
    ez = np.exp(z)
    s = ez @ np.ones(n_classes, dtype=x.dtype)  # row sums as one GEMV (sum(axis=1) is slow)
    nll = np.log(s) - z[np.arange(n), t]
    ez /= s[:, None]
    return nll, ez


@kernel
def _softmax_xent(x, t, nll, p):  # noqa: ANN001, ANN202
    """Per row: m = max x, p = e^(x - m), s = sum p, L = ln s - (x_t - m), p = p / s
    (L = NaN for a class t outside [0, C): F.cross_entropy checks the labels first)."""
    n, n_classes = x.shape
    for i in prange(n):
        m = x[i, 0]
        for j in range(1, n_classes):
            m = max(m, x[i, j])
        s = x.dtype.type(0)
        for j in range(n_classes):
            e = exp32(x[i, j] - m)
            p[i, j] = e
            s += e
        ti = t[i]
        xt = x[i, ti] if 0 <= ti < n_classes else np.nan  # (no read outside the row)
        nll[i] = x.dtype.type(math.log(s)) - (xt - m)
        for j in range(n_classes):
            p[i, j] = p[i, j] / s


def softmax_xent(x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(L, p) of softmax cross-entropy per row: x (n, C) logits, t (n,) classes in range."""
    if not (usable(x) and x.dtype == np.float32 and x.ndim == 2 and x.flags.c_contiguous):
        return softmax_xent_reference(x, t)
    nll = np.empty(x.shape[0], dtype=x.dtype)
    p = np.empty_like(x)
    launch(_softmax_xent, x.size, x, t, nll, p)
    return nll, p


def softmax_xent_grad_reference(p: np.ndarray, t: np.ndarray, c: np.ndarray) -> np.ndarray:
    """dL/dx = (p - onehot(t)) * c, c a 0-d scale or one per row, in NumPy."""
    gx = p.copy()  # keep p intact: backward may run twice (retain_graph)
    gx[np.arange(len(t)), t] -= 1
    gx *= c if c.ndim == 0 else c[:, None]
    return gx


@kernel
def _softmax_xent_grad(p, t, c, gx):  # noqa: ANN001, ANN202
    """gx[i, j] = (p[i, j] - [j = t_i]) * c_i."""
    n, n_classes = p.shape
    one = p.dtype.type(1)
    for i in prange(n):
        for j in range(n_classes):
            v = p[i, j] - one if j == t[i] else p[i, j]
            gx[i, j] = v * c[i]


def softmax_xent_grad(p: np.ndarray, t: np.ndarray, c: np.ndarray) -> np.ndarray:
    """dL/dx = (p - onehot(t)) * c in one pass; c a 0-d scale or one per row."""
    if not (usable(p, c) and p.ndim == 2 and p.flags.c_contiguous and c.dtype == p.dtype):
        return softmax_xent_grad_reference(p, t, c)
    rows = np.full(len(t), c, dtype=p.dtype) if c.ndim == 0 else np.ascontiguousarray(c)
    gx = np.empty_like(p)
    launch(_softmax_xent_grad, p.size, p, t, rows, gx)
    return gx


# ---------------------------------------------------------------------- BCE with logits
def bce_logits_reference(x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(L, lpe): lpe = max(-x, 0) + ln(1 + e^-|x|) and L = (1 - t) x + lpe, in NumPy."""
    lpe = np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))
    return (1 - t) * x + lpe, lpe


@kernel
def _bce_logits(x, t, loss, lpe, total):  # noqa: ANN001, ANN202
    """loss = (1 - t) x + lpe, lpe = max(-x, 0) + ln(1 + e^-|x|); total[0] = sum of loss
    (float64 accumulator, index order)."""
    zero, one = x.dtype.type(0), x.dtype.type(1)
    s = 0.0
    for i in range(x.size):  # a serial loop: the sum's order must not depend on threads
        xi = x[i]
        li = max(-xi, zero) + x.dtype.type(math.log1p(exp32(-abs(xi))))
        lpe[i] = li
        v = (one - t[i]) * xi + li
        loss[i] = v
        s += v
    total[0] = s


def _plain(x: np.ndarray, t: np.ndarray) -> bool:
    return (
        usable(x, t)
        and x.dtype == np.float32
        and t.dtype == np.float32
        and x.shape == t.shape
        and x.flags.c_contiguous
        and t.flags.c_contiguous
    )


def bce_logits(x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any]:
    """(L, lpe, sum of L or None) of BCE on logits per element (see the module docstring):
    one kernel pass for float32 arrays of one shape, else the reference (sum None)."""
    if not _plain(x, t):
        return (*bce_logits_reference(x, t), None)
    loss, lpe, total = np.empty_like(x), np.empty_like(x), np.zeros(1)
    _bce_logits.serial(x.reshape(-1), t.reshape(-1), loss.reshape(-1), lpe.reshape(-1), total)
    return loss, lpe, total[0]


@kernel
def _bce_logits_grad(x, t, c, gx):  # noqa: ANN001, ANN202
    """gx = c (sigmoid(x) - t), c one scale for all elements."""
    for i in prange(x.size):
        gx[i] = c * (sigmoid32(x[i]) - t[i])


def bce_logits_grad(x: Any, t: Any, c: Any) -> np.ndarray | None:
    """dL/dx = c (sigmoid(x) - t) in one pass for a 0-d scale c (a mean or a sum); None where
    the kernel does not apply (the caller computes the NumPy reference)."""
    if not (type(c) is np.ndarray and c.ndim == 0 and c.dtype == np.float32 and _plain(x, t)):
        return None
    gx = np.empty_like(x)
    launch(_bce_logits_grad, x.size, x.reshape(-1), t.reshape(-1), c[()], gx.reshape(-1))
    return gx
