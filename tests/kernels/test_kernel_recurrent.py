"""kernels.recurrent: the LSTM step's gate block within 1e-6 of its NumPy reference (the
kernel's own float32 tanh), its backward bit for bit; serial and parallel."""

from __future__ import annotations

import numpy as np
import pytest
from _check import VERSIONS, assert_close, assert_same

from rosenblatt.kernels import recurrent as K

HID, N = 24, 5


@pytest.mark.parametrize("version", VERSIONS)
def test_lstm_cell(version, rng):
    a = (rng.standard_normal((4 * HID, N)) * 3).astype(np.float32)
    c = rng.standard_normal((HID, N)).astype(np.float32)
    mine = [a.copy(), *(np.empty_like(c) for _ in range(3))]
    ref = [a.copy(), *(np.empty_like(c) for _ in range(3))]
    getattr(K._lstm_cell, version)(mine[0], c, *mine[1:])
    K.lstm_cell_reference(ref[0], c, *ref[1:])
    for got, want in zip(mine, ref):
        assert_close(got, want)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lstm_cell_backward(dtype, version, rng):
    gates = rng.uniform(0, 1, (4 * HID, N)).astype(dtype)
    gates[3 * HID :] = 2 * gates[3 * HID :] - 1  # g in (-1, 1)
    c, g_out, dh, dc = (rng.standard_normal((HID, N)).astype(dtype) for _ in range(4))
    tanh_c = np.tanh(rng.standard_normal((HID, N))).astype(dtype)
    dz1, dz2 = np.empty_like(gates), np.empty_like(gates)
    dh1, dc1, dh2, dc2 = dh.copy(), dc.copy(), dh.copy(), dc.copy()
    getattr(K._lstm_cell_backward, version)(dh1, g_out, dc1, gates, c, tanh_c, dz1)
    K.lstm_cell_backward_reference(dh2, g_out, dc2, gates, c, tanh_c, dz2)
    for got, want in [(dz1, dz2), (dc1, dc2), (dh1, dh2)]:
        assert_same(got, want)
