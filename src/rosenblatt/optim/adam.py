"""Adam and AdamW: momentum on the gradient, RMSprop on its scale, both bias-corrected."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..kernels import optim as _kernels
from .optimizer import Optimizer, ParamsT

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam: w := w - lr * m_hat / (sqrt(v_hat) + eps); m, v running means of g and g^2.

    Parameters
    ----------
    params : iterable of Tensor or of dicts
        ``model.parameters()`` or parameter groups (see :class:`Optimizer`).
    lr : float
        Learning rate, >= 0.
    betas : (float, float)
        ``(beta1, beta2)``: decay rates of the first and second moment estimates, in [0, 1).
    eps : float
        Added to sqrt(v_hat) so that the division is safe.
    weight_decay : float
        L2 penalty added to the gradient (coupled); see :class:`AdamW` for the decoupled form.
    amsgrad : bool
        Use the running maximum of v (AMSGrad, Reddi et al., 2018), so steps never grow
        because v shrank.
    maximize : bool
        Ascend the objective instead of descending it.
    decoupled_weight_decay : bool
        Apply weight decay as AdamW does.

    Notes
    -----
    Algorithm (Kingma & Ba, 2015), at step t = 1, 2, ...::

        g = grad + weight_decay * w                 (-grad if maximize)
        m = beta1 * m + (1 - beta1) * g             first moment, m starts at 0
        v = beta2 * v + (1 - beta2) * g^2           second moment, v starts at 0
        v = v_max = max(v_max, v)                   if amsgrad
        m_hat = m / (1 - beta1^t)                   bias correction: m and v start at 0
        v_hat = v / (1 - beta2^t)
        w = w - lr * m_hat / (sqrt(v_hat) + eps)

    The state keeps PyTorch's names: m is ``"exp_avg"``, v is ``"exp_avg_sq"``, v_max is
    ``"max_exp_avg_sq"``, t is ``"step"``. One step is one pass over a parameter, its
    gradient, m and v (``kernels.optim.adam``; its NumPy reference makes 13).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        betas = group["betas"]
        if len(betas) != 2:
            raise ValueError(f"{type(self).__name__}: betas must be (beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            self._require(f"betas[{i}]", beta, 0 <= beta < 1, "in [0, 1)")
        for name in ("eps", "weight_decay"):
            self._require(name, group[name], group[name] >= 0, ">= 0")

    def _update(
        self, w: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), group["weight_decay"]
        beta1, beta2 = (float(beta) for beta in group["betas"])
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(w)
            state["exp_avg_sq"] = np.zeros_like(w)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(w)
        t = state["step"] = state["step"] + 1
        v_max = state["max_exp_avg_sq"] if group["amsgrad"] else None
        _kernels.adam(  # one pass over w, grad, m, v (the NumPy reference: adam_reference)
            w, grad, state["exp_avg"], state["exp_avg_sq"], v_max, t, lr, beta1, beta2, eps,
            float(weight_decay), group["decoupled_weight_decay"], group["maximize"],
        )  # fmt: skip


class AdamW(Adam):
    """AdamW: w := w - lr * weight_decay * w, then the Adam step on the plain gradient.

    Parameters
    ----------
    params : iterable of Tensor or of dicts
        ``model.parameters()`` or parameter groups (see :class:`Optimizer`).
    lr : float
        Learning rate, >= 0.
    betas : (float, float)
        ``(beta1, beta2)``, in [0, 1).
    eps : float
        Added to sqrt(v_hat) so that the division is safe.
    weight_decay : float
        Decoupled weight decay coefficient (default 1e-2).
    amsgrad : bool
        Use the running maximum of v.
    maximize : bool
        Ascend the objective instead of descending it.

    Notes
    -----
    Algorithm (Loshchilov & Hutter, 2019), at step t = 1, 2, ...::

        w = w - lr * weight_decay * w               decay the weights directly
        g = grad                                    (-grad if maximize)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g^2
        v = v_max = max(v_max, v)                   if amsgrad
        m_hat = m / (1 - beta1^t)
        v_hat = v / (1 - beta2^t)
        w = w - lr * m_hat / (sqrt(v_hat) + eps)

    Unlike Adam's L2 penalty, the decay is not divided by sqrt(v_hat): every weight shrinks
    by the same factor (1 - lr * weight_decay).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )
