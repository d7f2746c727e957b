"""Gradient clipping, the cure for exploding gradients in RNNs (Pascanu et al., 2013).

Clipping by norm rescales all gradients together, keeping their direction:

    n = || (||g_1||_p, ||g_2||_p, ...) ||_p         (the p-norm of all gradients as one vector)
    g_i := g_i * min(1, max_norm / (n + 1e-6))

Clipping by value clamps each entry: g := clip(g, -clip_value, clip_value).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    """The distinct gradient tensors of ``parameters`` (a parameter without one is skipped)."""
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads, seen = [], set()
    for p in params:
        g = p._grad
        if g is not None and id(g) not in seen:
            seen.add(id(g))
            grads.append(g)
    return grads


def _norm(a: np.ndarray, p: float) -> np.ndarray:
    """||a||_p over all entries, in a's dtype."""
    a = np.abs(a.reshape(-1))
    if p == math.inf:
        return a.max(initial=0).astype(a.dtype)
    if p == 2:
        return np.sqrt(np.dot(a, a)).astype(a.dtype)
    if p == 0:
        return np.asarray(np.count_nonzero(a), a.dtype)
    return (np.sum(a**p) ** (1.0 / p)).astype(a.dtype)


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Rescale the gradients in place so that their joint p-norm is at most ``max_norm``.

    n = p-norm of the vector of every gradient entry (``norm_type`` p, ``inf`` for the
    largest |g|); each gradient is multiplied by min(1, max_norm / (n + 1e-6)).

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        Usually ``model.parameters()``; those without a gradient are skipped.
    max_norm : float
    norm_type : float or "inf"
    error_if_nonfinite : bool
        Raise RuntimeError when n is NaN or infinite instead of scaling by it.
    foreach : ignored
        Accepted as torch's.

    Returns
    -------
    Tensor
        n, the norm before clipping (0-d; 0.0 when no parameter has a gradient).

    Examples
    --------
    >>> import rosenblatt as rb
    >>> w = rb.nn.Parameter(rb.ones(4))
    >>> (3 * w).sum().backward()
    >>> float(rb.nn.utils.clip_grad_norm_([w], max_norm=1.0))
    6.0
    >>> round(float(w.grad.norm()), 4)
    1.0
    """
    grads = _grads(parameters)
    p = float(norm_type)
    if not grads:
        return Tensor._make(np.asarray(0.0, np.float32), None)
    norms = np.stack([_norm(g._data, p) for g in grads])
    total = _norm(norms, p)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {p} for gradients from `parameters` is non-finite, so it "
            "cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    coef = np.minimum(max_norm / (total + np.asarray(1e-6, total.dtype)), 1.0)
    for g in grads:
        # a new array, not *=: backward may have handed one array to several gradients
        g._data = g._data * coef.astype(g._data.dtype)
        g._version[0] += 1
    return Tensor._make(np.asarray(total), None)


def clip_grad_value_(
    parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: bool | None = None
) -> None:
    """Clamp every gradient entry to [-clip_value, clip_value], in place."""
    c = float(clip_value)
    for g in _grads(parameters):
        g._data = np.clip(g._data, -c, c).astype(g._data.dtype, copy=False)
        g._version[0] += 1
