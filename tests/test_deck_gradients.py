"""The decks' gradient formulas that had no test, each against autograd (and torch):

- single-layer network with 1/2 SSE (Edinburgh deck; KIT deck's "J = 1/2 (y_hat - y)^2"):
  dE/dw_i = sum_n (y_hat_n - y_n) g'(a_n) x_ni;
- the same with K outputs: dE_n/dw_ki = (y_hat_nk - y_nk) g'(a_nk) x_ni;
- the Edinburgh appendix's derivative examples: 4x^3, y^3 x^2, grad x1^3 x2^2;
- zero initialisation (Carrazza deck): all hidden units compute the same and stay equal;
- the vanishing-gradient bound (EDSF and KIT decks): 0 <= sigma' <= 1/4, so the gradient
  through L sigmoid layers is at most (1/4)^L times the product of the weights.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import rosenblatt as rb
import rosenblatt.nn.functional as F

RNG = np.random.default_rng(3)


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def test_single_layer_half_sse_gradient_is_the_decks_formula():
    """E = 1/2 sum_n (g(w^T x_n) - y_n)^2 with x_n0 = 1 and g the logistic sigmoid."""
    X = np.hstack([np.ones((12, 1)), RNG.standard_normal((12, 3))])
    y = (RNG.random(12) < 0.5).astype(float)
    w0 = RNG.standard_normal(4)
    w = rb.tensor(w0, dtype="float64", requires_grad=True)
    E = 0.5 * ((F.sigmoid(rb.tensor(X) @ w) - rb.tensor(y)) ** 2).sum()
    E.backward()
    a = X @ w0
    y_hat = sigmoid(a)
    deck = ((y_hat - y) * y_hat * (1 - y_hat)) @ X  # sum_n (y_hat - y) g(a)(1 - g(a)) x_ni
    np.testing.assert_allclose(w.grad.numpy(), deck, rtol=1e-12)
    # per sample (online / stochastic gradient descent): dE_n/dw_i
    for n in range(3):
        wn = rb.tensor(w0, dtype="float64", requires_grad=True)
        (0.5 * (F.sigmoid(rb.tensor(X[n]) @ wn) - y[n]) ** 2).backward()
        expected = (y_hat[n] - y[n]) * y_hat[n] * (1 - y_hat[n]) * X[n]
        np.testing.assert_allclose(wn.grad.numpy(), expected, rtol=1e-12)


def test_single_layer_cross_entropy_gradient_is_the_decks_formula():
    """E_H = -1/N sum [y ln y_hat + (1 - y) ln(1 - y_hat)]: dE/dw_i = 1/N sum (y_hat - y) x_ni."""
    X = np.hstack([np.ones((10, 1)), RNG.standard_normal((10, 2))])
    y = (RNG.random(10) < 0.5).astype(float)
    w0 = RNG.standard_normal(3)
    w = rb.tensor(w0, dtype="float64", requires_grad=True)
    F.binary_cross_entropy(F.sigmoid(rb.tensor(X) @ w), rb.tensor(y)).backward()
    np.testing.assert_allclose(w.grad.numpy(), (sigmoid(X @ w0) - y) @ X / 10, rtol=1e-10)


def test_single_layer_with_several_outputs():
    """y_hat_k = g(sum_i w_ki x_i); E_n = 1/2 sum_k (y_hat_nk - y_nk)^2:
    dE_n/dw_ki = (y_hat_nk - y_nk) g'(a_nk) x_ni (and summed over n for E)."""
    X = np.hstack([np.ones((8, 1)), RNG.standard_normal((8, 3))])  # (N, D + 1)
    Y = (RNG.random((8, 2)) < 0.5).astype(float)  # K = 2 outputs
    W0 = RNG.standard_normal((2, 4))  # (K, D + 1), bias in column 0
    W = rb.tensor(W0, dtype="float64", requires_grad=True)
    (0.5 * ((F.sigmoid(rb.tensor(X) @ W.T) - rb.tensor(Y)) ** 2).sum()).backward()
    A = X @ W0.T
    Y_hat = sigmoid(A)
    deck = np.zeros_like(W0)
    for n in range(8):
        for k in range(2):
            for i in range(4):
                deck[k, i] += (Y_hat[n, k] - Y[n, k]) * Y_hat[n, k] * (1 - Y_hat[n, k]) * X[n, i]
    np.testing.assert_allclose(W.grad.numpy(), deck, rtol=1e-12)
    # torch agrees
    Wt = torch.tensor(W0, requires_grad=True)
    (0.5 * ((torch.sigmoid(torch.tensor(X) @ Wt.T) - torch.tensor(Y)) ** 2).sum()).backward()
    np.testing.assert_allclose(W.grad.numpy(), Wt.grad.numpy(), rtol=1e-12)


def test_the_appendix_derivative_examples():
    """f(x) = 4x^3: f' = 12x^2;  f(x, y) = y^3 x^2: df/dx = 2 y^3 x;
    f(x) = x1^3 x2^2: grad f = (3 x1^2 x2^2, 2 x1^3 x2)."""
    x = rb.tensor([-1.5, 0.0, 0.5, 2.0], dtype="float64", requires_grad=True)
    (4 * x**3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 12 * x.numpy() ** 2, rtol=1e-12)

    a, b = 1.3, -0.7
    xs = rb.tensor(a, dtype="float64", requires_grad=True)
    ys = rb.tensor(b, dtype="float64", requires_grad=True)
    (ys**3 * xs**2).backward()
    assert float(xs.grad) == pytest.approx(2 * b**3 * a, rel=1e-12)
    assert float(ys.grad) == pytest.approx(3 * b**2 * a**2, rel=1e-12)

    v = rb.tensor([1.2, -0.8], dtype="float64", requires_grad=True)
    (v[0] ** 3 * v[1] ** 2).backward()
    x1, x2 = 1.2, -0.8
    np.testing.assert_allclose(v.grad.numpy(), [3 * x1**2 * x2**2, 2 * x1**3 * x2], rtol=1e-12)
    # and by central differences (the appendix's limit definition)
    eps = 1e-6
    f = lambda p, q: p**3 * q**2  # noqa: E731
    fd = [
        (f(x1 + eps, x2) - f(x1 - eps, x2)) / 2 / eps,
        (f(x1, x2 + eps) - f(x1, x2 - eps)) / 2 / eps,
    ]
    np.testing.assert_allclose(v.grad.numpy(), fd, rtol=1e-8)


def test_zero_initialisation_keeps_every_hidden_unit_the_same():
    """Carrazza deck: "zero: all weights are set to zero so all neurons perform the same
    calculation" -- after any number of gradient steps the hidden units are still copies
    (the same holds for any equal start, which random initialisation breaks)."""
    digits_X = RNG.standard_normal((40, 5))
    t = RNG.integers(0, 3, 40)
    model = rb.nn.Sequential(rb.nn.Linear(5, 6), rb.nn.Sigmoid(), rb.nn.Linear(6, 3)).double()
    for p in model.parameters():
        rb.nn.init.zeros_(p)
    opt = rb.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(20):
        opt.zero_grad()
        F.cross_entropy(model(rb.tensor(digits_X)), rb.tensor(t)).backward()
        opt.step()
    W1, b1, W2 = model[0].weight.numpy(), model[0].bias.numpy(), model[2].weight.numpy()
    np.testing.assert_allclose(W1, np.tile(W1[0], (6, 1)), atol=1e-14)  # 6 equal rows
    np.testing.assert_allclose(b1, b1[0], atol=1e-14)
    np.testing.assert_allclose(W2, np.tile(W2[:, :1], (1, 6)), atol=1e-14)  # equal columns
    assert np.abs(W2).max() > 0.01  # it did learn something -- with one effective unit
    # a random start breaks the symmetry
    rb.manual_seed(0)
    rand = rb.nn.Linear(5, 6).double()
    assert np.abs(rand.weight.numpy() - rand.weight.numpy()[0]).max() > 1e-3


def test_sigmoid_derivative_is_between_0_and_a_quarter():
    x = rb.tensor(np.linspace(-20, 20, 4001), dtype="float64", requires_grad=True)
    F.sigmoid(x).sum().backward()
    d = x.grad.numpy()
    assert d.min() >= 0 and d.max() == pytest.approx(0.25, abs=1e-15)
    assert d[2000] == 0.25  # at x = 0


@pytest.mark.parametrize("depth", [2, 5, 10, 20])
def test_vanishing_gradient_bound_per_sigmoid_layer(depth):
    """y = sigma(w_L sigma(... sigma(w_1 x))): dy/dw_1 = x prod_l sigma'(s_l) prod_{l>1} w_l,
    so |dy/dw_1| <= (1/4)^L |x| prod_{l>1} |w_l| (the EDSF deck's underbraces)."""
    w0 = RNG.uniform(-1, 1, depth)  # "most weights within [-1, 1]"
    x = 1.7
    w = rb.tensor(w0, dtype="float64", requires_grad=True)
    h = rb.tensor(x, dtype="float64")
    s_values = []
    for layer in range(depth):
        s = w[layer] * h
        s_values.append(float(s))
        h = F.sigmoid(s)
    h.backward()
    g = float(w.grad.numpy()[0])
    sig = sigmoid(np.array(s_values))
    chain = x * np.prod(sig * (1 - sig)) * np.prod(w0[1:])  # the chain rule written out
    assert g == pytest.approx(chain, rel=1e-10)
    bound = 0.25**depth * abs(x) * np.prod(np.abs(w0[1:]))
    assert abs(g) <= bound
    if depth >= 10:
        assert abs(g) < 1e-6  # vanished
