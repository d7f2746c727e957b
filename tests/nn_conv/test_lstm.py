"""LSTM and LSTMCell against PyTorch (state_dict, output, (h_n, c_n), gradients), finite
differences, and 10 000-step sequences."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from _torch_check import check_module, check_state_dict

import rosenblatt as rb
from rosenblatt import nn
from rosenblatt.ops.recurrent import LSTMLayer

T, N, I, H = 5, 3, 4, 6


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("with_state", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_lstm_matches_torch(num_layers, batch_first, with_state, dtype, rng):
    kw = dict(num_layers=num_layers, batch_first=batch_first)
    x = rng.standard_normal((N, T, I) if batch_first else (T, N, I))
    state = None
    if with_state:
        state = (rng.standard_normal((num_layers, N, H)), rng.standard_normal((num_layers, N, H)))
    check_module(nn.LSTM(I, H, **kw), torch.nn.LSTM(I, H, **kw), [x, state], dtype)


def test_lstm_without_bias_unbatched_and_large_inputs(rng):
    check_module(nn.LSTM(I, H, 2, bias=False), torch.nn.LSTM(I, H, 2, bias=False),
                 [rng.standard_normal((T, N, I))])  # fmt: skip
    state = (rng.standard_normal((2, H)), rng.standard_normal((2, H)))
    for kw in (dict(), dict(batch_first=True)):  # unbatched input ignores batch_first
        check_module(nn.LSTM(I, H, 2, **kw), torch.nn.LSTM(I, H, 2, **kw),
                     [rng.standard_normal((T, I)), state])  # fmt: skip
    # saturated gates (|z| ~ 100): sigmoid and tanh stay finite and equal to torch's
    check_module(nn.LSTM(I, H), torch.nn.LSTM(I, H), [rng.standard_normal((T, N, I)) * 300])


def test_lstm_dropout_between_layers(rng):
    """dropout=1 zeroes the input of layer 2 in training (deterministic); eval ignores it."""
    x = rng.standard_normal((T, N, I))
    ours, theirs = nn.LSTM(I, H, 3, dropout=1.0), torch.nn.LSTM(I, H, 3, dropout=1.0)
    check_module(ours, theirs, [x])
    ours.eval()
    theirs.eval()
    check_module(ours, theirs, [x])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_lstm_cell_matches_torch(dtype, rng):
    ours, theirs = nn.LSTMCell(I, H), torch.nn.LSTMCell(I, H)
    state = (rng.standard_normal((N, H)), rng.standard_normal((N, H)))
    check_module(ours, theirs, [rng.standard_normal((N, I)), state], dtype)
    check_module(ours, theirs, [rng.standard_normal((N, I))], dtype)
    unbatched = (rng.standard_normal(H), rng.standard_normal(H))
    check_module(ours, theirs, [rng.standard_normal(I), unbatched], dtype)
    check_module(nn.LSTMCell(I, H, bias=False), torch.nn.LSTMCell(I, H, bias=False),
                 [rng.standard_normal((N, I))], dtype)  # fmt: skip


def test_lstm_cell_unrolled_equals_lstm_layer(rng):
    """A Python loop of LSTMCell steps is the same network as one LSTM layer."""
    lstm, cell = nn.LSTM(I, H).double(), nn.LSTMCell(I, H).double()
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(cell, name).numpy()[...] = getattr(lstm, name + "_l0").numpy()
    x = rng.standard_normal((T, N, I))
    out, (h_n, c_n) = lstm(rb.tensor(x, dtype="float64"))
    state = None
    for t in range(T):
        state = cell(rb.tensor(x[t], dtype="float64"), state)
        np.testing.assert_allclose(state[0].numpy(), out.numpy()[t], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(state[1].numpy(), c_n.numpy()[0], rtol=1e-12, atol=1e-12)


def test_lstm_state_dict_layout_gate_order_and_init():
    lstm = nn.LSTM(I, H, num_layers=2)
    check_state_dict(lstm, torch.nn.LSTM(I, H, num_layers=2))
    assert lstm.weight_ih_l0.shape == (4 * H, I) and lstm.weight_hh_l1.shape == (4 * H, H)
    bound = 1 / math.sqrt(H)
    for p in lstm.parameters():
        assert p.dtype == np.float32 and np.abs(p.numpy()).max() <= bound
    check_state_dict(nn.LSTMCell(I, H), torch.nn.LSTMCell(I, H))
    # gate order i, f, g, o: only the g rows of the input bias open, i = f = o = sigmoid(0)
    cell = nn.LSTMCell(1, 1, dtype=np.float64)
    for p in cell.parameters():
        p.numpy()[...] = 0
    cell.bias_ih.numpy()[2] = 100.0  # g = tanh(100) = 1
    h, c = cell(rb.tensor([[0.0]], dtype="float64"))
    np.testing.assert_allclose(c.numpy(), [[0.5]])  # c = f*0 + i*g = 0.5
    np.testing.assert_allclose(h.numpy(), [[0.5 * np.tanh(0.5)]])


@pytest.mark.parametrize("batch_first", [False, True])
def test_lstm_layer_gradcheck(batch_first, rng):
    x = rng.standard_normal((2, 3, 2))  # (T, N, I) or (N, T, I)
    n = x.shape[0] if batch_first else x.shape[1]
    h0, c0 = rng.standard_normal((n, 2)), rng.standard_normal((n, 2))
    w_ih, w_hh = rng.standard_normal((8, 2)), rng.standard_normal((8, 2))
    b_ih, b_hh = rng.standard_normal(8), rng.standard_normal(8)
    steps = x.shape[1] if batch_first else x.shape[0]
    shape = (n, steps + 1, 2) if batch_first else (steps + 1, n, 2)  # h_1..h_T, c_T
    weights = rb.tensor(rng.standard_normal(shape), dtype="float64")

    def f(*args):
        return LSTMLayer.apply(*args, batch_first=batch_first) * weights

    assert rb.autograd.gradcheck(f, [x, h0, c0, w_ih, w_hh, b_ih, b_hh])


@pytest.mark.parametrize("batch_first", [False, True])
def test_two_layer_lstm_module_gradcheck(batch_first, rng):
    """Finite differences through the whole module: layers, packing, h_n/c_n stacking."""
    lstm = nn.LSTM(2, 3, num_layers=2, batch_first=batch_first).double()
    x = rng.standard_normal((2, 3, 2))
    h0, c0 = (
        rng.standard_normal((2, 2 if batch_first else 3, 3)),
        rng.standard_normal((2, 2 if batch_first else 3, 3)),
    )
    wo = rb.tensor(rng.standard_normal((2, 3, 3)), dtype="float64")
    wh, wc = (rb.tensor(rng.standard_normal(h0.shape), dtype="float64") for _ in range(2))

    def f(x, h0, c0):
        out, (h_n, c_n) = lstm(x, (h0, c0))
        return (out * wo).sum() + (h_n * wh).sum() + (c_n * wc).sum()

    assert rb.autograd.gradcheck(f, [x, h0, c0])


def test_lstm_10000_steps_is_one_node_per_layer(rng):
    """A 10 000-step sequence: forward and BPTT without recursion; the sequence split in two
    halves with the state carried over gives the same output."""
    lstm = nn.LSTM(3, 4, num_layers=2).double()
    x = rb.tensor(rng.standard_normal((10_000, 2, 3)), dtype="float64", requires_grad=True)
    out, (h_n, c_n) = lstm(x)
    (out.sum() + c_n.sum()).backward()
    assert x.grad.shape == x.shape and np.isfinite(x.grad).all()
    assert all(np.isfinite(p.grad).all() for p in lstm.parameters())
    with rb.no_grad():
        a, state = lstm(x[:5000])
        b, (h2, c2) = lstm(x[5000:], state)
    np.testing.assert_allclose(
        np.concatenate([a.numpy(), b.numpy()]), out.numpy(), rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(c2.numpy(), c_n.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.slow
def test_lstm_10000_steps_matches_torch(rng):
    """float64: sums over 20 000 terms are beyond float32's 1e-5 in either library."""
    x = rng.standard_normal((10_000, 2, 3))
    check_module(nn.LSTM(3, 4, 2), torch.nn.LSTM(3, 4, 2), [x])
    check_module(nn.LSTM(3, 4, 1, batch_first=True), torch.nn.LSTM(3, 4, 1, batch_first=True),
                 [x.transpose(1, 0, 2).copy()])  # fmt: skip


@pytest.mark.slow
def test_lstm_cell_loop_of_10000_steps_backpropagates(rng):
    """Unrolled by hand: a graph of ~40 000 nodes; the iterative backward handles it."""
    cell = nn.LSTMCell(3, 4).double()
    x = rb.tensor(rng.standard_normal((10_000, 2, 3)), dtype="float64", requires_grad=True)
    state = None
    for t in range(x.shape[0]):
        state = cell(x[t], state)
    state[0].sum().backward()
    assert np.isfinite(x.grad).all() and np.abs(x.grad[-1]).sum() > 0


def test_lstm_errors_name_the_problem():
    lstm = nn.LSTM(I, H, 2, batch_first=True)
    with pytest.raises(ValueError, match=r"\(N, T, input_size\).*got shape \(3, 5, 2\)"):
        lstm(rb.randn(3, 5, 2))
    with pytest.raises(ValueError, match=r"expected c0 of shape \(2, 3, 6\)"):
        lstm(rb.randn(3, 5, I), (rb.randn(2, 3, H), rb.randn(2, 4, H)))
    with pytest.raises(ValueError, match=r"hx must be a tuple \(h0, c0\)"):
        lstm(rb.randn(3, 5, I), rb.randn(2, 3, H))
    with pytest.raises(NotImplementedError, match="proj_size"):
        nn.LSTM(I, H, proj_size=2)
    with pytest.raises(ValueError, match="dropout"):
        nn.LSTM(I, H, 2, dropout=1.5)
