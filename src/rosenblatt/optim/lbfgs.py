"""L-BFGS: quasi-Newton from the last m gradient differences, with PyTorch's semantics."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from ._flat import add_flat, call_closure, flat_grad, flat_params, set_flat, single_group
from ._line_search import strong_wolfe
from .optimizer import Optimizer, ParamsT

__all__ = ["LBFGS", "QuasiNewton"]


class QuasiNewton(Optimizer):
    """The iteration that BFGS and L-BFGS share: w := w + t d, d = -H_k g, with H_k an
    estimate of the inverse Hessian built from the steps s = w_{k+1} - w_k and gradient
    changes y = g_{k+1} - g_k. Subclasses say how H_k is kept: ``_reset_memory``,
    ``_remember(s, y)`` and ``_direction(g)``. The loop is :class:`LBFGS`'s (see its Notes).
    """

    _name = "QuasiNewton"
    _wolfe_c2 = 0.9  # the curvature constant of the line search (CG wants 0.1)

    @property
    def _params(self) -> list[Any]:
        return single_group(self)

    def _check_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._check_hyperparameters(group)
        for name in ("max_iter", "max_eval"):
            value = group[name]
            self._require(name, value, isinstance(value, int) and value >= 1, ">= 1 (an int)")
        for name in ("tolerance_grad", "tolerance_change"):
            self._require(name, group[name], group[name] >= 0, ">= 0")
        if "history_size" in group:
            value = group["history_size"]
            self._require("history_size", value, isinstance(value, int) and value >= 1, ">= 1")
        ls = group["line_search_fn"]
        self._require("line_search_fn", ls, ls in (None, "strong_wolfe"), 'None or "strong_wolfe"')

    def _gradient(self) -> np.ndarray:
        return flat_grad(self._params)

    def _directional_evaluate(
        self, closure: Callable[[], Any] | None, w: np.ndarray, t: float, d: np.ndarray
    ) -> tuple[float, np.ndarray]:
        """(J(w + t d), grad J(w + t d)), leaving the parameters at w."""
        add_flat(self._params, t, d)
        loss = float(call_closure(closure, self._name))
        g = self._gradient()
        set_flat(self._params, w)
        return loss, g

    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # noqa: C901 (one algorithm box)
        """Run up to ``max_iter`` iterations; return the loss at the starting point.

        ``closure`` must zero the gradients, compute the loss, call ``backward()`` and return
        the loss; it is called with grad enabled, once per function evaluation.
        """
        params = self._params
        group = self.param_groups[0]
        lr = float(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]

        # the whole state is global; it is stored under the first parameter, as in PyTorch
        state = self.state[params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = call_closure(closure, self._name)
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        g = self._gradient()
        if np.abs(g).max() <= tolerance_grad:
            return orig_loss

        d: Any = state.get("d")  # carried over from the previous step()
        t: Any = state.get("t")
        g_prev: Any = state.get("prev_flat_grad")
        prev_loss: Any = state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            # ---- direction d = -H_k g
            if state["n_iter"] == 1:
                d = -g
                self._reset_memory(state)
            else:
                self._remember(state, s=d * t, y=g - g_prev)
                d = self._direction(state, g)
            g_prev = g.copy()
            prev_loss = loss

            # ---- step length
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / float(np.abs(g).sum())) * lr
            else:
                t = lr
            gtd = float(g @ d)
            if gtd > -tolerance_change:
                break

            ls_evals = 0
            if group["line_search_fn"] == "strong_wolfe":
                w0 = flat_params(params)

                def obj(step: float, w0: np.ndarray = w0, d: np.ndarray = d) -> Any:
                    return self._directional_evaluate(closure, w0, step, d)

                loss, g, t, ls_evals = strong_wolfe(
                    obj, t, d, loss, g, gtd, c2=self._wolfe_c2, max_ls=max_eval - current_evals
                )
                add_flat(params, t, d)
                converged = np.abs(g).max() <= tolerance_grad
            else:
                add_flat(params, t, d)
                converged = False
                if n_iter != max_iter:  # no evaluation after the last iteration
                    loss = float(call_closure(closure, self._name))
                    g = self._gradient()
                    converged = np.abs(g).max() <= tolerance_grad
                    ls_evals = 1
            current_evals += ls_evals
            state["func_evals"] += ls_evals

            # ---- stopping tests
            if n_iter == max_iter or current_evals >= max_eval or converged:
                break
            if np.abs(d * t).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state.update(d=d, t=t, prev_flat_grad=g_prev, prev_loss=prev_loss)
        return orig_loss

    def _reset_memory(self, state: dict[str, Any]) -> None:
        """Forget H_k: the first iteration steps along -g."""
        raise NotImplementedError

    def _remember(self, state: dict[str, Any], s: np.ndarray, y: np.ndarray) -> None:
        """Update H_k with the step s and the change of gradient y."""
        raise NotImplementedError

    def _direction(self, state: dict[str, Any], g: np.ndarray) -> np.ndarray:
        """d = -H_k g."""
        raise NotImplementedError

    def _load_value(self, p: Any, index: int, name: str, value: Any) -> Any:
        """The state is global (flat vectors, lists of them): load it as it is."""
        return copy.deepcopy(value)


class LBFGS(QuasiNewton):
    """L-BFGS: w := w + t d, d = -H_k g with H_k the inverse-Hessian estimate from the last m
    pairs s_i = w_{i+1} - w_i, y_i = g_{i+1} - g_i (two-loop recursion).

    Same parameters, defaults and iterates as ``torch.optim.LBFGS``.

    Parameters
    ----------
    params : iterable of Tensor
        ``model.parameters()``: one group only (no per-parameter options).
    lr : float
        Step length t when there is no line search, and the first trial step of the line
        search (default 1).
    max_iter : int
        Most iterations per ``step()`` (default 20).
    max_eval : int, optional
        Most closure evaluations per ``step()`` (default ``max_iter * 5 // 4``).
    tolerance_grad : float
        Stop when max_i |g_i| <= tolerance_grad (first-order optimality; default 1e-7).
    tolerance_change : float
        Stop when the step or the change of the loss is below this (default 1e-9).
    history_size : int
        m, the number of (s, y) pairs kept (default 100).
    line_search_fn : {None, "strong_wolfe"}
        None: a fixed step t = lr; "strong_wolfe": a step satisfying the strong Wolfe
        conditions (c1 = 1e-4, c2 = 0.9), found by bracketing and cubic zooming.

    Notes
    -----
    Algorithm (Nocedal & Wright, Algorithm 7.4/7.5; the same choices as PyTorch's version of
    Schmidt's minFunc). One ``step(closure)`` runs at most ``max_iter`` iterations::

        g = grad J(w)                               one closure call
        stop if max|g| <= tolerance_grad
        repeat:
            if first iteration ever:  d = -g,  H0 = 1
            else:
                s = t d,  y = g - g_prev              the last step and change of gradient
                if y.s > 1e-10: keep (s, y, rho = 1/y.s), dropping the oldest beyond m;
                                H0 = y.s / y.y    (scale of the initial inverse Hessian)
                q = -g
                for i = newest .. oldest:   a_i = rho_i s_i.q;   q = q - a_i y_i
                r = H0 q
                for i = oldest .. newest:   b_i = rho_i y_i.r;   r = r + (a_i - b_i) s_i
                d = r                                 d = -H_k g
            t = min(1, 1/sum|g|) lr on the first iteration ever, lr afterwards
            stop if g.d > -tolerance_change           (not a descent direction)
            w = w + t d, with t from the strong Wolfe line search if asked
            g = grad J(w) (not re-evaluated after the last iteration without line search)
            stop if iterations = max_iter, evaluations >= max_eval, max|g| <= tolerance_grad,
                 max|t d| <= tolerance_change or |J - J_prev| < tolerance_change

    The pairs, the last direction and step persist in ``state`` across steps, so repeated
    ``step`` calls continue one run. Uses the float dtype of the parameters throughout.

    Examples
    --------
    >>> import rosenblatt as rb
    >>> w = rb.tensor([-1.2, 1.0], dtype="float64", requires_grad=True)
    >>> opt = rb.optim.LBFGS([w], line_search_fn="strong_wolfe", max_iter=100)
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2
    ...     loss.backward()
    ...     return loss
    >>> _ = opt.step(closure)
    >>> [round(float(v), 3) for v in w._data]
    [1.0, 1.0]
    """

    _name = "LBFGS"

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        single_group(self)

    # ---- the limited memory: the last m pairs (s_i, y_i) and rho_i = 1 / y_i.s_i
    def _reset_memory(self, state: dict[str, Any]) -> None:
        state.update(old_dirs=[], old_stps=[], ro=[], H_diag=1.0)

    def _remember(self, state: dict[str, Any], s: np.ndarray, y: np.ndarray) -> None:
        """Keep (s, y) when the curvature y.s > 1e-10, dropping the oldest beyond m pairs;
        H0 = y.s / y.y scales the initial inverse Hessian."""
        ys = float(y @ s)
        if ys <= 1e-10:
            return
        old_dirs, old_stps, ro = state["old_dirs"], state["old_stps"], state["ro"]
        if len(old_dirs) == self.param_groups[0]["history_size"]:
            old_dirs.pop(0)
            old_stps.pop(0)
            ro.pop(0)
        old_dirs.append(y)
        old_stps.append(s)
        ro.append(1.0 / ys)
        state["H_diag"] = ys / float(y @ y)

    def _direction(self, state: dict[str, Any], g: np.ndarray) -> np.ndarray:
        """d = -H_k g by the two-loop recursion over the stored pairs."""
        ys, ss, ro = state["old_dirs"], state["old_stps"], state["ro"]
        alpha = [0.0] * len(ys)
        q = -g
        for i in range(len(ys) - 1, -1, -1):
            alpha[i] = float(ss[i] @ q) * ro[i]
            q = q - alpha[i] * ys[i]
        r = q * state["H_diag"]
        for i in range(len(ys)):
            beta = float(ys[i] @ r) * ro[i]
            r = r + (alpha[i] - beta) * ss[i]
        return r
