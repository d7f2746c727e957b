"""RNN and RNNCell against PyTorch (state_dict, outputs, h_n, gradients) and finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from _torch_check import check_module, check_state_dict

import rosenblatt as rb
from rosenblatt import nn
from rosenblatt.ops.recurrent import RNNLayer

T, N, I, H = 5, 3, 4, 6


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("with_h0", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_matches_torch(nonlinearity, num_layers, batch_first, with_h0, dtype, rng):
    kw = dict(num_layers=num_layers, nonlinearity=nonlinearity, batch_first=batch_first)
    x = rng.standard_normal((N, T, I) if batch_first else (T, N, I))
    h0 = rng.standard_normal((num_layers, N, H)) if with_h0 else None
    check_module(nn.RNN(I, H, **kw), torch.nn.RNN(I, H, **kw), [x, h0], dtype)


def test_rnn_without_bias_and_unbatched(rng):
    check_module(nn.RNN(I, H, 2, bias=False), torch.nn.RNN(I, H, 2, bias=False),
                 [rng.standard_normal((T, N, I))])  # fmt: skip
    for kw in (dict(), dict(batch_first=True)):  # unbatched input ignores batch_first
        check_module(nn.RNN(I, H, 2, **kw), torch.nn.RNN(I, H, 2, **kw),
                     [rng.standard_normal((T, I)), rng.standard_normal((2, H))])  # fmt: skip


def test_rnn_dropout_between_layers(rng):
    """dropout=1 zeroes the input of layer 2 in training (deterministic); eval ignores it."""
    x = rng.standard_normal((T, N, I))
    ours, theirs = nn.RNN(I, H, 2, dropout=1.0), torch.nn.RNN(I, H, 2, dropout=1.0)
    check_module(ours, theirs, [x])
    ours.eval()
    theirs.eval()
    check_module(ours, theirs, [x])
    # p = 0.5: some but not all of layer 2's inputs are dropped; same seed, same result
    rnn = nn.RNN(I, H, 2, dropout=0.5).double()
    rb.manual_seed(1)
    a = rnn(rb.tensor(x, dtype="float64"))[0].numpy()
    rb.manual_seed(1)
    b = rnn(rb.tensor(x, dtype="float64"))[0].numpy()
    rnn.eval()
    c = rnn(rb.tensor(x, dtype="float64"))[0].numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_cell_matches_torch(nonlinearity, dtype, rng):
    ours = nn.RNNCell(I, H, nonlinearity=nonlinearity)
    theirs = torch.nn.RNNCell(I, H, nonlinearity=nonlinearity)
    check_module(ours, theirs, [rng.standard_normal((N, I)), rng.standard_normal((N, H))], dtype)
    check_module(ours, theirs, [rng.standard_normal((N, I))], dtype)
    check_module(ours, theirs, [rng.standard_normal(I), rng.standard_normal(H)], dtype)


def test_rnn_state_dict_layout_and_init():
    rnn = nn.RNN(I, H, num_layers=2)
    check_state_dict(rnn, torch.nn.RNN(I, H, num_layers=2))
    assert list(rnn.state_dict()) == [
        f"{w}_{k}_l{layer}" for layer in range(2) for w in ("weight", "bias") for k in ("ih", "hh")
    ]
    assert rnn.weight_ih_l1.shape == (H, H) and rnn.bias_hh_l1.shape == (H,)
    bound = 1 / math.sqrt(H)
    for p in rnn.parameters():
        assert p.dtype == np.float32 and np.abs(p.numpy()).max() <= bound
    check_state_dict(nn.RNNCell(I, H, bias=False), torch.nn.RNNCell(I, H, bias=False))


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_rnn_layer_gradcheck(nonlinearity, batch_first, rng):
    x = rng.standard_normal((2, 3, 2))  # (T, N, I) or (N, T, I)
    n = x.shape[0] if batch_first else x.shape[1]
    h0 = rng.standard_normal((n, 3))
    w_ih, w_hh = rng.standard_normal((3, 2)), rng.standard_normal((3, 3)) * 0.5
    b_ih, b_hh = rng.standard_normal(3), rng.standard_normal(3)
    weights = rb.tensor(rng.standard_normal((*x.shape[:2], 3)), dtype="float64")

    def f(*args):
        return RNNLayer.apply(*args, nonlinearity=nonlinearity, batch_first=batch_first) * weights

    assert rb.autograd.gradcheck(f, [x, h0, w_ih, w_hh, b_ih, b_hh])


@pytest.mark.parametrize("batch_first", [False, True])
def test_two_layer_rnn_module_gradcheck(batch_first, rng):
    rnn = nn.RNN(2, 3, num_layers=2, batch_first=batch_first).double()
    x = rng.standard_normal((2, 3, 2))
    h0 = rng.standard_normal((2, 2 if batch_first else 3, 3))
    wo = rb.tensor(rng.standard_normal((2, 3, 3)), dtype="float64")
    wh = rb.tensor(rng.standard_normal(h0.shape), dtype="float64")

    def f(x, h0):
        out, h_n = rnn(x, h0)
        return (out * wo).sum() + (h_n * wh).sum()

    assert rb.autograd.gradcheck(f, [x, h0])


def test_rnn_errors_name_the_problem():
    rnn = nn.RNN(I, H, 2)
    with pytest.raises(ValueError, match=r"input_size=4.*got shape \(5, 3, 7\)"):
        rnn(rb.randn(5, 3, 7))
    with pytest.raises(ValueError, match=r"expected hx of shape \(2, 3, 6\).*\(1, 3, 6\)"):
        rnn(rb.randn(5, 3, I), rb.randn(1, 3, H))
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(I, H, nonlinearity="sigmoid")
    with pytest.raises(NotImplementedError, match="bidirectional"):
        nn.RNN(I, H, bidirectional=True)
    with pytest.raises(ValueError, match=r"RNNCell\(input_size=4\)"):
        nn.RNNCell(I, H)(rb.randn(3, 5))
