"""The Matteucci deck's momentum: the step adds the previous gradient, not the previous step.

Two decks write two different algorithms under the name "momentum":

- deck 000 (Matteucci, "Gradient descent - Backpropagation")::

      w^{k+1} = w^k - eta dE/dw|_{w^k} - alpha dE/dw|_{w^{k-1}}

  only the gradient of the one previous iterate enters: :class:`PreviousGradientMomentum`.
- deck 001 (Carrazza, "Gradient descent schemes")::

      w := w - eta grad J(w) + alpha Delta w

  the previous *step* Delta w enters, so every past gradient contributes with weight
  alpha^j: ``optim.SGD(momentum=alpha)`` (PyTorch's momentum, dampening 0).

Unrolled, with g_k = dE/dw at w^k and constant eta::

    deck 000:  Delta w^k = -eta g_k - alpha g_{k-1}
    deck 001:  Delta w^k = -eta (g_k + alpha g_{k-1} + alpha^2 g_{k-2} + ...)

so they agree on the first step only (and deck 000's alpha multiplies the gradient directly,
while SGD's alpha multiplies eta times it).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT, _gradient

__all__ = ["PreviousGradientMomentum"]


class PreviousGradientMomentum(Optimizer):
    """Deck 000's momentum: w^{k+1} = w^k - lr g_k - alpha g_{k-1}, g_{-1} = 0.

    Parameters
    ----------
    params : iterable of Tensor or of dicts
        ``model.parameters()`` or parameter groups (see :class:`Optimizer`).
    lr : float
        The step size eta on the current gradient, >= 0.
    alpha : float
        The step size on the previous gradient, >= 0 (the deck's alpha). alpha = 0 is
        plain gradient descent.
    weight_decay : float
        L2 penalty: ``weight_decay * w`` is added to each gradient.
    maximize : bool
        Ascend the objective instead of descending it.

    Notes
    -----
    Algorithm (Matteucci, "From Perceptrons to Neural Networks", slide "Gradient descent -
    Backpropagation"), for each parameter w at step k = 0, 1, 2, ...::

        g      = grad + weight_decay * w          (-grad if maximize)
        w      = w - lr * g - alpha * g_prev       g_prev = 0 at the first step
        g_prev = g

    This is not ``SGD(momentum=alpha)``, the Carrazza deck's rule w := w - eta grad J +
    alpha Delta w, whose step carries all past gradients (see the module docstring). The
    state keeps the previous gradient as ``"prev_grad"``.

    Examples
    --------
    >>> import rosenblatt as rb
    >>> w = rb.nn.Parameter(rb.tensor([1.0], dtype="float64"))
    >>> opt = rb.optim.PreviousGradientMomentum([w], lr=0.1, alpha=0.5)
    >>> for _ in range(2):
    ...     opt.zero_grad()
    ...     (w * w).sum().backward()  # E = w^2, g = 2 w
    ...     opt.step()
    >>> round(float(w._data[0]), 6)  # 1 -> 1 - 0.2 = 0.8 -> 0.8 - 0.16 - 0.5 * 2 = -0.36
    -0.36
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        alpha: float = 0.0,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {"lr": lr, "alpha": alpha, "weight_decay": weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        for name in ("alpha", "weight_decay"):
            self._require(name, group[name], group[name] >= 0, ">= 0")

    def _update(
        self, w: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        g, _ = _gradient(w, grad, float(group["weight_decay"]), group["maximize"])
        g_prev = state.get("prev_grad")
        w -= float(group["lr"]) * g
        if g_prev is not None:
            w -= float(group["alpha"]) * g_prev
        state["prev_grad"] = np.array(g, copy=True)
