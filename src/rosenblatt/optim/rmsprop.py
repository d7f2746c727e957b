"""RMSprop: divide the gradient by a running root mean square of recent gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..kernels import optim as _kernels
from .optimizer import Optimizer, ParamsT

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop: v := alpha v + (1 - alpha) g^2;  w := w - lr * g / (sqrt(v) + eps).

    Parameters
    ----------
    params : iterable of Tensor or of dicts
        ``model.parameters()`` or parameter groups (see :class:`Optimizer`).
    lr : float
        Learning rate (the course's eta), >= 0.
    alpha : float
        Smoothing constant of the running average of g^2.
    eps : float
        Added to the root mean square so that the division is safe.
    weight_decay : float
        L2 penalty: ``weight_decay * w`` is added to the gradient.
    momentum : float
        Momentum factor applied to the normalised step; 0 for none.
    centered : bool
        Normalise by an estimate of the variance of g (v - m^2) instead of its second moment.
    maximize : bool
        Ascend the objective instead of descending it.

    Notes
    -----
    The course (Carrazza, lecture 2) writes ``w := w - eta / sqrt(v(w, ite)) * grad J(w)``.
    Algorithm (Hinton's lecture 6e; centered form from Graves, 2013), at step t::

        g = grad + weight_decay * w                 (-grad if maximize)
        v = alpha * v + (1 - alpha) * g^2           v starts at 0
        if centered:
            m = alpha * m + (1 - alpha) * g         m starts at 0
            denom = sqrt(v - m^2) + eps
        else:
            denom = sqrt(v) + eps
        if momentum > 0:
            b = momentum * b + g / denom            b starts at 0
            w = w - lr * b
        else:
            w = w - lr * g / denom

    The state keeps PyTorch's names: v is ``"square_avg"``, m is ``"grad_avg"``, b is
    ``"momentum_buffer"``.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        for name in ("eps", "momentum", "weight_decay", "alpha"):
            self._require(name, group[name], group[name] >= 0, ">= 0")

    def _update(
        self, w: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
        momentum = float(group["momentum"])
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(w)
            if momentum > 0:
                state["momentum_buffer"] = np.zeros_like(w)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(w)
        state["step"] += 1
        _kernels.rmsprop(  # one pass (the NumPy reference: kernels.optim.rmsprop_reference)
            w, grad, state["square_avg"], state.get("grad_avg") if group["centered"] else None,
            state.get("momentum_buffer"), lr, alpha, eps, float(group["weight_decay"]),
            momentum, group["maximize"],
        )  # fmt: skip
