"""Adagrad: a per-weight learning rate that shrinks with the sum of squared gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT, _gradient

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad: G := G + g^2;  w := w - lr / (1 + (t - 1) lr_decay) * g / (sqrt(G) + eps).

    Parameters
    ----------
    params : iterable of Tensor or of dicts
        ``model.parameters()`` or parameter groups (see :class:`Optimizer`).
    lr : float
        Learning rate, >= 0.
    lr_decay : float
        The step size at step t is ``lr / (1 + (t - 1) * lr_decay)``.
    weight_decay : float
        L2 penalty: ``weight_decay * w`` is added to the gradient.
    initial_accumulator_value : float
        Starting value of the sum of squared gradients G.
    eps : float
        Added to sqrt(G) so that the division is safe.
    maximize : bool
        Ascend the objective instead of descending it.

    Notes
    -----
    Algorithm (Duchi, Hazan & Singer, 2011), at step t = 1, 2, ...::

        g = grad + weight_decay * w            (-grad if maximize)
        clr = lr / (1 + (t - 1) * lr_decay)
        G = G + g * g                          G starts at initial_accumulator_value
        w = w - clr * g / (sqrt(G) + eps)

    A weight that has seen large gradients takes small steps, a rarely-updated one large steps.
    The state keeps G under PyTorch's name ``"sum"`` and t as ``"step"``.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:  # G exists from the start, as in PyTorch
            for p in group["params"]:
                self._init_state(p._data, self.state[p], group)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        for name in ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            self._require(name, group[name], group[name] >= 0, ">= 0")

    @staticmethod
    def _init_state(w: np.ndarray, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = 0
        state["sum"] = np.full_like(w, group["initial_accumulator_value"])

    def _update(
        self, w: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if not state:
            self._init_state(w, state, group)
        lr, lr_decay, eps = float(group["lr"]), float(group["lr_decay"]), float(group["eps"])
        g, owned = _gradient(w, grad, float(group["weight_decay"]), group["maximize"])
        t = state["step"] = state["step"] + 1
        G = state["sum"]
        clr = lr / (1 + (t - 1) * lr_decay)

        buf = np.multiply(g, g)
        G += buf  # G = G + g^2
        denom = np.sqrt(G, out=buf)
        denom += eps
        step = np.divide(g, denom, out=buf)  # g / (sqrt(G) + eps)
        step *= clr
        w -= step
