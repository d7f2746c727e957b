"""Maximum likelihood, the way the decks derive the losses (Matteucci deck, "A Note on Maximum
Likelihood Estimation"; EDSF deck, logistic regression; KIT deck, "J = -ln L").

The recipe: write the likelihood L(theta) = prod_n p(x_n | theta), take l = log L, set
dl/dtheta = 0 and solve. For i.i.d. Gaussian samples with known sigma::

    l(mu) = N log(1 / (sqrt(2 pi) sigma)) - 1/(2 sigma^2) sum_n (x_n - mu)^2
    dl/dmu = 1/sigma^2 sum_n (x_n - mu) = 0      =>      mu_MLE = 1/N sum_n x_n

and for a regression model t_n = g(x_n|w) + eps_n, eps_n ~ N(0, sigma^2), the negative
log-likelihood is the sum of squared errors up to a scale and a constant::

    -l(w) = SSE(w) / (2 sigma^2) + N log(sqrt(2 pi) sigma),   SSE(w) = sum_n (t_n - g(x_n|w))^2

so argmax_w L = argmin_w SSE. With t_n ~ Bernoulli(g(x_n|w)) the negative log-likelihood is
the (summed) binary cross-entropy. ``F.gaussian_nll_loss`` is the Gaussian NLL as a loss
with a learnable variance.

The functions take arrays or Tensors; on Tensors they are differentiable, so gradient ascent
on :func:`gaussian_log_likelihood` finds mu_MLE numerically ("Numerical Techniques (e.g.,
gradient descent)").
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .ops.elementwise import as_tensor
from .tensor import Tensor

__all__ = [
    "bernoulli_log_likelihood",
    "gaussian_log_likelihood",
    "gaussian_mle",
    "gaussian_nll_from_sse",
    "sum_of_squared_errors",
]


def gaussian_mle(x: Any) -> tuple[float, float]:
    """mu_MLE = 1/N sum_n x_n and sigma^2_MLE = 1/N sum_n (x_n - mu_MLE)^2 (closed forms).

    Parameters
    ----------
    x : array-like of shape (N,)
        i.i.d. samples of N(mu, sigma^2).

    Returns
    -------
    mu, sigma2 : float
        The maximum-likelihood estimates (sigma2 divides by N, not N - 1).

    Examples
    --------
    >>> from rosenblatt.likelihood import gaussian_mle
    >>> gaussian_mle([1.0, 2.0, 6.0])
    (3.0, 4.666666666666667)
    """
    x = np.asarray(x.numpy() if isinstance(x, Tensor) else x, dtype=np.float64).ravel()
    if x.size == 0:
        raise ValueError("gaussian_mle: needs at least one sample")
    mu = float(x.mean())
    return mu, float(((x - mu) ** 2).mean())


def gaussian_log_likelihood(x: Any, mu: Any, sigma: float) -> Tensor:
    """l(mu) = N log(1 / (sqrt(2 pi) sigma)) - 1/(2 sigma^2) sum_n (x_n - mu)^2;
    dl/dmu = 1/sigma^2 sum_n (x_n - mu).

    Parameters
    ----------
    x : array-like or Tensor of shape (N,)
        The samples (or the targets t_n of a regression).
    mu : float, array-like or Tensor
        The mean (a scalar parameter, or the model's predictions g(x_n|w), shape (N,)).
    sigma : float
        The known standard deviation, > 0.

    Returns
    -------
    Tensor
        The scalar log-likelihood, differentiable in ``mu``.
    """
    if not sigma > 0:
        raise ValueError(f"gaussian_log_likelihood: sigma must be > 0, got {sigma}")
    mu_t = as_tensor(mu)
    x_t = as_tensor(x, mu_t)
    n = int(np.prod(x_t.shape)) if x_t.shape else 1
    sq = ((x_t - mu_t) ** 2).sum()
    return sq * (-0.5 / sigma**2) + n * math.log(1 / (math.sqrt(2 * math.pi) * sigma))


def sum_of_squared_errors(t: Any, y: Any) -> Tensor:
    """SSE = sum_n (t_n - y_n)^2 (the Matteucci deck's E(w)); dSSE/dy_n = -2 (t_n - y_n)."""
    y_t = as_tensor(y)
    return ((as_tensor(t, y_t) - y_t) ** 2).sum()


def gaussian_nll_from_sse(sse: Any, n: int, sigma: float) -> Any:
    """-l = SSE / (2 sigma^2) + N log(sqrt(2 pi) sigma): the Gaussian negative
    log-likelihood of N residuals whose squares sum to ``sse``.

    It is an increasing affine function of SSE, so both have the same minimiser w.
    """
    return sse / (2 * sigma**2) + n * math.log(math.sqrt(2 * math.pi) * sigma)


def bernoulli_log_likelihood(t: Any, p: Any) -> Tensor:
    """l = sum_n t_n log p_n + (1 - t_n) log(1 - p_n), t_n in {0, 1}, p_n = g(x_n|w);
    dl/dp_n = t_n / p_n - (1 - t_n) / (1 - p_n).

    Its negative is the summed binary cross-entropy
    (``F.binary_cross_entropy(p, t, reduction="sum")``).
    """
    p_t = as_tensor(p)
    t_t = as_tensor(t, p_t)
    return (t_t * p_t.log() + (1 - t_t) * (1 - p_t).log()).sum()
