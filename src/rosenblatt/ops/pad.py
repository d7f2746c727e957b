"""Padding: widen the last dimensions of a tensor, as torch.nn.functional.pad.

Every entry of the padded tensor is a constant or a copy of one input entry. Along a
dimension of size n padded by (lo, hi), output position k copies input position src[k]:

    constant:   the constant for k < lo or k >= lo + n, else src = k - lo
    reflect:    k - lo mirrored at both ends, the edge not repeated   (c b | a b c d | c b)
    replicate:  src = k - lo clipped to [0, n - 1]                    (a a | a b c d | d d)
    circular:   src = (k - lo) mod n                                  (c d | a b c d | a b)

so y = x[src_1, src_2, ...] and the gradient adds each dL/dy back onto x[src], an entry
copied twice getting both. The index vectors are NumPy's own ``np.pad`` of 0..n-1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function
from ..tensor import Tensor

__all__ = ["pad"]

_NUMPY_MODE = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


class ConstantPad(Function):
    """constant pad: y = x surrounded by ``value``; dL/dx = dL/dy without the border"""

    saves_inputs = False

    def forward(self, x, widths=(), value=0.0):
        self.inner = tuple(slice(lo, lo + n) for (lo, _), n in zip(widths, x.shape))
        return np.pad(x, widths, constant_values=value)

    def backward(self, g):
        return g[self.inner]


class IndexPad(Function):
    """reflect/replicate/circular pad: y = x[src_1, src_2, ...] (module docstring);
    dL/dx[i] = sum of dL/dy over the positions that copy x[i]"""

    saves_inputs = False

    def forward(self, x, sources=()):
        self.shape, self.index = x.shape, np.ix_(*sources)
        return x[self.index]

    def backward(self, g):
        gx = np.zeros(self.shape, g.dtype)
        np.add.at(gx, self.index, g)
        return gx


def pad(x: Tensor, pad: Any, mode: str = "constant", value: float | None = None) -> Tensor:
    """``x`` padded by ``pad = (left, right, top, bottom, ...)``, the last dimension first."""
    pad = [int(p) for p in pad]
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise RuntimeError(
            f"Padding length must be divisible by 2 and at most twice the number of "
            f"dimensions of the input ({x.ndim}), got {len(pad)}"
        )
    widths = [(0, 0)] * x.ndim
    for k in range(len(pad) // 2):
        widths[x.ndim - 1 - k] = (pad[2 * k], pad[2 * k + 1])
    if mode == "constant":
        if any(lo < 0 or hi < 0 for lo, hi in widths):  # a negative width crops
            x = x[
                tuple(slice(max(-lo, 0), n - max(-hi, 0)) for (lo, hi), n in zip(widths, x.shape))
            ]
            widths = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
        fill = np.asarray(0 if value is None else value, dtype=x.dtype)
        return ConstantPad.apply(x, widths=tuple(widths), value=fill)
    if mode not in _NUMPY_MODE:
        raise NotImplementedError(
            f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}"
        )
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    for d, ((lo, hi), n) in enumerate(zip(widths, x.shape)):
        limit = n - 1 if mode == "reflect" else n
        if (lo or hi) and max(lo, hi) > limit:
            raise RuntimeError(
                f"pad: {mode} padding ({lo}, {hi}) of dimension {d} must be at most {limit} "
                f"(the input has size {n} there)"
            )
    sources = tuple(
        np.pad(np.arange(n), w, mode=_NUMPY_MODE[mode])  # type: ignore[call-overload]
        for w, n in zip(widths, x.shape)
    )
    return IndexPad.apply(x, sources=sources)
