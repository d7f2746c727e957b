"""Generative adversarial network (Goodfellow et al., arXiv:1406.2661) as an estimator.

A generator G maps noise z ~ N(0, I) to data space; a discriminator D gives the
probability that x came from the data rather than from G. They play

    min_G max_D V(D, G) = E_x[ln D(x)] + E_z[ln(1 - D(G(z)))]

(the EDSF deck's loss function). D outputs a logit s, D(x) = sigma(s), so every
log-probability is a binary cross-entropy on logits (numerically stable):
ln D(x) = -BCE(s, 1) and ln(1 - D(x)) = -BCE(s, 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import nn, optim
from ..autograd import no_grad
from ..nn import functional as F
from ..random import make_rng, use_generator
from ..tensor import Tensor
from ..train import fit
from ._base import COUNT, on_array, real, store_params
from ._docs import fill, sections
from .mlp import auto_batch_size
from .vae import DOC, check_network_params

__all__ = ["GAN"]

_F32 = np.float32


class Game(nn.Module):
    """G and D as one model whose ``train_step`` is one round of the game (Keras's way to
    train a GAN with ``fit``): a D step on the batch, then a G step after every
    ``k_discriminator`` D steps. Its forward is D's logit."""

    def __init__(self, gan: GAN) -> None:
        super().__init__()
        self.discriminator, self.generator = gan.discriminator_, gan.generator_  # D takes X
        self.gan, self.d_steps = gan, 0

    def forward(self, x: Tensor) -> Tensor:
        return self.discriminator(x)

    def train_step(self, x: Tensor, t: Tensor) -> dict[str, float]:
        """L_D of the batch as "loss", and L_G as "generator_loss" when G stepped."""
        gan, n = self.gan, len(x._data)
        logs = {"loss": gan._discriminator_step(x._data, gan._noise(n))}
        self.d_steps += 1
        if self.d_steps % gan.k_discriminator == 0:
            logs["generator_loss"] = gan._generator_step(gan._noise(n))
        return logs


@fill(**DOC)
class GAN(BaseEstimator):
    """GAN: min_G max_D E[ln D(x)] + E[ln(1 - D(G(z)))], trained by alternating Adam steps.

    Discriminator step (ascend V in D; z ~ N(0, I), G fixed):

        L_D = -mean ln D(x) - mean ln(1 - D(G(z)))
            = BCE_logits(s(x), 1) + BCE_logits(s(G(z)), 0)

    Generator step (D fixed), in one of two forms:

    - ``non_saturating=True`` (default, Goodfellow's practical form): maximise ln D(G(z)),
      L_G = -mean ln D(G(z)) = BCE_logits(s(G(z)), 1); its gradient is strong while D
      still rejects the fakes, early in training.
    - ``non_saturating=False`` (the minimax game as written): minimise ln(1 - D(G(z))),
      L_G = mean ln(1 - D(G(z))) = -BCE_logits(s(G(z)), 0); it saturates (vanishing
      gradient) when D(G(z)) ~ 0.

    Each mini-batch of real samples is one D step; after every ``k_discriminator`` D steps
    comes one G step (Algorithm 1 of the paper). Both networks are MLPs with
    ``activation`` between the layers and a linear output (G's output is the sample, D's
    the logit). Adam with betas (beta_1, 0.999), float32.

    Parameters
    ----------
    {latent_dim}
    generator_hidden, discriminator_hidden : sequence of int
        Hidden layer sizes of G and D.
    {activation}
    {learning_rate_init}
        For both networks.
    beta_1 : float
        Adam's first-moment decay (0.5 is the usual choice for GANs).
    {batch_size}
    {max_iter}
    k_discriminator : int
        D steps per G step.
    non_saturating : bool
        The generator's loss (see above).
    {random_state}

    Attributes
    ----------
    generator_, discriminator_ : nn.Sequential
    discriminator_loss_curve_, generator_loss_curve_ : list of float
        Mean L_D and L_G of each epoch.
    {n_iter}

    Examples
    --------
    >>> import numpy as np
    >>> from rosenblatt.models import GAN
    >>> X = np.random.default_rng(0).normal(3.0, 0.5, size=(200, 1))
    >>> gan = GAN(latent_dim=1, max_iter=2, random_state=0).fit(X)
    >>> gan.sample(5).shape
    (5, 1)
    """

    def __init__(
        self,
        latent_dim: int = 2,
        generator_hidden: Sequence[int] = (32,),
        discriminator_hidden: Sequence[int] = (32,),
        activation: str = "leaky_relu",
        *,
        learning_rate_init: float = 1e-3,
        beta_1: float = 0.5,
        batch_size: int | str = "auto",
        max_iter: int = 200,
        k_discriminator: int = 1,
        non_saturating: bool = True,
        random_state: Any = None,
    ) -> None:
        store_params(self, locals())

    def _check_params(self) -> None:
        beta = (lambda v: real(v) and 0 <= v < 1, "a float in [0, 1)")
        hidden = ["generator_hidden", "discriminator_hidden"]
        check_network_params(self, hidden, k_discriminator=COUNT, beta_1=beta)

    def _initialize(self, n_features: int) -> None:
        """Build G: z -> x and D: x -> logit and their Adam optimizers."""
        self._rng = make_rng(self.random_state)
        with use_generator(self._rng):
            self.generator_ = nn.mlp(
                [self.latent_dim, *self.generator_hidden, n_features], self.activation, dtype=_F32
            )
            self.discriminator_ = nn.mlp(
                [n_features, *self.discriminator_hidden, 1], self.activation, dtype=_F32
            )
        betas = (float(self.beta_1), 0.999)
        lr = self.learning_rate_init
        self._opt_g = optim.Adam(self.generator_.parameters(), lr=lr, betas=betas)
        self._opt_d = optim.Adam(self.discriminator_.parameters(), lr=lr, betas=betas)

    def _discriminator_step(self, x: np.ndarray, z: np.ndarray) -> float:
        """One Adam step of D on L_D = BCE(s(x), 1) + BCE(s(G(z)), 0); returns L_D."""
        with no_grad():
            fake = self.generator_(Tensor._make(z, None))  # G fixed: no graph into G
        real_logit = self.discriminator_(Tensor._make(x, None))
        fake_logit = self.discriminator_(fake)
        loss = F.binary_cross_entropy_with_logits(
            real_logit, np.ones_like(real_logit._data)
        ) + F.binary_cross_entropy_with_logits(fake_logit, np.zeros_like(fake_logit._data))
        self._opt_d.zero_grad()
        loss.backward()
        self._opt_d.step()
        return float(loss._data)

    def _generator_step(self, z: np.ndarray) -> float:
        """One Adam step of G on L_G (non-saturating or minimax form); returns L_G."""
        logit = self.discriminator_(self.generator_(Tensor._make(z, None)))
        if self.non_saturating:  # -mean ln D(G(z))
            loss = F.binary_cross_entropy_with_logits(logit, np.ones_like(logit._data))
        else:  # mean ln(1 - D(G(z)))
            loss = -F.binary_cross_entropy_with_logits(logit, np.zeros_like(logit._data))
        self._opt_g.zero_grad()
        loss.backward()
        self._opt_g.step()
        self._opt_d.zero_grad()  # D's gradients of this step are not D's to use
        return float(loss._data)

    def _noise(self, n: int) -> np.ndarray:
        return self._rng.standard_normal((n, self.latent_dim), _F32)

    @sections("X", "y_ignored", returns="self : GAN")
    def fit(self, X: Any, y: Any = None) -> GAN:
        """Alternate k_discriminator D steps and one G step over max_iter epochs of X,
        samples of the data distribution."""
        self._check_params()
        X = validate_data(self, X, dtype=_F32)
        self._initialize(X.shape[1])
        history = fit(Game(self), X, X, epochs=self.max_iter, verbose=0, generator=self._rng,
                      batch_size=auto_batch_size(self.batch_size))  # fmt: skip
        self.discriminator_loss_curve_: list[float] = history.history.get("loss", [])
        self.generator_loss_curve_: list[float] = history.history.get("generator_loss", [])
        self.n_iter_ = len(self.discriminator_loss_curve_)
        return self

    @property
    def history(self) -> dict[str, list[float]]:
        """Keras's ``model.history``: L_D as "loss" and L_G as "generator_loss" per epoch."""
        check_is_fitted(self)
        return {
            "loss": self.discriminator_loss_curve_,
            "generator_loss": self.generator_loss_curve_,
        }

    @sections("n_samples : int", returns="ndarray of shape (n_samples, n_features)")
    def sample(self, n_samples: int = 1) -> np.ndarray:
        """Generated data G(z), z ~ N(0, I) drawn from random_state."""
        check_is_fitted(self)
        with no_grad():
            return self.generator_(Tensor._make(self._noise(n_samples), None))._data.copy()

    @sections("X", returns="ndarray of shape (n_samples,)")
    def discriminate(self, X: Any) -> np.ndarray:
        """D(x) = sigma(s(x)): the discriminator's probability that x is real data."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=_F32)
        with no_grad():
            s = self.discriminator_(Tensor._make(X, None))._data[:, 0]
        return on_array(F.sigmoid, s)
