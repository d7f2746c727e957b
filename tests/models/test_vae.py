"""VAE: the KL term against its closed form and a Monte-Carlo estimate, the ELBO and its
gradient against finite differences (gradcheck, float64) and PyTorch, training on digits."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.utils.estimator_checks import parametrize_with_checks

import rosenblatt as rb
from rosenblatt.autograd import gradcheck
from rosenblatt.models import VAE
from rosenblatt.models.vae import gaussian_kl
from rosenblatt.tensor import Tensor


def fitted(likelihood: str = "bernoulli", dtype=np.float64, **kwargs) -> tuple[VAE, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.random((12, 5))
    kw = dict(latent_dim=2, hidden_layer_sizes=(4,), activation="tanh", max_iter=1)
    vae = VAE(likelihood=likelihood, random_state=0, **{**kw, **kwargs}).fit(X)
    vae.encoder_.to(dtype).zero_grad()  # to() casts the gradients of the fit (as torch)
    vae.decoder_.to(dtype).zero_grad()
    return vae, X.astype(dtype)


def test_kl_equals_closed_form_and_monte_carlo():
    rng = np.random.default_rng(0)
    mu, log_var = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    kl = gaussian_kl(rb.tensor(mu, dtype=np.float64), rb.tensor(log_var, dtype=np.float64)).data
    var = np.exp(log_var)
    closed = 0.5 * np.sum(var + mu**2 - 1 - log_var, axis=1)  # KL of two Gaussians
    np.testing.assert_allclose(kl, closed, rtol=1e-12)
    # E_q[ln q(z) - ln p(z)] with z ~ q = N(mu, var): the ln(2 pi) terms cancel
    z = mu + np.sqrt(var) * rng.standard_normal((200_000, 3, 2))
    log_q = -0.5 * (log_var + (z - mu) ** 2 / var)
    log_p = -0.5 * z**2
    mc = np.mean(np.sum(log_q - log_p, axis=2), axis=0)
    np.testing.assert_allclose(kl, mc, atol=0.02)


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
def test_negative_elbo_gradient_passes_gradcheck(likelihood):
    vae, X = fitted(likelihood)
    eps = np.random.default_rng(1).standard_normal((len(X), 2))
    params = [*vae.encoder_.parameters(), *vae.decoder_.parameters()]
    owners = [
        (m, name)
        for net in (vae.encoder_, vae.decoder_)
        for m in net
        if isinstance(m, rb.nn.Linear)
        for name in ("weight", "bias")
    ]
    assert len(owners) == len(params)

    def loss_of_params(*leaves):
        # route the leaves into the layers so the graph reaches them (restored afterwards)
        saved = [getattr(m, n) for m, n in owners]
        for (m, n), leaf in zip(owners, leaves):
            object.__setattr__(m, n, leaf)
        try:
            rec, kl = vae._negative_elbo(Tensor._make(X, None), Tensor._make(eps, None))
            return (rec + 0.7 * kl).mean()
        finally:
            for (m, n), p in zip(owners, saved):
                object.__setattr__(m, n, p)

    assert gradcheck(loss_of_params, [p.numpy() for p in params], eps=1e-6, atol=1e-7)

    def loss_of_inputs(x, e):
        rec, kl = vae._negative_elbo(x, e)
        return rec + kl

    assert gradcheck(loss_of_inputs, [X, eps], eps=1e-6, atol=1e-7)


def test_negative_elbo_and_gradients_equal_pytorch():
    vae, X = fitted("bernoulli", hidden_layer_sizes=(6, 4))
    eps = np.random.default_rng(1).standard_normal((len(X), 2))

    def torch_net(net):
        layers = []
        for m in net:
            if isinstance(m, rb.nn.Linear):
                lin = torch.nn.Linear(m.in_features, m.out_features, dtype=torch.float64)
                lin.weight.data = torch.tensor(m.weight.numpy())
                lin.bias.data = torch.tensor(m.bias.numpy())
                layers.append(lin)
            else:
                layers.append(torch.nn.Tanh())
        return torch.nn.Sequential(*layers)

    enc, dec = torch_net(vae.encoder_), torch_net(vae.decoder_)
    x, e = torch.tensor(X), torch.tensor(eps)
    out = enc(x)
    mu, log_var = out[:, :2], out[:, 2:]
    z = mu + torch.exp(0.5 * log_var) * e
    rec = torch.nn.functional.binary_cross_entropy_with_logits(dec(z), x, reduction="none").sum(1)
    kl = -0.5 * torch.sum(1 + log_var - mu**2 - log_var.exp(), dim=1)
    t_loss = (rec + kl).mean()
    t_loss.backward()

    rec_r, kl_r = vae._negative_elbo(Tensor._make(X, None), Tensor._make(eps, None))
    loss = (rec_r + kl_r).mean()
    loss.backward()
    np.testing.assert_allclose(loss.item(), t_loss.item(), rtol=1e-12)
    ours = [p.grad for net in (vae.encoder_, vae.decoder_) for p in net.parameters()]
    theirs = [p.grad.numpy() for net in (enc, dec) for p in net.parameters()]
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_same_seed_same_result():
    X = np.random.default_rng(0).random((40, 6))
    a = VAE(hidden_layer_sizes=(8,), max_iter=3, random_state=3).fit(X)
    b = VAE(hidden_layer_sizes=(8,), max_iter=3, random_state=3).fit(X)
    assert a.loss_curve_ == b.loss_curve_
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    np.testing.assert_array_equal(a.sample(4), b.sample(4))


def test_digits_elbo_improves_and_reconstructions_beat_the_mean_image():
    X = load_digits().data / 16
    kw = dict(latent_dim=2, hidden_layer_sizes=(64,), learning_rate_init=3e-3, random_state=0)
    short = VAE(max_iter=1, **kw).fit(X)
    vae = VAE(max_iter=15, **kw).fit(X)
    assert vae.loss_curve_[-1] < vae.loss_curve_[0] - 5
    assert vae.score(X) > short.score(X) + 5
    # score is the mean ELBO: minus the loss (beta = 1), up to the draw of eps
    assert abs(vae.score(X) + vae.loss_curve_[-1]) < 1.0
    recon = vae.inverse_transform(vae.transform(X))
    assert np.mean((recon - X) ** 2) < 0.8 * np.mean((X.mean(0) - X) ** 2)
    samples = vae.sample(5)
    assert samples.shape == (5, 64) and samples.min() >= 0 and samples.max() <= 1


def test_gaussian_likelihood_and_beta_zero_fit():
    X = np.random.default_rng(0).normal(size=(60, 3)) @ np.diag([3.0, 1.0, 0.1])
    vae = VAE(
        latent_dim=1,
        hidden_layer_sizes=(8,),
        likelihood="gaussian",
        beta=0.0,
        max_iter=30,
        learning_rate_init=1e-2,
        random_state=0,
    ).fit(X)
    assert vae.loss_curve_[-1] < vae.loss_curve_[0]
    assert vae.transform(X).shape == (60, 1)


def test_bad_input():
    X = np.random.default_rng(0).random((10, 3))
    with pytest.raises(ValueError, match="bernoulli' needs X in \\[0, 1\\]"):
        VAE(max_iter=1).fit(X * 5)
    with pytest.raises(ValueError, match="VAE: invalid likelihood='poisson'"):
        VAE(likelihood="poisson").fit(X)
    with pytest.raises(ValueError, match="VAE: invalid beta=-1"):
        VAE(beta=-1).fit(X)
    vae = VAE(max_iter=1, hidden_layer_sizes=(4,)).fit(X)
    with pytest.raises(ValueError, match=r"Z must have shape \(n_samples, 2\)"):
        vae.inverse_transform(np.zeros((2, 3)))


# likelihood="gaussian": the checks feed data outside [0, 1], which the Bernoulli decoder
# rejects by design (a clear ValueError)
@parametrize_with_checks([VAE(hidden_layer_sizes=(8,), max_iter=2, likelihood="gaussian")])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
