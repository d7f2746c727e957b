"""Recurrent layers over a whole sequence as ONE graph node each, with backpropagation
through time (BPTT) in its backward.

LSTM cell (PyTorch's equations and gate order i, f, g, o in the weight rows):

    i = sigmoid(x W_ii^T + b_ii + h W_hi^T + b_hi)     input gate
    f = sigmoid(x W_if^T + b_if + h W_hf^T + b_hf)     forget gate
    g = tanh(x W_ig^T + b_ig + h W_hg^T + b_hg)        cell candidate
    o = sigmoid(x W_io^T + b_io + h W_ho^T + b_ho)     output gate
    c' = f * c + i * g,   h' = o * tanh(c')

Elman RNN cell: h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act = tanh or relu.

Speed (the hot path of every recurrent model): the input projection x W_ih^T + b of all T
steps is one GEMM before the loop; each step is then one GEMM h W_hh^T for the four gates
together plus a few in-place elementwise passes. Inside, the gate rows are reordered to
(o, i, f, g) so that the three sigmoids are one contiguous block, computed as
sigmoid(z) = (1 + tanh(z/2))/2 with the 1/2 folded into the weights (tanh never overflows).
BPTT walks the steps backwards with one GEMM per step, dL/dh_{t-1} = dL/dz_t W_hh; all
weight gradients are one GEMM each after the loop, e.g. dL/dW_hh = sum_t dL/dz_t^T h_{t-1}.
Derivative factors that do not depend on the backward recurrence are computed for all steps
at once before the loop.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function

__all__ = ["LSTMLayer", "RNNLayer"]


def _gate_order(hidden: int) -> np.ndarray:
    """Row permutation from PyTorch's (i, f, g, o) to the internal (o, i, f, g)."""
    r = np.arange(hidden)
    return np.concatenate([3 * hidden + r, r, hidden + r, 2 * hidden + r])


def _time_major(x: np.ndarray, batch_first: bool) -> np.ndarray:
    return x.transpose(1, 0, 2) if batch_first else x


class LSTMLayer(Function):
    """lstm over a sequence: c_t = f_t c_{t-1} + i_t g_t, h_t = o_t tanh(c_t) for t = 1..T;
    BPTT: dL/dc_{t-1} = dL/dc_t f_t, dL/dh_{t-1} = dL/dz_t W_hh (z_t: the gate pre-activations)

    Inputs: x (T, N, I) (or (N, T, I) with ``batch_first``), h0 (N, H), c0 (N, H),
    w_ih (4H, I), w_hh (4H, H), b_ih (4H,), b_hh (4H,).
    Output (packed, one array so the layer is one node): (T + 1, N, H) time-major, rows
    h_1 ... h_T then c_T ((N, T + 1, H) with ``batch_first``).
    """

    def forward(self, x, h0, c0, w_ih, w_hh, b_ih, b_hh, batch_first=False):
        xt = _time_major(x, batch_first)
        steps, n, _ = xt.shape
        hid = w_hh.shape[1]
        perm = _gate_order(hid)
        half = np.ones(4 * hid, dtype=x.dtype)
        half[: 3 * hid] = 0.5  # sigmoid(z) = (1 + tanh(z/2)) / 2: the 1/2 goes into W and b
        w_ih_half = w_ih[perm] * half[:, None]
        w_hh_half_t = (w_hh[perm] * half[:, None]).T
        # input projection of all steps at once: (T, N, 4H) view of one GEMM
        xw = x.reshape(-1, x.shape[-1]) @ w_ih_half.T
        xw += (b_ih + b_hh)[perm] * half
        xw = _time_major(xw.reshape(*x.shape[:2], 4 * hid), batch_first)
        hs = np.empty((steps + 2, n, hid), dtype=x.dtype)  # h_0 ... h_T, then c_T
        cs = np.empty((steps + 1, n, hid), dtype=x.dtype)  # c_0 ... c_T
        gates = np.empty((steps, n, 4 * hid), dtype=x.dtype)  # o, i, f, g after activation
        tanh_c = np.empty((steps, n, hid), dtype=x.dtype)
        tmp = np.empty((n, hid), dtype=x.dtype)
        hs[0], cs[0] = h0, c0
        h1, h2, h3 = hid, 2 * hid, 3 * hid
        for t in range(steps):
            a = gates[t]
            np.matmul(hs[t], w_hh_half_t, out=a)  # the one GEMM of the step
            a += xw[t]
            np.tanh(a, out=a)
            sig = a[:, :h3]
            sig *= 0.5
            sig += 0.5
            np.multiply(a[:, h2:h3], cs[t], out=cs[t + 1])  # f * c
            np.multiply(a[:, h1:h2], a[:, h3:], out=tmp)  # i * g
            cs[t + 1] += tmp
            np.tanh(cs[t + 1], out=tanh_c[t])
            np.multiply(a[:, :h1], tanh_c[t], out=hs[t + 1])  # h = o * tanh(c)
        hs[steps + 1] = cs[steps]
        self.saved = (x, w_ih, w_hh, perm, hs, cs, gates, tanh_c, batch_first)
        return _time_major(hs[1:], batch_first)

    def backward(self, grad):
        x, w_ih, w_hh, perm, hs, cs, gates, tanh_c, batch_first = self.saved
        g = _time_major(grad, batch_first)
        steps, n, hid = tanh_c.shape
        h1, h3 = hid, 3 * hid
        o, i, f, gg = (gates[..., k * hid : (k + 1) * hid] for k in range(4))
        # derivative factors of all steps at once (they do not depend on the recurrence)
        d_gates = np.empty_like(gates)
        np.subtract(1, gates[..., :h3], out=d_gates[..., :h3])
        d_gates[..., :h3] *= gates[..., :h3]  # sigmoid' = s (1 - s)
        np.square(gg, out=d_gates[..., h3:])
        np.subtract(1, d_gates[..., h3:], out=d_gates[..., h3:])  # tanh' = 1 - g^2
        o_dz = tanh_c * d_gates[..., :h1]  # dz_o = dh * tanh(c) * o (1 - o)
        o_dc = np.square(tanh_c)
        np.subtract(1, o_dc, out=o_dc)
        o_dc *= o  # dc += dh * o * (1 - tanh(c)^2)
        ifg = np.empty((steps, n, 3, hid), dtype=gates.dtype)  # dz_{i,f,g} = dc * ifg
        np.multiply(gg, d_gates[..., h1 : 2 * hid], out=ifg[:, :, 0])
        np.multiply(cs[:-1], d_gates[..., 2 * hid : h3], out=ifg[:, :, 1])
        np.multiply(i, d_gates[..., h3:], out=ifg[:, :, 2])
        del d_gates
        w_hh_p = w_hh[perm]
        need = self.needs_input_grad
        dz = np.empty_like(gates)
        dz_ifg = dz.reshape(steps, n, 4, hid)[:, :, 1:]  # view of the (i, f, g) blocks
        dh = np.zeros((n, hid), dtype=g.dtype)
        dc = g[steps].copy()
        tmp = np.empty((n, hid), dtype=g.dtype)
        for t in range(steps - 1, -1, -1):
            dh += g[t]
            np.multiply(dh, o_dz[t], out=dz[t, :, :h1])
            np.multiply(dh, o_dc[t], out=tmp)
            dc += tmp
            np.multiply(dc[:, None, :], ifg[t], out=dz_ifg[t])
            dc *= f[t]
            if t > 0 or need[1]:
                np.matmul(dz[t], w_hh_p, out=dh)
        return self._param_grads(dz, x, w_ih, hs, perm, dh, dc, batch_first, need)

    @staticmethod
    def _param_grads(dz, x, w_ih, hs, perm, dh, dc, batch_first, need):
        """dL/dx = dZ W_ih, dL/dW_ih = dZ^T X, dL/dW_hh = dZ^T H_prev, dL/db = sum dZ."""
        steps, n, four_h = dz.shape
        dz_flat = dz.reshape(-1, four_h)
        inv = np.argsort(perm)
        gx = None
        if need[0]:
            gx = (dz_flat @ w_ih[perm]).reshape(steps, n, -1)
            gx = _time_major(gx, batch_first)
        gw_ih = gw_hh = gb = None
        if need[3]:
            xt = _time_major(x, batch_first).reshape(steps * n, -1)
            gw_ih = (dz_flat.T @ xt)[inv]
        if need[4]:
            gw_hh = (dz_flat.T @ hs[:steps].reshape(steps * n, -1))[inv]
        if need[5] or need[6]:
            gb = dz_flat.sum(axis=0)[inv]
        return (
            gx,
            dh if need[1] else None,
            dc if need[2] else None,
            gw_ih,
            gw_hh,
            gb if need[5] else None,
            gb.copy() if need[6] else None,
        )


class RNNLayer(Function):
    """rnn over a sequence: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), t = 1..T;
    BPTT: dz_t = (dL/dh_t) act'(z_t), dL/dh_{t-1} = dz_t W_hh (act' = 1 - h^2 or [h > 0])

    Inputs: x (T, N, I) (or (N, T, I) with ``batch_first``), h0 (N, H), w_ih (H, I),
    w_hh (H, H), b_ih (H,), b_hh (H,). Output: h_1 ... h_T, (T, N, H) (or (N, T, H)).
    """

    def forward(self, x, h0, w_ih, w_hh, b_ih, b_hh, nonlinearity="tanh", batch_first=False):
        xt = _time_major(x, batch_first)
        steps, n, _ = xt.shape
        hid = w_hh.shape[0]
        xw = x.reshape(-1, x.shape[-1]) @ w_ih.T  # input projection of all steps: one GEMM
        xw += b_ih + b_hh
        xw = _time_major(xw.reshape(*x.shape[:2], hid), batch_first)
        hs = np.empty((steps + 1, n, hid), dtype=x.dtype)
        hs[0] = h0
        w_hh_t = w_hh.T
        relu = nonlinearity == "relu"
        for t in range(steps):
            h = hs[t + 1]
            np.matmul(hs[t], w_hh_t, out=h)
            h += xw[t]
            if relu:
                np.maximum(h, 0, out=h)
            else:
                np.tanh(h, out=h)
        self.saved = (x, w_ih, w_hh, hs, relu, batch_first)
        return _time_major(hs[1:], batch_first)

    def backward(self, grad):
        x, w_ih, w_hh, hs, relu, batch_first = self.saved
        g = _time_major(grad, batch_first)
        steps, n, hid = g.shape
        if relu:
            d_act = (hs[1:] > 0).astype(g.dtype)
        else:
            d_act = np.square(hs[1:])
            np.subtract(1, d_act, out=d_act)
        need = self.needs_input_grad
        dz = np.empty((steps, n, hid), dtype=g.dtype)
        dh = np.zeros((n, hid), dtype=g.dtype)
        for t in range(steps - 1, -1, -1):
            dh += g[t]
            np.multiply(dh, d_act[t], out=dz[t])
            if t > 0 or need[1]:
                np.matmul(dz[t], w_hh, out=dh)
        dz_flat = dz.reshape(-1, hid)
        gx = gw_ih = gw_hh = gb = None
        if need[0]:
            gx = _time_major((dz_flat @ w_ih).reshape(steps, n, -1), batch_first)
        if need[2]:
            gw_ih = dz_flat.T @ _time_major(x, batch_first).reshape(steps * n, -1)
        if need[3]:
            gw_hh = dz_flat.T @ hs[:steps].reshape(steps * n, -1)
        if need[4] or need[5]:
            gb = dz_flat.sum(axis=0)
        return (
            gx,
            dh if need[1] else None,
            gw_ih,
            gw_hh,
            gb if need[4] else None,
            gb.copy() if need[5] else None,
        )
