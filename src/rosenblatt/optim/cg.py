"""Conjugate gradient: each direction is the negative gradient plus a multiple of the last
direction, so successive steps do not undo each other (Edinburgh deck: "Gradient descent,
Newton's method, Conjugate gradient methods").

Two forms of one idea:

- :func:`conjugate_gradient` solves A x = b for a symmetric positive definite A, i.e.
  minimises the quadratic J(x) = 1/2 x^T A x - b^T x, exactly, in at most n steps.
- :class:`ConjugateGradient` is the nonlinear method for any loss J(w): the same direction
  update with beta from the gradients only (Fletcher-Reeves, Polak-Ribiere, Hestenes-Stiefel)
  and a strong Wolfe line search instead of the exact step, in the :class:`QuasiNewton`
  template of BFGS and L-BFGS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._flat import single_group
from .lbfgs import QuasiNewton
from .optimizer import ParamsT

__all__ = ["ConjugateGradient", "conjugate_gradient"]

_BETAS = ("PR+", "PR", "FR", "HS")


def conjugate_gradient(
    A: Any,
    b: Any,
    x0: Any = None,
    tol: float = 1e-10,
    max_iter: int | None = None,
    callback: Callable[[np.ndarray], None] | None = None,
) -> np.ndarray:
    """Solve A x = b (A symmetric positive definite) by linear conjugate gradients.

    Parameters
    ----------
    A : array-like of shape (n, n)
        Symmetric positive definite matrix (the Hessian of the quadratic).
    b : array-like of shape (n,)
    x0 : array-like of shape (n,), optional
        Starting point (default zeros).
    tol : float
        Stop when ||r|| <= tol ||b|| (the residual r = b - A x = -grad J).
    max_iter : int, optional
        Most iterations (default n: in exact arithmetic CG ends by then).
    callback : callable, optional
        ``callback(x)`` after each iteration, as ``scipy.sparse.linalg.cg``'s.

    Returns
    -------
    x : ndarray of shape (n,)

    Notes
    -----
    Algorithm (Hestenes & Stiefel, 1952; Nocedal & Wright, Algorithm 5.2)::

        r = b - A x,  d = r
        repeat until ||r|| <= tol ||b||:
            t = r.r / d.A d                exact minimiser of J along d
            x = x + t d
            r_new = r - t A d
            beta = r_new.r_new / r.r
            d = r_new + beta d             A-conjugate to every earlier direction
            r = r_new

    With J(x) = 1/2 x^T A x - b^T x the residual is the negative gradient, so the first
    step is steepest descent and each later direction is "conjugate" (d_i.A d_j = 0):
    at most n steps reach the minimiser A^-1 b.

    Examples
    --------
    >>> import numpy as np
    >>> from rosenblatt.optim import conjugate_gradient
    >>> conjugate_gradient(np.array([[4.0, 1.0], [1.0, 3.0]]), np.array([1.0, 2.0])).round(6)
    array([0.090909, 0.636364])
    """
    A = np.asarray(A, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or b.shape != (A.shape[0],):
        raise ValueError(
            f"conjugate_gradient: A must be (n, n) and b (n,), got {A.shape} and {b.shape}"
        )
    x = np.zeros_like(b) if x0 is None else np.array(x0, dtype=np.float64)
    r = b - A @ x
    d = r.copy()
    rr = float(r @ r)
    stop = tol * float(np.linalg.norm(b))
    for _ in range(A.shape[0] if max_iter is None else max_iter):
        if np.sqrt(rr) <= stop:
            break
        Ad = A @ d
        t = rr / float(d @ Ad)
        x += t * d
        r -= t * Ad
        rr_new = float(r @ r)
        d = r + (rr_new / rr) * d
        rr = rr_new
        if callback is not None:
            callback(x)
    return x


class ConjugateGradient(QuasiNewton):
    """Nonlinear conjugate gradient: w := w + t d,  d = -g + beta d_prev, with t from a
    strong Wolfe line search and beta by the rule ``beta`` (Polak-Ribiere+ by default).

    Same iteration, stopping tests and line search as :class:`LBFGS` and :class:`BFGS`
    (the :class:`QuasiNewton` template), with the curvature constant c2 = 0.1 that
    conjugate gradients need. It reaches the optimum
    ``scipy.optimize.minimize(method="CG")`` reaches. Memory: two vectors.

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
    beta : {"PR+", "PR", "FR", "HS"}
        How much of the last direction to keep, with y = g - g_prev:
        "PR+" max(0, g.y / g_prev.g_prev) (Polak-Ribiere, restarted when negative),
        "PR" g.y / g_prev.g_prev, "FR" g.g / g_prev.g_prev (Fletcher-Reeves),
        "HS" g.y / d_prev.y (Hestenes-Stiefel).
    line_search_fn : {"strong_wolfe", None}
        The line search (default "strong_wolfe", c1 = 1e-4, c2 = 0.1); None: fixed t = lr.

    Notes
    -----
    Algorithm (Fletcher & Reeves, 1964; Polak & Ribiere, 1969; Nocedal & Wright,
    Algorithm 5.4), in each iteration::

        g = grad J(w);  stop if max|g| <= tolerance_grad
        first iteration ever:  d = -g
        otherwise, with y = g - g_prev:
            beta = max(0, g.y / g_prev.g_prev)            ("PR+"; see ``beta``)
            d = -g + beta d_prev
            d = -g  if g.d >= 0                             (restart: not a descent direction)
        w = w + t d, t from the strong Wolfe line search (c2 = 0.1)

    On the quadratic J = 1/2 w^T A w - b^T w with exact line searches every rule gives
    the linear method of :func:`conjugate_gradient`.

    Examples
    --------
    >>> import rosenblatt as rb
    >>> w = rb.tensor([-1.2, 1.0], dtype="float64", requires_grad=True)
    >>> opt = rb.optim.ConjugateGradient([w], max_iter=200, max_eval=1000)
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2
    ...     loss.backward()
    ...     return loss
    >>> _ = opt.step(closure)
    >>> [round(float(v), 3) for v in w._data]
    [1.0, 1.0]
    """

    _name = "ConjugateGradient"
    _wolfe_c2 = 0.1

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        beta: str = "PR+",
        line_search_fn: str | None = "strong_wolfe",
    ) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "beta": beta,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        single_group(self)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        self._require("beta", group["beta"], group["beta"] in _BETAS, f"one of {_BETAS}")

    # ---- the memory: the last direction and the last change of gradient
    def _reset_memory(self, state: dict[str, Any]) -> None:
        state["cg_d"] = None
        state["cg_y"] = None

    def _remember(self, state: dict[str, Any], s: np.ndarray, y: np.ndarray) -> None:
        state["cg_y"] = y

    def _direction(self, state: dict[str, Any], g: np.ndarray) -> np.ndarray:
        d_prev, y = state["cg_d"], state["cg_y"]
        if d_prev is None:  # the first direction was steepest descent, -g_prev
            d_prev = y - g
        d = -g + self._beta(g, y, d_prev) * d_prev
        if float(g @ d) >= 0:  # not a descent direction: restart along -g
            d = -g
        state["cg_d"] = d
        return d

    def _beta(self, g: np.ndarray, y: np.ndarray, d_prev: np.ndarray) -> float:
        rule = self.param_groups[0]["beta"]
        g_prev = g - y
        if rule == "FR":
            return float(g @ g) / float(g_prev @ g_prev)
        if rule == "HS":
            dy = float(d_prev @ y)
            return float(g @ y) / dy if dy != 0 else 0.0
        beta = float(g @ y) / float(g_prev @ g_prev)
        return max(beta, 0.0) if rule == "PR+" else beta
