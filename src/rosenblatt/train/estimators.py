"""How scikit-learn-style estimators train on ``rb.fit``, the one loop.

An estimator builds its ``nn`` model, loss and optimizer and trains it with :func:`run`
(rb.fit, quietly; a diverging loss becomes a ConvergenceWarning). What makes the training
scikit-learn's are the callbacks -- ``callbacks.NoImprovement`` (the stopping rule of
scikit-learn's MLP) and ``callbacks.ConvergenceTest`` (the KIT deck's) -- and the weights
and penalty of ``rosenblatt.train.objective`` (``estimator_weights``, ``Penalty``).
Three solvers are built on them:

    descend   gradient descent theta := theta - alpha grad J of the linear models, epochs
              of rb.fit until the convergence test fires
    lbfgs     full-batch L-BFGS (scipy) on all parameters as one vector, J and grad J
              from the model's forward and backward (the MLP's and logistic regression's)
    newton    Newton's method (IRLS for logistic regression), the Hessian of J by double
              backward (``rb.autograd.hessian``)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning

from .. import nn, optim
from ..autograd import hessian, no_grad
from ..optim._flat import flat_params, set_flat
from ..optim._line_search import backtracking
from ..tensor import Tensor
from .callbacks import ConvergenceTest
from .fit import TrainingDiverged, fit
from .history import History
from .objective import Penalty, mean_one, per_sample_loss, weighted_mean

# scikit-learn and scipy are imported here, not by ``import rosenblatt``: only the estimators
# of rosenblatt.models import this module.

__all__ = ["descend", "lbfgs", "newton", "run"]


def run(est: Any, model: nn.Module, X: np.ndarray, y: np.ndarray, **kwargs: Any) -> History:
    """``rb.fit(model, X, y, **kwargs)`` quietly; a diverging loss becomes a
    ConvergenceWarning naming the estimator (the weights of the last good epoch are kept)
    and the history of the epochs finished before is returned."""
    try:
        return fit(model, X, y, verbose=0, **kwargs)
    except TrainingDiverged as e:
        warnings.warn(f"{type(est).__name__}: {e}", ConvergenceWarning, stacklevel=3)
        return e.history


def descend(
    est: Any,
    model: nn.Module,
    X: np.ndarray,
    T: np.ndarray,
    loss: nn.Module,
    *,
    learning_rate: float,
    batch_size: int | None,
    max_iter: int,
    tol: float | None,
    sample_weight: np.ndarray | None = None,
    shuffle: bool = True,
    l2: float = 0.0,
    rng: np.random.Generator | None = None,
    convergence: str = "decrease",
) -> None:
    """Gradient descent theta := theta - alpha grad J for the linear models, on ``rb.fit``.

    One SGD step per mini-batch of a shuffled epoch (``batch_size=None``: one step on all
    the data). After each epoch J on all the data (rb.fit's "val_loss") goes through the
    convergence test ``convergence`` (``rosenblatt.train.convergence``; ``tol=None`` runs
    ``max_iter`` epochs): converged, or -- rule "decrease" -- J rose, and the parameters of
    the epoch before are kept with a warning. J is the weighted mean loss (sample weights
    normalised to mean 1) plus l2 |W|^2. Sets ``loss_curve_`` (J of each kept epoch),
    ``n_iter_`` and ``converged_``; warns when max_iter epochs did not converge.
    """
    w = mean_one(sample_weight)
    test: ConvergenceTest | None = None
    if tol is not None:  # J rose: the weights of the epoch before are put back
        test = ConvergenceTest(tol, "val_loss", convergence, restore_on_rise=True)
    params = [p for p in model.parameters() if p.requires_grad]
    history = run(
        est, model, X, T, loss=loss, optimizer=optim.SGD(params, lr=learning_rate),
        epochs=max_iter, batch_size=batch_size, shuffle=shuffle, l2=l2, sample_weight=w,
        validation_data=(X, T, w), metrics=[], callbacks=[] if test is None else [test],
        generator=rng,
    )  # fmt: skip
    curve = list(history.history.get("val_loss", []))
    name = type(est).__name__
    if test is not None and test.stopped_on_rise:
        rose = curve.pop()
        warnings.warn(
            f"{name}: the loss rose from {curve[-1]:.6g} to {rose:.6g} at epoch "
            f"{len(curve) + 1}: the step overshot (learning rate {learning_rate} too large for "
            "this data; gradient descent diverged or oscillates). The convergence test stops "
            f"here and keeps the parameters of epoch {len(curve)}; lower the learning rate or "
            'scale the features (or use convergence="change", which trains on through rises).',
            ConvergenceWarning,
            stacklevel=3,
        )
    est.loss_curve_, est.n_iter_ = curve, len(curve)
    est.converged_ = test is not None and test.converged and not test.stopped_on_rise
    if test is not None and not test.converged and history.diverged is None:
        change = curve[-1] - curve[-2] if len(curve) > 1 else float("nan")
        warnings.warn(
            f"{name} did not converge in max_iter={max_iter} epochs (J changed by {change:.3g} "
            f"in the last epoch, tol={tol}); raise max_iter or the learning rate",
            ConvergenceWarning,
            stacklevel=3,
        )


def _mean_loss(
    model: nn.Module, X: np.ndarray, T: np.ndarray, loss: Any, sample_weight: np.ndarray | None
) -> tuple[Callable[[], Tensor], float]:
    """(J, total): J() = sum_i w_i l_i / total on the model's current outputs (the loss's own
    mean without weights), total = sum_i w_i (n without weights)."""
    total = float(len(X) if sample_weight is None else sample_weight.sum())
    x, t = Tensor._make(X, None), Tensor._make(T, None)
    if sample_weight is None:
        return lambda: loss(model(x), t), total
    unreduced = per_sample_loss(loss)
    return lambda: weighted_mean(unreduced(model(x), t), sample_weight, total), total


def lbfgs(
    est: Any,
    model: nn.Module,
    X: np.ndarray,
    T: np.ndarray,
    loss: Any,
    penalty: Penalty,
    *,
    sample_weight: np.ndarray | None,
    max_iter: int,
    options: dict[str, Any],
) -> Any:
    """Full-batch L-BFGS (scipy's L-BFGS-B) on all parameters as one float64 vector.

    J = (sum_i w_i l_i + P(W)) / sum_i w_i (the mean loss + P/n without weights) and its
    gradient by backward; the iterations' J are appended to ``loss_curve_``. Warns when
    scipy did not report success. Returns scipy's result.
    """
    params = list(model.parameters())
    weights = [p for p in params if p._data.ndim >= 2]
    mean_loss, total = _mean_loss(model, X, T, loss, sample_weight)
    shapes = [p._data.shape for p in params]
    splits = np.cumsum([p._data.size for p in params])[:-1]
    model.train()

    def value_and_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
        for p, chunk, shape in zip(params, np.split(theta, splits), shapes):
            p._data[...] = chunk.reshape(shape)
            p._grad = None
        J = mean_loss()
        J.backward()
        value = float(J._data) + penalty.value([p._data for p in weights], 1.0 / total)
        if penalty:
            penalty.add_to_grads(weights, 1.0 / total)
        grads = [np.zeros(s) if p._grad is None else p._grad._data for p, s in zip(params, shapes)]
        return value, np.concatenate([g.ravel() for g in grads]).astype(np.float64)

    curve: list[float] = []
    with np.errstate(over="ignore", invalid="ignore"):
        res = scipy.optimize.minimize(
            value_and_grad,
            np.concatenate([p._data.ravel() for p in params]).astype(np.float64),
            jac=True,
            method="L-BFGS-B",
            callback=lambda intermediate_result: curve.append(float(intermediate_result.fun)),
            options={"maxiter": max_iter, **options},
        )
    value_and_grad(res.x)  # leave the parameters at the solution
    est.loss_curve_ += curve
    if not res.success:
        warnings.warn(
            f"{type(est).__name__} (lbfgs) did not converge in max_iter={max_iter} "
            f"iterations: {res.message}. Raise max_iter or scale the features.",
            ConvergenceWarning,
            stacklevel=3,
        )
    return res


def newton(
    est: Any,
    model: nn.Module,
    X: np.ndarray,
    T: np.ndarray,
    loss: Any,
    penalty: Penalty,
    *,
    sample_weight: np.ndarray | None,
    max_iter: int,
    tol: float,
) -> None:
    """Newton's method: theta := theta + t d with H d = -g, until max |g| <= tol.

    J = (sum_i w_i l_i + P(W)) / sum_i w_i as for :func:`lbfgs`; g and H its gradient and
    Hessian by double backward (``rb.autograd.hessian``); d the least-squares solution
    (the minimum-norm step where H is singular, as the softmax's is along equal shifts of
    the biases); t = 1, 1/2, 1/4, ... until J decreases enough (Armijo backtracking). For
    logistic regression this is IRLS, H = X^T R X / n + lambda I with R = diag(p (1 - p)).
    Sets ``loss_curve_`` (J at each iterate), ``n_iter_`` and ``converged_``; warns when
    max_iter iterations did not converge.
    """
    params = list(model.parameters())
    weights = [p for p in params if p._data.ndim >= 2]
    mean_loss, total = _mean_loss(model, X, T, loss, sample_weight)

    def objective() -> Tensor:
        return mean_loss() + penalty.of(weights, 1.0 / total)

    curve: list[float] = []
    for _ in range(max_iter):
        J = objective()
        g, H = hessian(J, params)
        curve.append(float(J._data))
        if np.max(np.abs(g)) <= tol:
            break
        d = -np.linalg.lstsq(H, g, rcond=None)[0]
        theta = flat_params(params)

        def phi(step: float, theta: np.ndarray = theta, d: np.ndarray = d) -> float:
            set_flat(params, theta + step * d)
            with no_grad():
                return float(objective()._data)

        step = backtracking(phi, curve[-1], float(g @ d), max_ls=34)[0]
        set_flat(params, theta + step * d)
    est.loss_curve_, est.n_iter_ = curve, len(curve)
    est.converged_ = bool(np.max(np.abs(g)) <= tol)
    if not est.converged_:
        warnings.warn(
            f"{type(est).__name__} (newton) did not converge in max_iter={max_iter} "
            f"iterations (largest gradient component {np.max(np.abs(g)):.3g} > tol={tol})",
            ConvergenceWarning,
            stacklevel=3,
        )
