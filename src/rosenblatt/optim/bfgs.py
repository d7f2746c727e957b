"""BFGS and its siblings DFP and Broyden: quasi-Newton with a dense inverse-Hessian estimate.

The Carrazza deck: "Some methods: BFGS, L-BFGS, DFP, Broyden -- differ by the choice of the
solution to update B". Here the three differ only in :meth:`BFGS._inverse_update`, the
formula that turns H (the estimate of the inverse Hessian B^-1) into one satisfying the
secant equation H y = s for the last step s and change of gradient y. Everything else (the
iteration, the line search, the stopping tests, the first scaling of H) is one code path.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._flat import numel, single_group
from .lbfgs import QuasiNewton
from .optimizer import ParamsT

__all__ = ["BFGS", "DFP", "Broyden"]


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
                f"{self._name}: the model has {n} parameters, more than max_params={max_params}; "
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
        state["H"] = self._inverse_update(H, s, y)

    @staticmethod
    def _inverse_update(H: np.ndarray, s: np.ndarray, y: np.ndarray) -> np.ndarray:
        """BFGS: H := (I - rho s y^T) H (I - rho y s^T) + rho s s^T, rho = 1 / y.s (in place)."""
        rho = 1.0 / float(y @ s)
        Hy = H @ y
        H += (rho * rho * float(y @ Hy) + rho) * np.outer(s, s)
        H -= rho * (np.outer(Hy, s) + np.outer(s, Hy))
        return H

    def _direction(self, state: dict[str, Any], g: np.ndarray) -> np.ndarray:
        H = state["H"]
        return -g if H is None else -(H @ g)


class DFP(BFGS):
    """DFP: BFGS's iteration with the Davidon-Fletcher-Powell update
    H := H - H y y^T H / (y.H y) + s s^T / (y.s).

    Same parameters, iteration and line search as :class:`BFGS`; only the update of H
    differs. It reaches the optimum ``scipy.optimize.minimize(method="BFGS")`` reaches.

    Notes
    -----
    Algorithm (Davidon, 1959; Fletcher & Powell, 1963; Nocedal & Wright, eq. 6.15): BFGS's
    loop (see :class:`BFGS`) with, for each pair s = w_{k+1} - w_k, y = g_{k+1} - g_k with
    y.s > 1e-10::

        H = H - (H y)(H y)^T / (y.H y) + s s^T / (y.s)

    DFP and BFGS are duals: DFP's update of H is BFGS's update of B = H^-1 with s and y
    exchanged, B := (I - rho y s^T) B (I - rho s y^T) + rho y y^T. Both keep H symmetric
    positive definite when y.s > 0, and on a quadratic with exact line searches both end
    with H = A^-1 after n steps; BFGS corrects a bad H faster, which is why it won.

    Examples
    --------
    >>> import rosenblatt as rb
    >>> w = rb.tensor([-1.2, 1.0], dtype="float64", requires_grad=True)
    >>> opt = rb.optim.DFP([w], max_iter=100)
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = (w[0] - 1) ** 2 + 10 * (w[1] - w[0] - 3) ** 2 + 0.1 * w[0] ** 4
    ...     loss.backward()
    ...     return loss
    >>> _ = opt.step(closure)
    >>> [round(float(v), 3) for v in w._data]
    [0.869, 3.869]
    """

    _name = "DFP"

    @staticmethod
    def _inverse_update(H: np.ndarray, s: np.ndarray, y: np.ndarray) -> np.ndarray:
        """DFP: H := H - H y y^T H / (y.H y) + s s^T / (y.s) (in place)."""
        Hy = H @ y
        H -= np.outer(Hy, Hy) / float(y @ Hy)
        H += np.outer(s, s) / float(y @ s)
        return H


class Broyden(BFGS):
    """Broyden's method: BFGS's iteration with Broyden's ("good") rank-one update
    B := B + (y - B s) s^T / (s.s), kept as H = B^-1: H := H + (s - H y) s^T H / (s.H y).

    Same parameters, iteration and line search as :class:`BFGS`; only the update of H
    differs. It reaches the optimum ``scipy.optimize.minimize(method="BFGS")`` reaches.

    Notes
    -----
    Algorithm (Broyden, 1965; Nocedal & Wright, eq. 11.24): BFGS's loop (see :class:`BFGS`)
    with, for each pair s, y with y.s > 1e-10 and s.H y != 0::

        H = H + (s - H y)(s^T H) / (s.H y)          the Sherman-Morrison inverse of
        B = B + (y - B s) s^T / (s.s)               Broyden's secant update of B

    It changes B by the least amount (in the Frobenius norm) that satisfies the secant
    equation B s = y. Broyden built it to solve systems F(w) = 0 (here F = grad J); B is
    not kept symmetric, so -H g need not point downhill: when g.H g <= 0 the estimate is
    reset to the identity and the step is steepest descent.

    Examples
    --------
    >>> import rosenblatt as rb
    >>> w = rb.tensor([-1.2, 1.0], dtype="float64", requires_grad=True)
    >>> opt = rb.optim.Broyden([w], max_iter=500, max_eval=2000)
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2
    ...     loss.backward()
    ...     return loss
    >>> _ = opt.step(closure)
    >>> [round(float(v), 3) for v in w._data]
    [1.0, 1.0]
    """

    _name = "Broyden"

    @staticmethod
    def _inverse_update(H: np.ndarray, s: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Broyden: H := H + (s - H y) s^T H / (s.H y) (in place; unchanged if s.H y = 0)."""
        Hy = H @ y
        sHy = float(s @ Hy)
        if abs(sHy) <= 1e-12 * float(np.linalg.norm(s) * np.linalg.norm(Hy)):
            return H
        H += np.outer(s - Hy, s @ H) / sHy
        return H

    def _direction(self, state: dict[str, Any], g: np.ndarray) -> np.ndarray:
        d = super()._direction(state, g)
        if float(g @ d) >= 0:  # H lost its positive curvature along g: restart from -g
            state["H"] = None
            return -g
        return d
