"""Stochastic gradient descent, with momentum, dampening, Nesterov momentum and weight decay."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..kernels import optim as _kernels
from .optimizer import Optimizer, ParamsT

__all__ = ["SGD"]


class SGD(Optimizer):
    """SGD with momentum: b := momentum * b + (1 - dampening) * g;  w := w - lr * b.

    Parameters
    ----------
    params : iterable of Tensor or of dicts
        ``model.parameters()`` or parameter groups (see :class:`Optimizer`).
    lr : float
        Learning rate (the course's eta), >= 0.
    momentum : float
        Momentum factor (the course's alpha), >= 0; 0 is plain gradient descent.
    dampening : float
        Scales the new gradient entering the momentum buffer by ``1 - dampening``.
    weight_decay : float
        L2 penalty: ``weight_decay * w`` is added to the gradient.
    nesterov : bool
        Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
    maximize : bool
        Ascend the objective instead of descending it.

    Notes
    -----
    Algorithm, for each parameter ``w`` with gradient ``grad`` at step t = 1, 2, ...::

        g = grad                          (-grad if maximize)
        g = g + weight_decay * w          if weight_decay != 0
        if momentum != 0:
            b = g                                     if t == 1
            b = momentum * b + (1 - dampening) * g    if t > 1
            g = g + momentum * b   if nesterov,   else   g = b
        w = w - lr * g

    The course's momentum rule (Carrazza, lecture 2) stores the previous update Delta w::

        w := w - eta * grad J(w) + alpha * Delta w

    This is SGD with momentum: with lr = eta, momentum = alpha and dampening = 0 the update
    Delta w_t = -lr * b_t = -lr * (g_t + momentum * b_{t-1}) = -eta * grad J + alpha * Delta w_{t-1}
    (for a constant lr), starting from Delta w_0 = 0.

    The Matteucci deck's momentum, w^{k+1} = w^k - eta grad E(w^k) - alpha grad E(w^{k-1}),
    is another algorithm (only the previous gradient enters, not every past one):
    :class:`PreviousGradientMomentum`.

    Examples
    --------
    >>> import rosenblatt as rb
    >>> w = rb.nn.Parameter(rb.tensor([1.0, -2.0]))
    >>> opt = rb.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> (w * w).sum().backward()   # grad = 2 w
    >>> opt.step()
    >>> w._data
    array([ 0.8, -1.6], dtype=float32)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        momentum, weight_decay = group["momentum"], group["weight_decay"]
        self._require("momentum", momentum, momentum >= 0, ">= 0")
        self._require("weight_decay", weight_decay, weight_decay >= 0, ">= 0")
        if group["nesterov"] and (momentum <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: nesterov=True requires momentum > 0 and dampening = 0, got "
                f"momentum={momentum!r}, dampening={group['dampening']!r}"
            )

    def _update(
        self, w: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, momentum = float(group["lr"]), float(group["momentum"])
        dampening = float(group["dampening"])
        b = _kernels.sgd(  # one pass (the NumPy reference: kernels.optim.sgd_reference)
            w, grad, state.get("momentum_buffer"), lr, momentum, dampening,
            float(group["weight_decay"]), group["nesterov"], group["maximize"],
        )  # fmt: skip
        if b is not None:
            state["momentum_buffer"] = b
