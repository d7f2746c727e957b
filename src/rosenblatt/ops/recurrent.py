"""Recurrent layers over a whole sequence as ONE graph node each, with backpropagation
through time (BPTT) in its backward.

LSTM cell (PyTorch's equations and gate order i, f, g, o in the weight rows):

    i = sigmoid(x W_ii^T + b_ii + h W_hi^T + b_hi)     input gate
    f = sigmoid(x W_if^T + b_if + h W_hf^T + b_hf)     forget gate
    g = tanh(x W_ig^T + b_ig + h W_hg^T + b_hg)        cell candidate
    o = sigmoid(x W_io^T + b_io + h W_ho^T + b_ho)     output gate
    c' = f * c + i * g,   h' = o * tanh(c')

Elman RNN cell: h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act = tanh or relu.

Speed (the hot path of every recurrent model): everything is stored feature-major (a state
is (H, N), the gates (4H, N)) and every step is ONE matrix product for the four gates,

    z_t^T = W [h_{t-1}; x_t; 1],   W = [W_hh | W_ih | b_ih + b_hh]   (4H x (H + I + 1)),

on a stacked input [h; x; 1] whose x and ones rows are filled before the loop and whose h
rows receive each new state in place. The gate rows are reordered to (o, i, f, g) so that
the three sigmoids are one contiguous block, computed as sigmoid(z) = (1 + tanh(z/2))/2 with
the 1/2 folded into W (tanh never overflows); after the GEMM, the gates, c' and h' are one
pass over the cells (``kernels.recurrent.lstm_cell``, whose NumPy reference is the cell in
six lines). BPTT walks the steps backwards with one GEMM per step, dL/dh_{t-1} =
W_hh^T dL/dz_t, and one pass for dz_t and dL/dc_{t-1} (``lstm_cell_backward``); then one GEMM
gives all weight gradients, dL/dW = sum_t dL/dz_t [h_{t-1}; x_t; 1]^T (its last column is
dL/db).
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..kernels import recurrent as _cell

__all__ = ["LSTMLayer", "RNNLayer"]


def _gate_order(hidden: int) -> np.ndarray:
    """Row permutation from PyTorch's (i, f, g, o) to the internal (o, i, f, g)."""
    r = np.arange(hidden)
    return np.concatenate([3 * hidden + r, r, hidden + r, 2 * hidden + r])


def _as_output(hs: np.ndarray, batch_first: bool) -> np.ndarray:
    """Stored (T, H, N) -> PyTorch's (T, N, H), or (N, T, H) with batch_first (a view)."""
    return hs.transpose(2, 0, 1) if batch_first else hs.transpose(0, 2, 1)


def _stored(grad: np.ndarray, batch_first: bool) -> np.ndarray:
    """The inverse of ``_as_output``: a gradient of the output as a contiguous (T, H, N)."""
    return np.ascontiguousarray(grad.transpose(1, 2, 0) if batch_first else grad.transpose(0, 2, 1))


def _stacked(x: np.ndarray, h0: np.ndarray, hidden: int, batch_first: bool) -> np.ndarray:
    """Z (T + 2, H + I + 1, N): slot t holds [h_t; x_{t+1}; 1] (h_0 = h0); slots T and T + 1
    take h_T and the packed extra output (LSTM: c_T) in their h rows."""
    xt = x.transpose(1, 2, 0) if batch_first else x.transpose(0, 2, 1)  # (T, I, N)
    steps, n_in, n = xt.shape
    z = np.empty((steps + 2, hidden + n_in + 1, n), dtype=x.dtype)
    z[:steps, hidden:-1] = xt
    z[:, -1] = 1.0
    z[0, :hidden] = h0.T
    return z


def _time_flat(a: np.ndarray) -> np.ndarray:
    """(T, F, N) -> (F, T*N), columns ordered (t, n)."""
    return np.ascontiguousarray(a.transpose(1, 0, 2)).reshape(a.shape[1], -1)


def _grads(
    dz: np.ndarray, z: np.ndarray, w_ih: np.ndarray, hidden: int, batch_first: bool, need: tuple
) -> tuple:
    """dL/dx_t = W_ih^T dL/dz_t and dL/d[W_hh | W_ih | b] = dZ Z^T, all t at once: one
    product each over dZ with its columns ordered (t, n) (a stack of T small products, as
    np.matmul(W_ih^T, dZ) did, took 3.5x as long)."""
    steps, n = dz.shape[0], dz.shape[2]
    dzf = _time_flat(dz)  # (rows, T*N)
    gx = None
    if need[0]:
        gx = (w_ih.T @ dzf).reshape(-1, steps, n)  # (I, T, N)
        gx = gx.transpose(2, 1, 0) if batch_first else gx.transpose(1, 2, 0)
    gw = dzf @ _time_flat(z[:steps]).T  # (rows, H + I + 1)
    return gx, gw[:, :hidden], gw[:, hidden:-1], gw[:, -1]


class LSTMLayer(Function):
    """lstm over a sequence: c_t = f_t c_{t-1} + i_t g_t, h_t = o_t tanh(c_t) for t = 1..T;
    BPTT: dL/dc_{t-1} = dL/dc_t f_t, dL/dh_{t-1} = W_hh^T dL/dz_t (z_t: the gate pre-activations)

    Inputs: x (T, N, I) (or (N, T, I) with ``batch_first``), h0 (N, H), c0 (N, H),
    w_ih (4H, I), w_hh (4H, H), b_ih (4H,), b_hh (4H,).
    Output (packed, one array so the layer is one node): (T + 1, N, H) time-major, rows
    h_1 ... h_T then c_T ((N, T + 1, H) with ``batch_first``).
    """

    def forward(self, x, h0, c0, w_ih, w_hh, b_ih, b_hh, batch_first=False):
        hid = w_hh.shape[1]
        z = _stacked(x, h0, hid, batch_first)  # [h_{t-1}; x_t; 1] for every step
        steps, n = z.shape[0] - 2, z.shape[2]
        perm = _gate_order(hid)
        w = np.concatenate([w_hh, w_ih, (b_ih + b_hh)[:, None]], axis=1)[perm]
        w[: 3 * hid] *= 0.5  # sigmoid(z) = (1 + tanh(z/2)) / 2: the 1/2 goes into W
        gates = np.empty((steps, 4 * hid, n), dtype=x.dtype)  # o, i, f, g after activation
        cs = np.empty((steps + 1, hid, n), dtype=x.dtype)  # c_0 ... c_T
        tanh_c = np.empty((steps, hid, n), dtype=x.dtype)
        cs[0] = c0.T
        for t in range(steps):
            np.matmul(w, z[t], out=gates[t])  # the one GEMM of the step
            # gates o, i, f, g; c_t = f c_{t-1} + i g; h_t = o tanh(c_t): one pass
            _cell.lstm_cell(gates[t], cs[t], cs[t + 1], tanh_c[t], z[t + 1, :hid])
        z[steps + 1, :hid] = cs[steps]
        self.saved = (z, w_ih, w_hh, perm, cs, gates, tanh_c, batch_first)
        return _as_output(z[1:, :hid], batch_first)

    def backward(self, grad):
        z, w_ih, w_hh, perm, cs, gates, tanh_c, batch_first = self.saved
        steps, hid, n = tanh_c.shape
        g = _stored(grad, batch_first)  # dL/d(h_1..h_T, c_T) as (T + 1, H, N)
        w_hh_t = np.ascontiguousarray(w_hh[perm].T)  # (H, 4H)
        need = self.needs_input_grad
        dz = np.empty((steps, 4 * hid, n), dtype=g.dtype)  # dL/dz_t^T, rows o, i, f, g
        dh = np.zeros((hid, n), dtype=g.dtype)
        dc = g[steps].copy()
        for t in range(steps - 1, -1, -1):
            # dz_t from dh += dL/dh_t and dc; dc becomes dL/dc_{t-1}: one pass
            _cell.lstm_cell_backward(dh, g[t], dc, gates[t], cs[t], tanh_c[t], dz[t])
            if t > 0 or need[1]:
                np.matmul(w_hh_t, dz[t], out=dh)
        gx, gw_hh, gw_ih, gb = _grads(dz, z, w_ih[perm], hid, batch_first, need)
        inv = np.argsort(perm)  # back to PyTorch's gate order i, f, g, o
        return (
            gx,
            dh.T if need[1] else None,
            dc.T if need[2] else None,
            gw_ih[inv] if need[3] else None,
            gw_hh[inv] if need[4] else None,
            gb[inv] if need[5] else None,
            gb[inv] if need[6] else None,
        )


class RNNLayer(Function):
    """rnn over a sequence: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), t = 1..T;
    BPTT: dz_t = (dL/dh_t) act'(z_t), dL/dh_{t-1} = W_hh^T dz_t (act' = 1 - h^2 or [h > 0])

    Inputs: x (T, N, I) (or (N, T, I) with ``batch_first``), h0 (N, H), w_ih (H, I),
    w_hh (H, H), b_ih (H,), b_hh (H,). Output: h_1 ... h_T, (T, N, H) (or (N, T, H)).
    """

    def forward(self, x, h0, w_ih, w_hh, b_ih, b_hh, nonlinearity="tanh", batch_first=False):
        hid = w_hh.shape[0]
        z = _stacked(x, h0, hid, batch_first)  # [h_{t-1}; x_t; 1] for every step
        steps = z.shape[0] - 2
        w = np.concatenate([w_hh, w_ih, (b_ih + b_hh)[:, None]], axis=1)
        relu = nonlinearity == "relu"
        for t in range(steps):
            h = z[t + 1, :hid]
            np.matmul(w, z[t], out=h)  # the one GEMM of the step
            if relu:
                np.maximum(h, 0, out=h)
            else:
                np.tanh(h, out=h)
        self.saved = (z, w_ih, w_hh, relu, batch_first)
        return _as_output(z[1 : steps + 1, :hid], batch_first)

    def backward(self, grad):
        z, w_ih, w_hh, relu, batch_first = self.saved
        g = _stored(grad, batch_first)  # (T, H, N)
        steps, hid, n = g.shape
        hs = z[1 : steps + 1, :hid]
        if relu:
            d_act = (hs > 0).astype(g.dtype)
        else:
            d_act = np.square(hs)
            np.subtract(1, d_act, out=d_act)
        need = self.needs_input_grad
        dz = np.empty((steps, hid, n), dtype=g.dtype)
        dh = np.zeros((hid, n), dtype=g.dtype)
        w_hh_t = np.ascontiguousarray(w_hh.T)
        for t in range(steps - 1, -1, -1):
            dh += g[t]
            np.multiply(dh, d_act[t], out=dz[t])
            if t > 0 or need[1]:
                np.matmul(w_hh_t, dz[t], out=dh)
        gx, gw_hh, gw_ih, gb = _grads(dz, z, w_ih, hid, batch_first, need)
        return (
            gx,
            dh.T if need[1] else None,
            gw_ih if need[2] else None,
            gw_hh if need[3] else None,
            gb if need[4] else None,
            gb.copy() if need[5] else None,
        )
