"""Batch normalization (Ioffe & Szegedy 2015; the KIT deck's "normalizing each activation
value using the batch (mu, sigma)").

Per channel c, over the M = N (* L or * H * W) values of the batch:

    mu = (1/M) sum x,   var = (1/M) sum (x - mu)^2   (biased),
    x_hat = (x - mu) / sqrt(var + eps),   y = gamma x_hat + beta.

Backward through the batch statistics (one fused formula):

    dL/dbeta = sum dL/dy,   dL/dgamma = sum dL/dy x_hat,
    dL/dx = gamma / sqrt(var + eps) * (dL/dy - dL/dbeta / M - x_hat dL/dgamma / M).

In evaluation the running estimates replace mu and var, and y is an affine map of x.

SyncBatchNorm (data-parallel training) runs the same formulas over the global batch of all
ranks: ``reduce`` sums arrays over the ranks, once in forward for S1 = sum x, S2 = sum x^2
and M (mu = S1/M, var = S2/M - mu^2), once in backward for the two sums of dL/dx above.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from .elementwise import as_tensor

__all__ = ["batch_norm"]


def _axes(ndim: int) -> tuple[int, ...]:
    """Every axis but the channel axis 1: (0,), (0, 2) or (0, 2, 3)."""
    return (0, *range(2, ndim))


def _per_channel(v: np.ndarray, ndim: int) -> np.ndarray:
    """(C,) -> (1, C, 1, ...) to broadcast against an (N, C, ...) input."""
    return v.reshape((1, -1) + (1,) * (ndim - 2))


class BatchNormTrain(Function):
    """batch_norm (batch statistics): y = gamma (x - mu)/sqrt(var + eps) + beta;
    dL/dx = gamma/sqrt(var + eps) (dL/dy - mean(dL/dy) - x_hat mean(dL/dy x_hat))"""

    def forward(self, x, gamma, beta, mean=None, var=None, eps=1e-5, reduce=None, count=None):
        nd = x.ndim
        self.invstd = _per_channel(1.0 / np.sqrt(var + eps), nd).astype(x.dtype)
        self.x_hat = (x - _per_channel(mean, nd)) * self.invstd
        self.gamma, self.reduce, self.count = gamma, reduce, count
        return self.x_hat * _per_channel(gamma, nd) + _per_channel(beta, nd)

    def backward(self, g):
        axes, nd, x_hat = _axes(g.ndim), g.ndim, self.x_hat
        m = np.asarray(x_hat.size // x_hat.shape[1], dtype=g.dtype)
        g_beta = g.sum(axis=axes)
        g_gamma = (g * x_hat).sum(axis=axes)
        s_beta, s_gamma = g_beta, g_gamma
        if self.reduce is not None:  # SyncBatchNorm: the sums run over every rank's batch
            m = np.asarray(self.count, dtype=g.dtype)
            s_beta, s_gamma = self.reduce(np.stack([g_beta, g_gamma])).astype(g.dtype)
        need = self.needs_input_grad
        gx = None
        if need[0]:
            scale = _per_channel(self.gamma, nd) * self.invstd
            gx = g - _per_channel(s_beta / m, nd)
            gx -= x_hat * _per_channel(s_gamma / m, nd)
            gx *= scale
        return gx, (g_gamma if need[1] else None), (g_beta if need[2] else None)


class BatchNormEval(Function):
    """batch_norm (running statistics): y = gamma (x - mu_run)/sqrt(var_run + eps) + beta;
    dL/dx = dL/dy gamma/sqrt(var_run + eps), dL/dgamma = sum dL/dy x_hat, dL/dbeta = sum dL/dy"""

    def forward(self, x, gamma, beta, mean=None, var=None, eps=1e-5):
        nd = x.ndim
        self.x, self.mean, self.gamma = x, _per_channel(mean, nd), gamma
        self.invstd = _per_channel(1.0 / np.sqrt(var + eps), nd).astype(x.dtype)
        scale = _per_channel(gamma, nd) * self.invstd
        return x * scale + (_per_channel(beta, nd) - self.mean * scale)

    def backward(self, g):
        axes, nd = _axes(g.ndim), g.ndim
        need = self.needs_input_grad
        gx = g * (_per_channel(self.gamma, nd) * self.invstd) if need[0] else None
        g_gamma = ((g * (self.x - self.mean)) * self.invstd).sum(axis=axes) if need[1] else None
        g_beta = g.sum(axis=axes) if need[2] else None
        return gx, g_gamma, g_beta


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
    reduce: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Tensor:
    """batch_norm: y = gamma (x - mu) / sqrt(var + eps) + beta, per channel (axis 1).

    With ``training`` the batch mean and biased variance normalise, and the running buffers
    (if given) are updated in place:
    ``running = (1 - momentum) running + momentum batch``, using the *unbiased* batch
    variance (M/(M-1) var) for ``running_var``, as PyTorch. Otherwise ``running_mean`` and
    ``running_var`` normalise.

    Parameters
    ----------
    input : Tensor
        (N, C), (N, C, L) or (N, C, H, W).
    running_mean, running_var : Tensor or None
        (C,) buffers.
    weight, bias : Tensor or None
        gamma and beta, (C,); None means 1 and 0.
    reduce : callable, optional
        Sums an array over the ranks of a data-parallel job (SyncBatchNorm): the batch
        statistics and the backward's sums then cover the global batch.
    """
    x = as_tensor(input)
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected an input (N, C, ...), got shape {x.shape}")
    c, dt = x.shape[1], x.dtype
    named = {
        "weight": weight,
        "bias": bias,
        "running_mean": running_mean,
        "running_var": running_var,
    }
    for name, t in named.items():
        if t is not None and t.shape != (c,):
            raise ValueError(
                f"batch_norm: {name} must have shape ({c},) for {c} channels, got {t.shape}"
            )
    if weight is not None and x.dtype != weight.dtype:
        x, dt = x.astype(weight.dtype), weight.dtype
    gamma = weight if weight is not None else Tensor._make(np.ones(c, dt), None)
    beta = bias if bias is not None else Tensor._make(np.zeros(c, dt), None)
    if training:
        if reduce is not None:  # SyncBatchNorm: the statistics of every rank's batch
            m, mean, var = _global_moments(np.asarray(x), reduce)
        else:
            m = x._data.size // c
        if m <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, "
                f"got input shape {x.shape}"
            )
        if reduce is None:
            axes = _axes(x.ndim)
            mean = x._data.mean(axis=axes)
            var = np.square(x._data - _per_channel(mean, x.ndim)).mean(axis=axes)
        _update_running(running_mean, running_var, mean, var * (m / (m - 1)), momentum)
        return BatchNormTrain.apply(
            x, gamma, beta, mean=mean, var=var, eps=eps, reduce=reduce, count=m
        )
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm: running_mean and running_var are needed when not training")
    return BatchNormEval.apply(
        x, gamma, beta, mean=running_mean._data, var=running_var._data, eps=eps
    )


def _global_moments(
    x: np.ndarray, reduce: Callable[[np.ndarray], np.ndarray]
) -> tuple[int, np.ndarray, np.ndarray]:
    """M, mu = S1/M and the biased var = S2/M - mu^2 per channel from S1 = sum x,
    S2 = sum x^2 and M summed over every rank by ONE ``reduce`` (in float64)."""
    c, axes = x.shape[1], _axes(x.ndim)
    sums = np.concatenate(
        [
            x.sum(axis=axes, dtype=np.float64),
            np.square(x, dtype=np.float64).sum(axis=axes),
            [x.size // c],
        ]
    )
    total = reduce(sums)
    m = int(total[-1])
    mean = total[:c] / max(m, 1)
    var = np.maximum(total[c : 2 * c] / max(m, 1) - mean * mean, 0.0)
    return m, mean.astype(x.dtype), var.astype(x.dtype)


def _update_running(
    running_mean: Tensor | None,
    running_var: Tensor | None,
    mean: np.ndarray,
    var_unbiased: np.ndarray,
    momentum: Any,
) -> None:
    """running = (1 - momentum) running + momentum batch, in place."""
    for run, new in ((running_mean, mean), (running_var, var_unbiased)):
        if run is not None:
            run.data *= 1 - momentum
            run.data += momentum * new.astype(run.data.dtype, copy=False)
