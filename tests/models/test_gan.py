"""GAN: one discriminator step and one generator step against the same steps in PyTorch
(float64, same weights, same z), and a fit to a 1-D Gaussian."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.utils.estimator_checks import parametrize_with_checks

import rosenblatt as rb
from rosenblatt.models import GAN


def torch_copy(net: rb.nn.Sequential) -> torch.nn.Sequential:
    layers = []
    for m in net:
        if isinstance(m, rb.nn.Linear):
            lin = torch.nn.Linear(m.in_features, m.out_features, dtype=torch.float64)
            lin.weight.data = torch.tensor(m.weight.numpy().copy())
            lin.bias.data = torch.tensor(m.bias.numpy().copy())
            layers.append(lin)
        else:
            assert isinstance(m, rb.nn.LeakyReLU)
            layers.append(torch.nn.LeakyReLU(0.01))
    return torch.nn.Sequential(*layers)


def assert_same_weights(ours: rb.nn.Sequential, theirs: torch.nn.Sequential) -> None:
    for a, b in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("non_saturating", [True, False])
def test_discriminator_and_generator_steps_equal_pytorch(non_saturating):
    gan = GAN(
        latent_dim=3,
        generator_hidden=(5, 4),
        discriminator_hidden=(6,),
        learning_rate_init=0.05,
        non_saturating=non_saturating,
        random_state=0,
    )
    gan._initialize(n_features=2)
    gan.generator_.double()
    gan.discriminator_.double()
    G, D = torch_copy(gan.generator_), torch_copy(gan.discriminator_)
    opt_g = torch.optim.Adam(G.parameters(), lr=0.05, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=0.05, betas=(0.5, 0.999))
    rng = np.random.default_rng(1)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    for _ in range(2):  # two rounds, so Adam's moments are exercised
        x, z1, z2 = rng.normal(size=(8, 2)), rng.normal(size=(8, 3)), rng.normal(size=(8, 3))
        # torch: D ascends ln D(x) + ln(1 - D(G(z)))
        real, fake = D(torch.tensor(x)), D(G(torch.tensor(z1)).detach())
        t_d = bce(real, torch.ones_like(real)) + bce(fake, torch.zeros_like(fake))
        opt_d.zero_grad()
        t_d.backward()
        opt_d.step()
        # torch: G descends -ln D(G(z)) or ln(1 - D(G(z)))
        s = D(G(torch.tensor(z2)))
        t_g = bce(s, torch.ones_like(s)) if non_saturating else -bce(s, torch.zeros_like(s))
        opt_g.zero_grad()
        t_g.backward()
        opt_g.step()

        loss_d = gan._discriminator_step(x, z1)
        loss_g = gan._generator_step(z2)
        np.testing.assert_allclose(loss_d, t_d.item(), rtol=1e-12)
        np.testing.assert_allclose(loss_g, t_g.item(), rtol=1e-12)
        assert_same_weights(gan.discriminator_, D)
        assert_same_weights(gan.generator_, G)


def gaussian_gan(seed: int) -> tuple[GAN, np.ndarray]:
    X = np.random.default_rng(0).normal(3.0, 0.5, size=(1000, 1))
    gan = GAN(
        latent_dim=1,
        generator_hidden=(),
        discriminator_hidden=(32,),
        learning_rate_init=5e-3,
        batch_size=100,
        max_iter=150,
        k_discriminator=2,
        random_state=seed,
    )
    return gan.fit(X), X


def test_samples_match_a_1d_gaussian():
    gan, X = gaussian_gan(0)
    s = gan.sample(5000)[:, 0]
    assert abs(s.mean() - X.mean()) < 0.15
    assert abs(s.std() - X.std()) < 0.12
    # at the game's equilibrium D(x) = 1/2: L_D = 2 ln 2, L_G = ln 2
    assert abs(gan.discriminator_loss_curve_[-1] - 2 * np.log(2)) < 0.05
    assert abs(gan.generator_loss_curve_[-1] - np.log(2)) < 0.1
    assert len(gan.generator_loss_curve_) == len(gan.discriminator_loss_curve_) == 150
    assert np.all(np.abs(gan.discriminate(X[:50]) - 0.5) < 0.2)


@pytest.mark.parametrize("seed", [1, 2])
def test_samples_match_a_1d_gaussian_other_seeds(seed):
    gan, X = gaussian_gan(seed)
    s = gan.sample(5000)[:, 0]
    assert abs(s.mean() - X.mean()) < 0.15
    assert abs(s.std() - X.std()) < 0.12


def test_same_seed_same_result():
    X = np.random.default_rng(0).normal(size=(60, 2))
    a = GAN(max_iter=3, batch_size=20, random_state=4).fit(X)
    b = GAN(max_iter=3, batch_size=20, random_state=4).fit(X)
    assert a.discriminator_loss_curve_ == b.discriminator_loss_curve_
    assert a.generator_loss_curve_ == b.generator_loss_curve_
    np.testing.assert_array_equal(a.sample(5), b.sample(5))


def test_bad_parameters():
    X = np.zeros((10, 2))
    with pytest.raises(ValueError, match="GAN: invalid k_discriminator=0"):
        GAN(k_discriminator=0).fit(X)
    with pytest.raises(ValueError, match="GAN: invalid generator_hidden=5"):
        GAN(generator_hidden=5).fit(X)
    with pytest.raises(ValueError, match="GAN: invalid activation='swish'"):
        GAN(activation="swish").fit(X)


@parametrize_with_checks([GAN(max_iter=2)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
