"""Gradient descent for the linear models, on rosenblatt's engine (autograd + optim.SGD).

    theta := theta - alpha grad J(theta)          (KIT deck, "updated simultaneously")

"gd" takes one step per epoch on the whole data set; "sgd" one step per mini-batch of a
shuffled epoch (EDSF deck: "compute the gradient on a small batch of events"). After each
epoch the objective J on the whole data is compared with the previous one by the
convergence test of ``rosenblatt.train.convergence`` (KIT deck: "declare convergence when
J decreases by less than 10^-3 in one iteration": rule "decrease", a rise stops too;
rule "change" stops on |Delta J| < tol only). A non-finite J stops training and restores
the parameters of the last finite epoch.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import optim
from ..autograd import no_grad
from ..tensor import Tensor
from ..train.convergence import convergence_status
from ._base import ConvergenceWarning

__all__ = ["gradient_descent"]


def _rose_message(name: str, previous: float, loss: float, epoch: int, rate: float) -> str:
    """The warning when the convergence test stops on a rise of the loss."""
    return (
        f"{name}: the loss rose from {previous:.6g} to {loss:.6g} at epoch {epoch}: the step "
        f"overshot (learning rate {rate} too large for this data; gradient descent diverged "
        f"or oscillates). The convergence test stops here and keeps the parameters of epoch "
        f"{epoch - 1}; lower the learning rate or scale the features (or use "
        'convergence="change", which trains on through rises).'
    )


def gradient_descent(
    name: str,
    params: Sequence[Tensor],
    objective: Callable[[np.ndarray | None], Tensor],
    n_samples: int,
    *,
    solver: str,
    learning_rate: float,
    batch_size: int,
    max_iter: int,
    tol: float | None,
    rng: np.random.Generator,
    convergence: str = "decrease",
) -> tuple[list[float], int, bool]:
    """Minimise ``objective`` over ``params`` in place.

    Parameters
    ----------
    name : str
        The estimator's name, for messages.
    params : sequence of Tensor
        Leaf tensors with ``requires_grad=True``, updated in place.
    objective : callable
        ``objective(idx)`` returns J on the samples ``idx`` (``None``: all samples) as a
        scalar Tensor; its gradient drives the step.
    n_samples : int
    solver : {"gd", "sgd"}
    learning_rate : float
        The step size alpha.
    batch_size : int
        Mini-batch size for "sgd".
    max_iter : int
        Maximum number of epochs.
    tol : float or None
        Stop when J decreases by less than tol in one epoch; None runs max_iter epochs.
    rng : numpy Generator
        Shuffles the samples of each "sgd" epoch.
    convergence : {"decrease", "change"}
        The convergence rule (see ``rosenblatt.train.convergence``).

    Returns
    -------
    loss_curve : list of float
        J on all samples after each epoch.
    n_iter : int
        Epochs run.
    converged : bool
    """
    opt = optim.SGD(list(params), lr=learning_rate)
    curve: list[float] = []
    good = [p._data.copy() for p in params]
    previous, decrease = np.inf, np.inf
    for epoch in range(1, max_iter + 1):
        if solver == "gd":
            batches: list[Any] = [None]
        else:
            order = rng.permutation(n_samples)
            batches = [order[i : i + batch_size] for i in range(0, n_samples, batch_size)]
        with np.errstate(over="ignore", invalid="ignore"):
            for idx in batches:
                opt.zero_grad()
                objective(idx).backward()
                opt.step()
            with no_grad():
                loss = float(objective(None).item())
        if not np.isfinite(loss):
            for p, g in zip(params, good):
                p._data[...] = g
            warnings.warn(
                f"{name}: the loss diverged at epoch {epoch} (learning_rate={learning_rate} "
                f"is too large for this data); kept the parameters of epoch {epoch - 1}. "
                "Scale the features or lower the learning rate.",
                ConvergenceWarning,
                stacklevel=3,
            )
            return curve, len(curve), False
        status = "continue" if tol is None else convergence_status(previous, loss, tol, convergence)
        if status == "rose":  # the KIT rule stops on a rise: the step overshot
            for p, g in zip(params, good):
                p._data[...] = g
            warnings.warn(
                _rose_message(name, previous, loss, epoch, learning_rate),
                ConvergenceWarning,
                stacklevel=3,
            )
            return curve, len(curve), False
        curve.append(loss)
        good = [p._data.copy() for p in params]
        decrease, previous = previous - loss, loss
        if status == "converged":
            return curve, epoch, True
    if tol is not None:
        warnings.warn(
            f"{name} did not converge in max_iter={max_iter} epochs (the loss changed by "
            f"{-decrease:.3g} in the last epoch, tol={tol}); raise max_iter or learning_rate",
            ConvergenceWarning,
            stacklevel=3,
        )
    return curve, max_iter, False
