"""The decks' extra units against torch and closed forms: F.gaussian_nll_loss (torch),
radial basis activations and the RBF layer (torch, the derivatives of the docstrings,
universal approximation by least squares), the |x| folding module (torch.abs), and the
maximum-likelihood helpers (mu_MLE = sample mean, SSE = Gaussian NLL up to constants)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import rosenblatt as rb
import rosenblatt.nn.functional as F
from rosenblatt import likelihood

RNG = np.random.default_rng(16)


def _pair(a, requires_grad=True):
    return (
        rb.tensor(a, dtype="float64", requires_grad=requires_grad),
        torch.tensor(a, dtype=torch.float64, requires_grad=requires_grad),
    )


# ---------------------------------------------------------------- gaussian_nll_loss vs torch
VAR_SHAPES = {
    "heteroscedastic": (5, 3),
    "one per row": (5,),
    "one per row, kept dim": (5, 1),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("var_shape", list(VAR_SHAPES))
def test_gaussian_nll_loss_equals_torch(var_shape, full, reduction):
    x, tx = _pair(RNG.standard_normal((5, 3)))
    t, tt = _pair(RNG.standard_normal((5, 3)))
    v_np = RNG.uniform(0.1, 2.0, VAR_SHAPES[var_shape])
    v_np.flat[0] = 1e-9  # below eps: clamped in the value, gradient straight through
    v, tv = _pair(v_np)
    ours = F.gaussian_nll_loss(x, t, v, full=full, reduction=reduction)
    theirs = torch.nn.functional.gaussian_nll_loss(tx, tt, tv, full=full, reduction=reduction)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12)
    seed = RNG.standard_normal(theirs.shape)
    ours.backward(rb.tensor(seed, dtype="float64"))
    theirs.backward(torch.tensor(seed))
    for a, b in ((x, tx), (t, tt), (v, tv)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_gaussian_nll_loss_float_variance_and_module():
    x, tx = _pair(RNG.standard_normal(7))
    t, tt = _pair(RNG.standard_normal(7), requires_grad=False)
    ours = rb.nn.GaussianNLLLoss(full=True)(x, t, 0.5)
    theirs = torch.nn.GaussianNLLLoss(full=True)(tx, tt, 0.5)
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-12)
    ours.backward()
    theirs.backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_gaussian_nll_loss_rejects_negative_or_misshapen_variances():
    x = rb.zeros((4, 3))
    with pytest.raises(ValueError, match="negative"):
        F.gaussian_nll_loss(x, x, -1.0)
    with pytest.raises(ValueError, match="negative"):
        F.gaussian_nll_loss(x, x, -rb.ones((4, 3)))
    with pytest.raises(ValueError, match="incorrect size"):
        F.gaussian_nll_loss(x, x, rb.ones((2, 2)))


def test_gaussian_nll_with_fixed_variance_is_sse_up_to_constants():
    """sum_n L_n = SSE / (2 v) + N/2 ln v + N/2 ln 2 pi (full=True, reduction="sum")."""
    y, t = RNG.standard_normal(20), RNG.standard_normal(20)
    sigma = 0.7
    nll = F.gaussian_nll_loss(
        rb.tensor(y, dtype="float64"), rb.tensor(t, dtype="float64"), sigma**2, full=True,
        reduction="sum",
    )  # fmt: skip
    sse = float(((y - t) ** 2).sum())
    assert float(nll) == pytest.approx(likelihood.gaussian_nll_from_sse(sse, 20, sigma), rel=1e-12)
    # and it is the negative of the deck's log-likelihood l(w)
    l_deck = 20 * math.log(1 / (math.sqrt(2 * math.pi) * sigma)) - sse / (2 * sigma**2)
    assert float(nll) == pytest.approx(-l_deck, rel=1e-12)


# ---------------------------------------------------------------- maximum likelihood (deck 000)
def test_mu_mle_is_the_sample_mean_by_closed_form_and_by_gradient_ascent():
    x = RNG.normal(3.0, 2.0, size=50)
    mu_closed, s2 = likelihood.gaussian_mle(x)
    assert mu_closed == pytest.approx(x.mean(), rel=1e-14)
    assert s2 == pytest.approx(x.var(), rel=1e-14)  # divides by N
    mu = rb.tensor(0.0, dtype="float64", requires_grad=True)
    for _ in range(200):  # gradient ascent on l(mu), sigma known
        mu.grad = None
        likelihood.gaussian_log_likelihood(x, mu, sigma=2.0).backward()
        with rb.no_grad():
            mu += 0.05 * mu.grad
    assert float(mu) == pytest.approx(x.mean(), rel=1e-10)
    # dl/dmu = 1/sigma^2 sum (x_n - mu) is zero there
    mu.grad = None
    likelihood.gaussian_log_likelihood(x, mu, sigma=2.0).backward()
    assert abs(float(mu.grad)) < 1e-8


def test_gaussian_log_likelihood_equals_scipy_logpdf_sum():
    scipy_stats = pytest.importorskip("scipy.stats")
    x = RNG.normal(size=9)
    ours = float(likelihood.gaussian_log_likelihood(x, 0.3, sigma=1.7))
    assert ours == pytest.approx(scipy_stats.norm(0.3, 1.7).logpdf(x).sum(), rel=1e-12)


def test_least_squares_and_max_likelihood_have_the_same_minimiser():
    """Fit t = w x + noise by minimising SSE and by minimising -l: the same w."""
    x = RNG.uniform(-1, 1, 30)
    t = 2.5 * x + 0.1 * RNG.standard_normal(30)
    ws = np.linspace(2.0, 3.0, 201)
    sse = [float(likelihood.sum_of_squared_errors(t, w * x)) for w in ws]
    nll = [-float(likelihood.gaussian_log_likelihood(t, w * x, sigma=0.1)) for w in ws]
    assert np.argmin(sse) == np.argmin(nll)
    np.testing.assert_allclose(nll, likelihood.gaussian_nll_from_sse(np.array(sse), 30, 0.1))


def test_bernoulli_nll_is_summed_binary_cross_entropy():
    p = RNG.uniform(0.05, 0.95, 12)
    t = (RNG.random(12) < 0.5).astype(float)
    ll = likelihood.bernoulli_log_likelihood(t, rb.tensor(p, dtype="float64"))
    bce = torch.nn.functional.binary_cross_entropy(
        torch.tensor(p), torch.tensor(t), reduction="sum"
    )
    assert -float(ll) == pytest.approx(float(bce), rel=1e-12)


# ---------------------------------------------------------------- radial basis activations
RADIAL = {
    "gaussian_rbf": (lambda x, e: torch.exp(-((e * x) ** 2)), lambda x, e, y: -2 * e**2 * x * y),
    "multiquadric": (lambda x, e: torch.sqrt(1 + (e * x) ** 2), lambda x, e, y: e**2 * x / y),
    "inverse_multiquadric": (
        lambda x, e: 1 / torch.sqrt(1 + (e * x) ** 2),
        lambda x, e, y: -(e**2) * x * y**3,
    ),
}


@pytest.mark.parametrize("name", list(RADIAL))
def test_radial_activation_values_and_derivatives(name):
    torch_fn, derivative = RADIAL[name]
    a = np.concatenate([RNG.standard_normal(9) * 2, [0.0]])
    x, tx = _pair(a)
    y = getattr(F, name)(x, eps=0.7)
    ty = torch_fn(tx, 0.7)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-15)
    # the derivative written in the docstring
    np.testing.assert_allclose(x.grad.numpy(), derivative(a, 0.7, y.numpy()), rtol=1e-12)
    module = {
        "gaussian_rbf": rb.nn.GaussianRBF,
        "multiquadric": rb.nn.Multiquadric,
        "inverse_multiquadric": rb.nn.InverseMultiquadric,
    }[name](eps=0.7)
    np.testing.assert_allclose(module(rb.tensor(a)).numpy(), y.numpy(), rtol=1e-6)


@pytest.mark.parametrize("kernel", ["gaussian", "multiquadric", "inverse_multiquadric"])
def test_rbf_layer_output_and_gradients_equal_torch(kernel):
    layer = rb.nn.RBF(3, 4, kernel=kernel, dtype="float64")
    with rb.no_grad():
        layer.eps.copy_(rb.tensor(RNG.uniform(0.5, 2.0, 4), dtype="float64"))
    X = RNG.standard_normal((6, 3))
    X[0] = layer.centers.numpy()[1]  # a sample on a centre: r = 0
    x, tx = _pair(X)
    c = torch.tensor(layer.centers.numpy(), requires_grad=True)
    e = torch.tensor(layer.eps.numpy(), requires_grad=True)
    r2 = ((tx[:, None, :] - c[None, :, :]) ** 2).sum(-1)
    s2 = e**2 * r2
    ty = {"gaussian": torch.exp(-s2), "multiquadric": torch.sqrt(1 + s2)}.get(
        kernel, 1 / torch.sqrt(1 + s2)
    )
    y = layer(x)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-10, atol=1e-14)
    seed = RNG.standard_normal((6, 4))
    y.backward(rb.tensor(seed, dtype="float64"))
    ty.backward(torch.tensor(seed))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(layer.centers.grad.numpy(), c.grad.numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(layer.eps.grad.numpy(), e.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_rbf_network_approximates_a_function_by_least_squares():
    """Universal approximation: 15 Gaussian units on a grid, output weights by lstsq."""
    layer = rb.nn.RBF(1, 15, dtype="float64")
    with rb.no_grad():
        layer.centers.copy_(rb.tensor(np.linspace(-np.pi, np.pi, 15)[:, None]))
        layer.eps.fill_(0.5)  # width about two centre spacings
    x = np.linspace(-np.pi, np.pi, 200)[:, None]
    with rb.no_grad():
        Phi = layer(rb.tensor(x)).numpy()
    Phi = np.hstack([Phi, np.ones((200, 1))])
    coef = np.linalg.lstsq(Phi, np.sin(x[:, 0]), rcond=None)[0]
    assert np.abs(Phi @ coef - np.sin(x[:, 0])).max() < 1e-5


def test_rbf_rejects_an_unknown_kernel():
    with pytest.raises(ValueError, match="kernel"):
        rb.nn.RBF(2, 2, kernel="cubic")


# ---------------------------------------------------------------- |x| fold (deck 002)
def test_abs_module_equals_torch_abs_including_the_derivative_at_zero():
    a = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    x, tx = _pair(a)
    y = rb.nn.Abs()(x)
    ty = torch.abs(tx)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())  # sign(x), 0 at 0


def test_abs_folds_the_plane_twice():
    """g(x1, x2) = (|x1|, |x2|): the four quadrants land on one, so a network after the fold
    gives the same output at (x1, x2), (-x1, x2), (x1, -x2) and (-x1, -x2)."""
    rb.manual_seed(0)
    net = rb.nn.Sequential(rb.nn.Abs(), rb.nn.Linear(2, 8), rb.nn.Tanh(), rb.nn.Linear(8, 1))
    p = RNG.standard_normal((10, 2))
    outs = [net(rb.tensor(p * s)).detach().numpy() for s in ([1, 1], [-1, 1], [1, -1], [-1, -1])]
    for o in outs[1:]:
        np.testing.assert_array_equal(o, outs[0])
    # two folds in sequence (|x1| - 1 then |.| again) map 16 points onto 1
    fold2 = rb.nn.Sequential(rb.nn.Abs(), rb.nn.Linear(2, 2), rb.nn.Abs())
    with rb.no_grad():
        fold2[1].weight.copy_(rb.eye(2))
        fold2[1].bias.fill_(-1.0)
    base = np.array([0.3, 0.2])
    images = {
        tuple(fold2(rb.tensor([[s1 * (1 + t1 * base[0]), s2 * (1 + t2 * base[1])]])).numpy()[0])
        for s1 in (-1, 1) for s2 in (-1, 1) for t1 in (-1, 1) for t2 in (-1, 1)
    }  # fmt: skip
    assert len({tuple(np.round(v, 6)) for v in images}) == 1
