"""The LSTM step's gate block and its backward, one pass over the cells each.

Layout of ``ops.recurrent`` (feature-major, a state is (H, N)): the step's GEMM leaves the
pre-activations a (4H, N), rows o, i, f, g, with the sigmoid rows already halved, since
sigmoid(z) = (1 + tanh(z/2)) / 2. The cell, as the slide writes it:

    o, i, f = sigmoid(z_o), sigmoid(z_i), sigmoid(z_f)     = (1 + tanh(a)) / 2
    g = tanh(z_g)
    c' = f * c + i * g
    h' = o * tanh(c')

Backward through one step, given dh = dL/dh_t (from the output and from step t + 1) and
dc = dL/dc_t (from step t + 1):

    dz_o = dh * tanh(c') * o (1 - o)
    dc  += dh * o * (1 - tanh(c')^2)
    dz_i = dc * g * i (1 - i),   dz_f = dc * c * f (1 - f),   dz_g = dc * i * (1 - g^2)
    dc   = dc * f                                             (dL/dc_{t-1})

The forward kernel computes tanh with the float32 polynomial of ``_math`` (float32 only;
within 1e-6 of NumPy's tanh); the backward kernel is bit-identical to its reference.
"""

from __future__ import annotations

import numpy as np

from ._jit import kernel, launch, prange, usable
from ._math import tanh32

__all__ = [
    "lstm_cell",
    "lstm_cell_backward",
    "lstm_cell_backward_reference",
    "lstm_cell_reference",
]

_HALF = np.float32(0.5)


def _gates(a: np.ndarray, hid: int) -> tuple[np.ndarray, ...]:
    return a[:hid], a[hid : 2 * hid], a[2 * hid : 3 * hid], a[3 * hid :]


def lstm_cell_reference(
    a: np.ndarray, c: np.ndarray, c_new: np.ndarray, tanh_c: np.ndarray, h: np.ndarray
) -> None:
    """One LSTM step in NumPy: a (4H, N) pre-activations -> the gates o, i, f, g (in place);
    c_new = f c + i g, tanh_c = tanh(c_new), h = o tanh_c (written into the given arrays)."""
    hid = c.shape[0]
    np.tanh(a, out=a)
    sig = a[: 3 * hid]  # o, i, f = (1 + tanh(a)) / 2
    sig *= 0.5
    sig += 0.5
    o, i, f, g = _gates(a, hid)
    np.multiply(f, c, out=c_new)  # c' = f * c + i * g
    c_new += i * g
    np.tanh(c_new, out=tanh_c)
    np.multiply(o, tanh_c, out=h)  # h' = o * tanh(c')


@kernel
def _lstm_cell(a, c, c_new, tanh_c, h):  # noqa: ANN001, ANN202
    """o, i, f = (1 + tanh(a)) / 2, g = tanh(a); c' = f c + i g; h' = o tanh(c')."""
    hid, n = c.shape
    for r in prange(hid):
        for k in range(n):
            o = tanh32(a[r, k]) * _HALF + _HALF
            i = tanh32(a[hid + r, k]) * _HALF + _HALF
            f = tanh32(a[2 * hid + r, k]) * _HALF + _HALF
            g = tanh32(a[3 * hid + r, k])
            a[r, k], a[hid + r, k], a[2 * hid + r, k], a[3 * hid + r, k] = o, i, f, g
            cc = f * c[r, k] + i * g
            c_new[r, k] = cc
            tc = tanh32(cc)
            tanh_c[r, k] = tc
            h[r, k] = o * tc


def lstm_cell(
    a: np.ndarray, c: np.ndarray, c_new: np.ndarray, tanh_c: np.ndarray, h: np.ndarray
) -> None:
    """One LSTM step (see the module docstring), in one pass over the H x N cells."""
    arrays = (a, c, c_new, tanh_c, h)
    if usable(*arrays) and all(x.dtype == np.float32 and x.flags.c_contiguous for x in arrays):
        launch(_lstm_cell, a.size, a, c, c_new, tanh_c, h)
    else:
        lstm_cell_reference(a, c, c_new, tanh_c, h)


def lstm_cell_backward_reference(
    dh: np.ndarray,
    g_out: np.ndarray,
    dc: np.ndarray,
    gates: np.ndarray,
    c: np.ndarray,
    tanh_c: np.ndarray,
    dz: np.ndarray,
) -> None:
    """Backward through one step in NumPy: dh += g_out (dL/dh_t from the output); writes
    dz (4H, N), rows o, i, f, g; turns dc = dL/dc_t into dL/dc_{t-1} (in place)."""
    hid = c.shape[0]
    o, i, f, g = _gates(gates, hid)
    dz_o, dz_i, dz_f, dz_g = _gates(dz, hid)
    dh += g_out
    np.multiply(dh, tanh_c * ((1 - o) * o), out=dz_o)  # dz_o = dh tanh(c') o (1 - o)
    dc += dh * ((1 - tanh_c * tanh_c) * o)  # dc += dh o (1 - tanh(c')^2)
    np.multiply(dc, g * ((1 - i) * i), out=dz_i)  # dz_i = dc g i (1 - i)
    np.multiply(dc, c * ((1 - f) * f), out=dz_f)  # dz_f = dc c f (1 - f)
    np.multiply(dc, i * (1 - g * g), out=dz_g)  # dz_g = dc i (1 - g^2)
    dc *= f  # dL/dc_{t-1}


@kernel
def _lstm_cell_backward(dh, g_out, dc, gates, c, tanh_c, dz):  # noqa: ANN001, ANN202
    """dz_o = dh tanh(c') o(1-o); dc += dh o (1 - tanh(c')^2); dz_i = dc g i(1-i);
    dz_f = dc c f(1-f); dz_g = dc i (1-g^2); dc = dc f."""
    hid, n = c.shape
    one = c.dtype.type(1)
    for r in prange(hid):
        for k in range(n):
            o, i = gates[r, k], gates[hid + r, k]
            f, g = gates[2 * hid + r, k], gates[3 * hid + r, k]
            tc = tanh_c[r, k]
            d_h = dh[r, k] + g_out[r, k]
            dh[r, k] = d_h
            dz[r, k] = d_h * (tc * ((one - o) * o))
            d_c = dc[r, k] + d_h * ((one - tc * tc) * o)
            dz[hid + r, k] = d_c * (g * ((one - i) * i))
            dz[2 * hid + r, k] = d_c * (c[r, k] * ((one - f) * f))
            dz[3 * hid + r, k] = d_c * (i * (one - g * g))
            dc[r, k] = d_c * f


def lstm_cell_backward(
    dh: np.ndarray,
    g_out: np.ndarray,
    dc: np.ndarray,
    gates: np.ndarray,
    c: np.ndarray,
    tanh_c: np.ndarray,
    dz: np.ndarray,
) -> None:
    """Backward through one LSTM step (see the module docstring), in one pass."""
    arrays = (dh, g_out, dc, gates, c, tanh_c, dz)
    dtype = dh.dtype
    if usable(*arrays) and all(x.dtype == dtype and x.flags.c_contiguous for x in arrays):
        launch(_lstm_cell_backward, gates.size, *arrays)
    else:
        lstm_cell_backward_reference(*arrays)
