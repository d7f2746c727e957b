"""Variational autoencoder (Kingma & Welling, arXiv:1312.6114) as a scikit-learn estimator.

An encoder network maps x to the mean mu and log-variance ln sigma^2 of a Gaussian
q(z|x) = N(mu, diag sigma^2) over a latent code z; a decoder maps z back to the parameters
of p(x|z). Training maximises the evidence lower bound (ELBO) of each sample,
ELBO(x) = E_q[ln p(x|z)] - KL(q(z|x) || N(0, I)), with one draw eps ~ N(0, I) per sample
(the reparameterisation trick z = mu + sigma * eps: z is a differentiable function of mu
and sigma, so backpropagation reaches the encoder), as in the EDSF deck.

Also the pieces that the GAN shares: the checks of the networks' hyperparameters and
their documentation (``DOC``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import nn, optim
from ..autograd import no_grad
from ..nn import functional as F
from ..nn.functional import gaussian_kl
from ..random import get_rng, make_rng, use_generator
from ..tensor import Tensor
from ..train import fit
from ._base import (
    ABOVE_0,
    COUNT,
    LossCurveMixin,
    check_params,
    integer,
    on_array,
    real,
    store_params,
)
from ._docs import PARAMETERS, fill, sections
from .mlp import BATCH_SIZE, auto_batch_size

__all__ = ["VAE", "gaussian_kl"]

_F32 = np.float32

#: The hyperparameters and attributes that the VAE and the GAN share.
DOC = {
    "latent_dim": """latent_dim : int
    Dimension of z.""",
    "activation": """activation : str
    Hidden activation (the names of MLPClassifier: "relu", "tanh", "logistic",
    "leaky_relu" with slope 0.01, ...).""",
    "learning_rate_init": """learning_rate_init : float
    Adam's lr.""",
    "batch_size": PARAMETERS["batch_size"],
    "max_iter": """max_iter : int
    Epochs over the data.""",
    "random_state": """random_state : None, int or numpy Generator
    Seeds the initial weights, the shuffling, the draws of training and ``sample``.""",
    "n_iter": """n_iter_, n_features_in_ : int""",
}


def check_network_params(est: Any, hidden: Sequence[str], **rules: tuple[Any, str]) -> None:
    """The hyperparameters that the VAE and the GAN share (the sizes of the hidden layers
    named ``hidden``), then the estimator's own ``rules``."""
    sizes = (
        lambda v: isinstance(v, Sequence) and all(integer(s) and s >= 1 for s in v),
        "a sequence of ints >= 1, e.g. (128,)",
    )
    shared = {
        "latent_dim": COUNT,
        "activation": (lambda v: v in nn.ACTIVATIONS, f"one of {sorted(nn.ACTIVATIONS)}"),
        "learning_rate_init": ABOVE_0,
        "max_iter": COUNT,
        "batch_size": BATCH_SIZE,
    }
    check_params(est, {**dict.fromkeys(hidden, sizes), **shared, **rules})


class NegativeELBO(nn.Module):
    """x -> the loss of each sample, -ln p(x|z) + beta KL(q(z|x) || N(0, I)), with
    z = mu + sigma eps and eps ~ N(0, I) drawn afresh in training mode (z = mu in eval mode).
    What ``rb.fit`` minimises is the mean of its output."""

    def __init__(self, vae: VAE) -> None:
        super().__init__()
        self.encoder, self.decoder = vae.encoder_, vae.decoder_
        self.vae = vae

    def forward(self, x: Tensor) -> Tensor:
        shape = (len(x._data), self.vae.latent_dim)
        eps = get_rng().standard_normal(shape, _F32) if self.training else np.zeros(shape, _F32)
        rec, kl = self.vae._negative_elbo(x, Tensor._make(eps, None))
        return rec + self.vae.beta * kl


def _mean(out: Tensor, target: Tensor) -> Tensor:
    """The mean of the per-sample losses that the model outputs."""
    return out.mean()


@fill(**DOC)
class VAE(LossCurveMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Variational autoencoder: loss = -ln p(x|z) + beta KL(N(mu, sigma^2) || N(0, 1)).

    Encoder x -> (mu, ln sigma^2); z = mu + exp(ln sigma^2 / 2) * eps, eps ~ N(0, I);
    decoder z -> p(x|z). The loss of a sample is the negative ELBO (with beta = 1)

        -ln p(x|z) - 1/2 sum_j (1 + ln sigma_j^2 - mu_j^2 - sigma_j^2),

    where -ln p(x|z) is the binary cross-entropy sum_i BCE(logit_i, x_i) for
    ``likelihood="bernoulli"`` (x in [0, 1]) and the Gaussian negative log-likelihood
    1/2 |x - x_hat|^2 + d/2 ln 2 pi for ``likelihood="gaussian"`` (unit variance,
    ``F.gaussian_nll_loss``). Minimised with Adam on mini-batches, in float32.

    Parameters
    ----------
    {latent_dim}
    hidden_layer_sizes : sequence of int
        Hidden layers of the encoder; the decoder mirrors them.
    {activation}
    likelihood : {"bernoulli", "gaussian"}
        The decoder's distribution p(x|z).
    {learning_rate_init}
    {batch_size}
    {max_iter}
    beta : float
        Weight of the KL term (beta-VAE; 1 gives the ELBO).
    {random_state}

    Attributes
    ----------
    encoder_ : nn.Sequential
        x -> [mu, ln sigma^2] (2 * latent_dim outputs).
    decoder_ : nn.Sequential
        z -> logits (bernoulli) or mean (gaussian) of p(x|z).
    loss_curve_ : list of float
        Mean negative ELBO (beta-weighted) per sample of each epoch.
    {n_iter}

    Examples
    --------
    >>> import numpy as np
    >>> from rosenblatt.models import VAE
    >>> X = np.random.default_rng(0).random((100, 8))
    >>> vae = VAE(latent_dim=2, hidden_layer_sizes=(16,), max_iter=5, random_state=0).fit(X)
    >>> vae.transform(X).shape, vae.sample(3).shape
    ((100, 2), (3, 8))
    """

    def __init__(
        self,
        latent_dim: int = 2,
        hidden_layer_sizes: Sequence[int] = (128,),
        activation: str = "relu",
        *,
        likelihood: str = "bernoulli",
        learning_rate_init: float = 1e-3,
        batch_size: int | str = "auto",
        max_iter: int = 50,
        beta: float = 1.0,
        random_state: Any = None,
    ) -> None:
        store_params(self, locals())

    def _check_params(self) -> None:
        likelihood = (lambda v: v in ("bernoulli", "gaussian"), "'bernoulli' or 'gaussian'")
        beta = (lambda v: real(v) and v >= 0, "a float >= 0")
        check_network_params(self, ["hidden_layer_sizes"], likelihood=likelihood, beta=beta)

    def _encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """(mu, ln sigma^2), each (n_samples, latent_dim)."""
        out = self.encoder_(x)
        return out[:, : self.latent_dim], out[:, self.latent_dim :]

    def _reconstruction_nll(self, out: Tensor, x: Tensor) -> Tensor:
        """-ln p(x|z) per row: sum_i BCE(logit_i, x_i), or 1/2 |x - mean|^2 + d/2 ln 2 pi."""
        if self.likelihood == "bernoulli":
            return F.binary_cross_entropy_with_logits(out, x, reduction="none").sum(axis=1)
        return F.gaussian_nll_loss(out, x, 1.0, full=True, reduction="none").sum(axis=1)

    def _negative_elbo(self, x: Tensor, eps: Tensor) -> tuple[Tensor, Tensor]:
        """(-ln p(x|z), KL) per sample, z = mu + exp(ln sigma^2 / 2) * eps."""
        mu, log_var = self._encode(x)
        z = mu + (0.5 * log_var).exp() * eps
        return self._reconstruction_nll(self.decoder_(z), x), gaussian_kl(mu, log_var)

    def _decode_mean(self, out: np.ndarray) -> np.ndarray:
        """The mean of p(x|z): sigmoid(logits) for bernoulli, the output for gaussian."""
        return on_array(F.sigmoid, out) if self.likelihood == "bernoulli" else out

    def _validate(self, X: Any, reset: bool) -> np.ndarray:
        X = validate_data(self, X, reset=reset, dtype=_F32)
        if self.likelihood == "bernoulli" and (X.min() < 0 or X.max() > 1):
            raise ValueError(
                f"VAE: likelihood='bernoulli' needs X in [0, 1], got values in "
                f"[{X.min():.4g}, {X.max():.4g}]; scale X (e.g. MinMaxScaler) or use "
                "likelihood='gaussian'"
            )
        return X

    @sections("X", "y_ignored", returns="self : VAE")
    def fit(self, X: Any, y: Any = None) -> VAE:
        """Minimise the mean negative ELBO of X with Adam, max_iter epochs of mini-batches."""
        self._check_params()
        X = self._validate(X, reset=True)
        d = X.shape[1]
        self._rng = make_rng(self.random_state)
        hidden = list(self.hidden_layer_sizes)
        with use_generator(self._rng):
            self.encoder_ = nn.mlp([d, *hidden, 2 * self.latent_dim], self.activation, dtype=_F32)
            self.decoder_ = nn.mlp([self.latent_dim, *hidden[::-1], d], self.activation, dtype=_F32)
        model = NegativeELBO(self)
        opt = optim.Adam(model.parameters(), lr=self.learning_rate_init)
        history = fit(model, X, X, loss=_mean, optimizer=opt, epochs=self.max_iter,
                      batch_size=auto_batch_size(self.batch_size), metrics=[], verbose=0,
                      generator=self._rng)  # fmt: skip
        self.loss_curve_: list[float] = history.history.get("loss", [])
        self.n_iter_ = len(self.loss_curve_)
        return self

    @sections("X", returns="ndarray of shape (n_samples, latent_dim)")
    def transform(self, X: Any) -> np.ndarray:
        """The latent mean mu(x) of q(z|x)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=_F32)
        with no_grad():
            return self._encode(Tensor._make(X, None))[0]._data.copy()

    @sections(
        "Z : array-like of shape (n_samples, latent_dim)",
        returns="ndarray of shape (n_samples, n_features)",
    )
    def inverse_transform(self, Z: Any) -> np.ndarray:
        """The mean of p(x|z) for the codes Z (sigmoid of the logits for bernoulli)."""
        check_is_fitted(self)
        Z = np.asarray(Z, dtype=_F32)
        if Z.ndim != 2 or Z.shape[1] != self.latent_dim:
            raise ValueError(
                f"VAE.inverse_transform: Z must have shape (n_samples, {self.latent_dim}), "
                f"got {Z.shape}"
            )
        with no_grad():
            return self._decode_mean(self.decoder_(Tensor._make(Z, None))._data)

    @sections("n_samples : int", returns="ndarray of shape (n_samples, n_features)")
    def sample(self, n_samples: int = 1) -> np.ndarray:
        """Generated data: the mean of p(x|z) for z ~ N(0, I) (drawn from random_state)."""
        check_is_fitted(self)
        return self.inverse_transform(self._rng.standard_normal((n_samples, self.latent_dim)))

    @sections("X", "y_ignored", returns="float")
    def score(self, X: Any, y: Any = None) -> float:
        """The mean ELBO per sample, ln p(x|z) - KL(q(z|x) || p(z)), higher is better.

        One draw eps per sample from a generator seeded with 0, so the value is
        deterministic; it is -loss_curve_ when beta = 1. (For the Gaussian likelihood the
        ELBO includes the -d/2 ln 2 pi of the unit-variance density.)
        """
        check_is_fitted(self)
        X = self._validate(X, reset=False)
        eps = np.random.default_rng(0).standard_normal((len(X), self.latent_dim), _F32)
        with no_grad():
            rec, kl = self._negative_elbo(Tensor._make(X, None), Tensor._make(eps, None))
        return -float(np.mean(rec._data + kl._data, dtype=np.float64))

    @property
    def _n_features_out(self) -> int:
        return self.latent_dim

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]  # it computes in float32
        return tags
