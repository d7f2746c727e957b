"""BFGS: quasi-Newton with the full (dense) inverse-Hessian estimate."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._flat import numel, single_group
from .lbfgs import QuasiNewton
from .optimizer import ParamsT

__all__ = ["BFGS"]


class BFGS(QuasiNewton):
    """BFGS: w := w + t d, d = -H g, H := (I - rho s y^T) H (I - rho y s^T) + rho s s^T,
    rho = 1 / y.s, with t from a strong Wolfe line search.

    rosenblatt's own implementation (it does not call scipy.optimize): the same iteration,
    stopping tests and line search as :class:`LBFGS`, with the n x n matrix H in place of
    the limited memory. It reaches the optimum ``scipy.optimize.minimize(method="BFGS")``
    reaches.

    Parameters
    ----------
    params : iterable of Tensor
        ``model.parameters()``: one group only.
    lr : float
        First trial step of the line search (or the fixed step without one; default 1).
    max_iter : int
        Most iterations per ``step()`` (default 20).
    max_eval : int, optional
        Most closure evaluations per ``step()`` (default ``max_iter * 5 // 4``).
    tolerance_grad : float
        Stop when max_i |g_i| <= tolerance_grad (default 1e-7).
    tolerance_change : float
        Stop when the step or the change of the loss is below this (default 1e-9).
    line_search_fn : {"strong_wolfe", None}
        The line search (default "strong_wolfe", c1 = 1e-4, c2 = 0.9); None: fixed t = lr.
    max_params : int
        Refuse more parameters than this (H has n^2 entries): use :class:`LBFGS` then.

    Notes
    -----
    Algorithm (Nocedal & Wright, Algorithm 6.1), in each iteration::

        g = grad J(w);  stop if max|g| <= tolerance_grad
        first iteration ever:  d = -g                       (H = I)
        otherwise, with s = w - w_prev, y = g - g_prev, if y.s > 1e-10:
            H = (y.s / y.y) I                               before the first update (6.20)
            rho = 1 / y.s
            H = (I - rho s y^T) H (I - rho y s^T) + rho s s^T
              = H - rho (H y s^T + s y^T H) + (rho^2 y.H y + rho) s s^T
            d = -H g
        w = w + t d, t from the strong Wolfe line search, starting at
            t = min(1, 1/sum|g|) lr on the first iteration ever and t = lr afterwards

    The update keeps H symmetric positive definite whenever y.s > 0, which the Wolfe
    curvature condition guarantees; pairs with y.s <= 1e-10 are skipped. Memory n^2 floats.

    Examples
    --------
    >>> import rosenblatt as rb
    >>> w = rb.tensor([-1.2, 1.0], dtype="float64", requires_grad=True)
    >>> opt = rb.optim.BFGS([w], max_iter=100)
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2
    ...     loss.backward()
    ...     return loss
    >>> _ = opt.step(closure)
    >>> [round(float(v), 3) for v in w._data]
    [1.0, 1.0]
    """

    _name = "BFGS"

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        line_search_fn: str | None = "strong_wolfe",
        max_params: int = 10_000,
    ) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "line_search_fn": line_search_fn,
            "max_params": max_params,
        }
        super().__init__(params, defaults)
        n = numel(single_group(self))
        if n > max_params:
            raise ValueError(
                f"BFGS: the model has {n} parameters, more than max_params={max_params}; "
                f"its inverse-Hessian estimate would hold {n}^2 numbers. Use "
                "rb.optim.LBFGS (limited memory) for large models, or raise max_params."
            )

    def _reset_memory(self, state: dict[str, Any]) -> None:
        state["H"] = None  # the identity, until the first pair scales it

    def _remember(self, state: dict[str, Any], s: np.ndarray, y: np.ndarray) -> None:
        ys = float(y @ s)
        if ys <= 1e-10:
            return
        H = state["H"]
        if H is None:
            H = np.eye(s.size, dtype=s.dtype) * (ys / float(y @ y))
        rho = 1.0 / ys
        Hy = H @ y
        H += (rho * rho * float(y @ Hy) + rho) * np.outer(s, s)
        H -= rho * (np.outer(Hy, s) + np.outer(s, Hy))
        state["H"] = H

    def _direction(self, state: dict[str, Any], g: np.ndarray) -> np.ndarray:
        H = state["H"]
        return -g if H is None else -(H @ g)
