"""Averaged SGD: plain SGD steps with a decaying step size, and the running average of the
iterates as the answer (the Carrazza deck's "Averaging"; Polyak & Juditsky, 1992)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamsT, _gradient

__all__ = ["ASGD"]


def _scalar(value: float) -> float:
    """eta and mu as PyTorch keeps them: in its default scalar dtype, float32."""
    return float(np.float32(value))


class ASGD(Optimizer):
    """ASGD: w := (1 - lambd eta) w - eta g;  ax := ax + mu (w - ax), with
    eta_t = lr / (1 + lambd lr t)^alpha and mu_t = 1 / max(1, t - t0).

    Same parameters, defaults, state and trajectory as ``torch.optim.ASGD``.

    Parameters
    ----------
    params : iterable of Tensor or of dicts
        ``model.parameters()`` or parameter groups (see :class:`Optimizer`).
    lr : float
        The first step size eta_0 (the course's eta), >= 0.
    lambd : float
        Decay term: each step also shrinks w by the factor (1 - lambd eta), and the step
        size decays as (1 + lambd lr t)^-alpha.
    alpha : float
        Power of the step-size decay.
    t0 : float
        The step from which averaging starts: before it ax just follows w.
    weight_decay : float
        L2 penalty: ``weight_decay * w`` is added to the gradient.
    maximize : bool
        Ascend the objective instead of descending it.

    Notes
    -----
    Algorithm (Polyak & Juditsky, 1992; Bottou, 2010), for each parameter w at step
    t = 1, 2, ..., with eta = lr and mu = 1 before the first step::

        g   = grad + weight_decay * w                  (-grad if maximize)
        w   = w * (1 - lambd * eta) - eta * g          SGD with the current step size eta
        ax  = w                                        if mu == 1 (t <= t0 + 2)
        ax  = ax + mu * (w - ax)                       otherwise: the running mean of w
        eta = lr / (1 + lambd * lr * t) ** alpha       the step size of the next step
        mu  = 1 / max(1, t - t0)

    After step t0 + 2, ``ax`` is the mean of the iterates w_{t0+2}, ..., w_t: averaging the
    noisy SGD iterates gives an estimate with the optimal asymptotic variance while the
    iterates themselves keep a large step size. The model still holds w; copy ``ax`` into
    the parameters to use the averaged weights (see :meth:`swap_average`). The state keeps
    PyTorch's names: ``step``, ``eta``, ``mu`` and ``ax``; eta and mu are rounded to
    float32 as PyTorch stores them, so the trajectories agree.

    Examples
    --------
    >>> import rosenblatt as rb
    >>> w = rb.nn.Parameter(rb.tensor([1.0, -2.0], dtype="float64"))
    >>> opt = rb.optim.ASGD([w], lr=0.1, t0=0)
    >>> for _ in range(3):
    ...     opt.zero_grad()
    ...     (w * w).sum().backward()
    ...     opt.step()
    >>> ax = opt.state[w]["ax"]  # mean of the last iterates
    >>> bool(abs(ax[0]) > abs(w._data[0]))
    True
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        self._require("weight_decay", group["weight_decay"], group["weight_decay"] >= 0, ">= 0")

    def _update(
        self, w: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if not state:
            state.update(step=0, eta=_scalar(group["lr"]), mu=1.0, ax=np.zeros_like(w))
        lr, lambd = float(group["lr"]), float(group["lambd"])
        g, _ = _gradient(w, grad, float(group["weight_decay"]), group["maximize"])
        t = state["step"] = state["step"] + 1
        eta, mu, ax = state["eta"], state["mu"], state["ax"]

        w *= 1 - lambd * eta  # decay term
        w -= eta * g  # the SGD step
        if mu != 1:
            ax += mu * (w - ax)  # running mean of the iterates
        else:
            ax[...] = w
        state["eta"] = _scalar(lr / (1 + lambd * lr * t) ** float(group["alpha"]))
        state["mu"] = _scalar(1 / max(1.0, t - float(group["t0"])))

    def swap_average(self) -> None:
        """Exchange every parameter with its average ``ax`` (call again to swap back)."""
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state.get(p)
                if state and "ax" in state:
                    w = p._data.copy()
                    p._data[...] = state["ax"]
                    state["ax"][...] = w

    def _load_value(self, p: Any, index: int, name: str, value: Any) -> Any:
        if name in ("eta", "mu"):  # scalars (0-d tensors in PyTorch's state)
            return float(np.asarray(value.detach() if hasattr(value, "detach") else value))
        return super()._load_value(p, index, name, value)
