"""Newton's method: the exact Hessian, a damped solve and a backtracking line search."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.linalg

from ..autograd import hessian
from ._flat import call_closure, flat_params, numel, set_flat, single_group
from ._line_search import backtracking
from .optimizer import Optimizer, ParamsT

__all__ = ["Newton"]


def damped_newton_direction(
    H: np.ndarray, g: np.ndarray, damping: float = 0.0, beta: float = 1e-3
) -> tuple[np.ndarray, float]:
    """d = -(H + lam I)^-1 g with the smallest lam = damping + tau making H + lam I positive
    definite, tau in {0, beta, 2 beta, 4 beta, ...} (Nocedal & Wright, Algorithm 3.3).

    ``beta`` is relative to the scale of H (its largest diagonal magnitude). If H is
    positive definite and damping = 0, this is the pure Newton step -H^-1 g. Returns
    ``(d, lam)``.
    """
    if not np.all(np.isfinite(H)) or not np.all(np.isfinite(g)):
        raise FloatingPointError("Newton: the gradient or the Hessian holds NaN or inf")
    diag = np.diag(H)
    beta = beta * max(float(np.abs(diag).max(initial=0.0)), 1e-12)
    lam = damping if diag.min(initial=1.0) > 0 else damping - float(diag.min()) + beta
    eye = np.eye(len(g))
    for _ in range(200):
        try:
            factor = scipy.linalg.cho_factor(H + lam * eye)
            return -scipy.linalg.cho_solve(factor, g), lam
        except np.linalg.LinAlgError:
            lam = max(2.0 * lam, beta)
    raise FloatingPointError("Newton: could not make the Hessian positive definite")


class Newton(Optimizer):
    """Newton's method: w := w + t d, (H + lam I) d = -grad J(w), H = the exact Hessian of J,
    t from a backtracking (Armijo) line search.

    Parameters
    ----------
    params : iterable of Tensor
        ``model.parameters()``: one group only.
    lr : float
        First trial step t of the line search (default 1, the full Newton step).
    damping : float
        lam >= 0 added to the Hessian's diagonal in every solve (Levenberg-Marquardt /
        Tikhonov damping; default 0). When H + damping I is not positive definite (a
        saddle or a maximum of a non-convex loss), lam grows until it is; see Notes.
    max_iter : int
        Newton iterations per ``step()`` (default 1).
    tolerance_grad : float
        Stop when max_i |g_i| <= tolerance_grad (default 1e-7).
    max_params : int
        Refuse models with more parameters (default 5000): H has n^2 entries and costs n
        backward passes. Use :class:`LBFGS` for larger models.

    Notes
    -----
    Algorithm, in each iteration::

        J, g, H = J(w), grad J(w), grad^2 J(w)      exact: H is the derivative of the gradient
        stop if max|g| <= tolerance_grad
        lam = damping + tau, tau the first of 0, beta, 2 beta, 4 beta, ... (beta =
              1e-3 max|H_ii|) for which H + lam I has a Cholesky factor (Nocedal & Wright
              Alg. 3.3); tau starts at beta - min H_ii if some H_ii <= 0
        d = -(H + lam I)^-1 g                       a descent direction: g.d < 0
        t = lr, lr/2, lr/4, ...  until J(w + t d) <= J + 1e-4 t g.d   (Armijo, <= 30 tries)
        w = w + t d                                 (no step if no trial decreased J)

    Near a minimum with H positive definite and damping = 0 the full step t = 1 is
    accepted and convergence is quadratic: |g_{k+1}| ~ C |g_k|^2.

    The Hessian comes from the engine's double backward (``rb.autograd.hessian``): the
    gradient is computed with ``create_graph=True``, so it is a graph over the weights, and
    each Hessian row is one backward pass through it. The closure must therefore return the
    loss *tensor* with its graph. Ops without double backward (convolutions, recurrent
    layers, ...) raise a RuntimeError naming the op.

    ``state`` (under the first parameter) counts ``n_iter``, ``func_evals`` and keeps the
    last ``damping`` lam and step ``t``.

    Examples
    --------
    >>> import numpy as np, rosenblatt as rb
    >>> X = rb.tensor(np.array([[0.0], [1.0], [2.0], [3.0]]), dtype="float64")
    >>> y = rb.tensor(np.array([[0.0], [1.0], [0.0], [1.0]]), dtype="float64")
    >>> model = rb.nn.Linear(1, 1).double()
    >>> opt = rb.optim.Newton(model.parameters(), max_iter=20)
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = rb.nn.functional.binary_cross_entropy_with_logits(model(X), y)
    ...     loss.backward()
    ...     return loss
    >>> _ = opt.step(closure)
    >>> bool(np.abs(model.weight.grad).max() < 1e-7)
    True
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1.0,
        damping: float = 0.0,
        max_iter: int = 1,
        tolerance_grad: float = 1e-7,
        max_params: int = 5000,
    ) -> None:
        defaults = {
            "lr": lr,
            "damping": damping,
            "max_iter": max_iter,
            "tolerance_grad": tolerance_grad,
            "max_params": max_params,
        }
        super().__init__(params, defaults)
        n = numel(single_group(self))
        if n > max_params:
            raise ValueError(
                f"Newton: the model has {n} parameters, more than max_params={max_params}: "
                f"the exact Hessian would hold {n}^2 numbers and cost {n} backward passes "
                "per iteration. Use rb.optim.LBFGS (or BFGS) for larger models, or raise "
                "max_params."
            )

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        self._require("lr", group["lr"], group["lr"] > 0, "> 0")
        for name in ("damping", "tolerance_grad"):
            self._require(name, group[name], group[name] >= 0, ">= 0")
        for name in ("max_iter", "max_params"):
            value = group[name]
            self._require(name, value, isinstance(value, int) and value >= 1, ">= 1 (an int)")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Run ``max_iter`` Newton iterations; return the loss at the starting point.

        ``closure`` recomputes and returns the loss tensor (it may call ``backward()``, as
        for :class:`LBFGS`); it is called with grad enabled.
        """
        params = single_group(self)
        group = self.param_groups[0]
        state = self.state[params[0]]
        state.setdefault("n_iter", 0)
        state.setdefault("func_evals", 0)
        orig_loss = None
        for _ in range(group["max_iter"]):
            loss = call_closure(closure, "Newton")
            state["func_evals"] += 1
            if orig_loss is None:
                orig_loss = loss
            g, H = hessian(loss, params)
            if np.abs(g).max() <= group["tolerance_grad"]:
                break
            state["n_iter"] += 1
            d, lam = damped_newton_direction(H, g, group["damping"])
            w = flat_params(params).astype(np.float64)

            def phi(t: float, w: np.ndarray = w, d: np.ndarray = d) -> float:
                set_flat(params, w + t * d)
                return float(call_closure(closure, "Newton"))

            t, _, n_evals = backtracking(phi, float(loss), float(g @ d), t=group["lr"])
            state["func_evals"] += n_evals
            set_flat(params, w + t * d)
            state["damping"], state["t"] = lam, t
            if t == 0.0:  # no decrease along d: the loss is flat to rounding here
                break
        return orig_loss
