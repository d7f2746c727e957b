"""Adadelta: a step whose units match the weights', from running averages of g^2 and dw^2."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT, _gradient

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta: v := rho v + (1 - rho) g^2;  dw = sqrt(u + eps) / sqrt(v + eps) * g;
    u := rho u + (1 - rho) dw^2;  w := w - lr * dw.

    Parameters
    ----------
    params : iterable of Tensor or of dicts
        ``model.parameters()`` or parameter groups (see :class:`Optimizer`).
    lr : float
        Scales the step dw (1.0, the paper's method, by default), >= 0.
    rho : float
        Decay of both running averages, in [0, 1].
    eps : float
        Added inside both square roots: it sets the size of the first steps (u = 0) and
        keeps the division safe.
    weight_decay : float
        L2 penalty: ``weight_decay * w`` is added to the gradient.
    maximize : bool
        Ascend the objective instead of descending it.

    Notes
    -----
    Algorithm (Zeiler, 2012, "ADADELTA: an adaptive learning rate method"), at step t::

        g  = grad + weight_decay * w                 (-grad if maximize)
        v  = rho * v + (1 - rho) * g^2               E[g^2], v starts at 0
        dw = sqrt(u + eps) / sqrt(v + eps) * g       RMS[dw]_{t-1} / RMS[g]_t * g
        u  = rho * u + (1 - rho) * dw^2              E[dw^2], u starts at 0
        w  = w - lr * dw

    The ratio of two root mean squares gives the step the units of w, so no global learning
    rate has to be tuned (lr = 1). The state keeps PyTorch's names: v is ``"square_avg"``,
    u is ``"acc_delta"``, t is ``"step"``.

    Examples
    --------
    >>> import rosenblatt as rb
    >>> w = rb.nn.Parameter(rb.tensor([1.0, -2.0]))
    >>> opt = rb.optim.Adadelta([w])
    >>> (w**2).sum().backward()
    >>> opt.step()
    >>> w.data.numpy().round(5)  # the first step is about sqrt(eps) = 1e-3 long
    array([ 0.99684, -1.99684], dtype=float32)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        self._require("rho", group["rho"], 0.0 <= group["rho"] <= 1.0, "in [0, 1]")
        for name in ("eps", "weight_decay"):
            self._require(name, group[name], group[name] >= 0, ">= 0")

    def _update(
        self, w: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, rho, eps = float(group["lr"]), float(group["rho"]), float(group["eps"])
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(w)
            state["acc_delta"] = np.zeros_like(w)
        state["step"] += 1
        g, _ = _gradient(w, grad, float(group["weight_decay"]), group["maximize"])
        v, u = state["square_avg"], state["acc_delta"]

        buf = np.multiply(g, g)  # v = rho * v + (1 - rho) * g^2
        buf *= 1.0 - rho
        v *= rho
        v += buf
        rms_g = np.add(v, eps, out=buf)  # sqrt(v + eps)
        np.sqrt(rms_g, out=rms_g)
        dw = np.add(u, eps)  # dw = sqrt(u + eps) / sqrt(v + eps) * g
        np.sqrt(dw, out=dw)
        dw /= rms_g
        dw *= g
        sq = np.multiply(dw, dw, out=buf)  # u = rho * u + (1 - rho) * dw^2
        sq *= 1.0 - rho
        u *= rho
        u += sq
        dw *= lr  # w = w - lr * dw
        w -= dw
