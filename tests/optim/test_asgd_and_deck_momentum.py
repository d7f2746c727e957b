"""Averaged SGD equals torch.optim.ASGD (trajectory and state, 1e-6); the Matteucci deck's
momentum rule (deck 000) is its own optimizer, shown beside SGD's momentum (deck 001)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _optim_problems import loss_and_backward, make_params, to_numpy

import rosenblatt as rb

ASGD_CASES = [
    dict(lr=0.05),
    dict(lr=0.05, t0=5),  # averaging starts at step 6
    dict(lr=0.1, t0=0, lambd=0.01, alpha=0.5),
    dict(lr=0.05, t0=3, weight_decay=0.1),
    dict(lr=0.05, t0=2, lambd=1e-3, maximize=True),
]


def _asgd_run(lib, kwargs, steps=30):
    P = make_params(lib, "float64", "mlp")
    opt = (rb.optim if lib == "rb" else torch.optim).ASGD(list(P.values()), **kwargs)
    snaps = []
    for _ in range(steps):
        opt.zero_grad()
        loss_and_backward(lib, P, "mlp", "float64")
        opt.step()
        snaps.append({k: to_numpy(p).copy() for k, p in P.items()})
    return snaps, opt, P


@pytest.mark.parametrize("kwargs", ASGD_CASES, ids=str)
def test_asgd_trajectory_and_average_equal_torch(kwargs):
    ours, rb_opt, rb_P = _asgd_run("rb", kwargs)
    theirs, t_opt, t_P = _asgd_run("torch", kwargs)
    for step, (a, b) in enumerate(zip(ours, theirs), start=1):
        for k in b:
            np.testing.assert_allclose(a[k], b[k], rtol=1e-6, atol=1e-12, err_msg=f"{k}@{step}")
    for k in t_P:
        ts, rs = t_opt.state.get(t_P[k], {}), rb_opt.state.get(rb_P[k], {})
        assert set(rs) == set(ts)
        if not ts:
            continue
        assert rs["step"] == float(ts["step"])
        np.testing.assert_allclose(rs["ax"], to_numpy(ts["ax"]), rtol=1e-6, atol=1e-12)
        assert rs["eta"] == pytest.approx(float(ts["eta"]), rel=1e-6)
        assert rs["mu"] == pytest.approx(float(ts["mu"]), rel=1e-6)


def test_asgd_average_is_the_mean_of_the_iterates_after_t0():
    w = rb.nn.Parameter(rb.tensor([3.0, -1.0], dtype="float64"))
    opt = rb.optim.ASGD([w], lr=0.1, t0=4, lambd=0.0)
    iterates = []
    for _ in range(12):
        opt.zero_grad()
        ((w - 1.0) ** 2).sum().backward()
        opt.step()
        iterates.append(w.numpy().copy())
    # mu = 1 up to step t0 + 2 = 6 (ax = w_6), then ax is the mean of w_6 .. w_t
    # (mu is kept in float32, as PyTorch keeps it)
    mean = np.mean(iterates[5:], axis=0)
    np.testing.assert_allclose(opt.state[w]["ax"], mean, rtol=1e-6)
    opt.swap_average()
    np.testing.assert_allclose(w.numpy(), mean, rtol=1e-6)
    np.testing.assert_allclose(opt.state[w]["ax"], iterates[-1])


def test_asgd_state_dict_loads_torch_state():
    _, t_opt, _ = _asgd_run("torch", dict(lr=0.05, t0=2), steps=5)
    P = make_params("rb", "float64", "mlp")
    opt = rb.optim.ASGD(list(P.values()), lr=0.05, t0=2)
    opt.load_state_dict(t_opt.state_dict())
    state = opt.state[P["W1"]]
    assert state["step"] == 5 and isinstance(state["eta"], float) and isinstance(state["mu"], float)


# ---------------------------------------------------------------- deck 000's momentum
def _run(opt_cls, steps, a=2.0, w0=1.0, **kwargs):
    """Minimise E(w) = a/2 w^2 (dE/dw = a w); the iterates w^0, w^1, ..."""
    w = rb.nn.Parameter(rb.tensor([w0], dtype="float64"))
    opt = opt_cls([w], **kwargs)
    out = [w0]
    for _ in range(steps):
        opt.zero_grad()
        (0.5 * a * w * w).sum().backward()
        opt.step()
        out.append(float(w.numpy()[0]))
    return np.array(out)


def test_deck000_momentum_is_the_slide_formula():
    """w^{k+1} = w^k - eta E'(w^k) - alpha E'(w^{k-1}), written out by hand."""
    eta, alpha, a = 0.1, 0.05, 2.0
    ours = _run(rb.optim.PreviousGradientMomentum, 10, a=a, lr=eta, alpha=alpha)
    hand = [1.0]
    for k in range(10):
        prev_grad = a * hand[k - 1] if k > 0 else 0.0
        hand.append(hand[k] - eta * a * hand[k] - alpha * prev_grad)
    np.testing.assert_allclose(ours, hand, rtol=1e-14)


def test_deck000_and_deck001_momentum_on_the_same_problem():
    """Same eta and alpha, same quadratic: equal first step, then different algorithms.

    deck 001 (SGD momentum): Delta w^k = -eta (g_k + alpha g_{k-1} + alpha^2 g_{k-2} + ...)
    deck 000:                Delta w^k = -eta g_k - alpha g_{k-1}
    """
    eta, alpha, a = 0.1, 0.1, 2.0
    deck000 = _run(rb.optim.PreviousGradientMomentum, 40, a=a, lr=eta, alpha=alpha)
    deck001 = _run(rb.optim.SGD, 40, a=a, lr=eta, momentum=alpha)
    assert deck000[1] == deck001[1]  # one gradient so far: both take -eta g_0
    assert abs(deck000[2] - deck001[2]) > 1e-3
    # deck 001 by hand: every past gradient with weight alpha^j
    hand, grads = [1.0], []
    for _ in range(40):
        grads.append(a * hand[-1])
        hand.append(hand[-1] - eta * sum(alpha**j * g for j, g in enumerate(reversed(grads))))
    np.testing.assert_allclose(deck001, hand, rtol=1e-10, atol=1e-14)
    # both converge on this problem
    assert abs(deck000[-1]) < 1e-3 and abs(deck001[-1]) < 1e-3


def test_deck000_momentum_with_alpha_zero_is_gradient_descent():
    plain = _run(rb.optim.SGD, 8, lr=0.1)
    deck = _run(rb.optim.PreviousGradientMomentum, 8, lr=0.1, alpha=0.0)
    np.testing.assert_array_equal(plain, deck)


def test_deck000_momentum_rejects_negative_alpha():
    w = rb.nn.Parameter(rb.tensor([1.0]))
    with pytest.raises(ValueError, match="alpha"):
        rb.optim.PreviousGradientMomentum([w], lr=0.1, alpha=-1)
