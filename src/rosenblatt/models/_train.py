"""How the estimators train: through ``rb.fit``, the one loop, with scikit-learn's rules.

An estimator builds its ``nn`` model, loss and optimizer and calls :func:`run`; what makes it
a scikit-learn estimator are the callbacks: :class:`NoImprovement` (the stopping rule of
scikit-learn's MLP, with its early stopping on a validation score) and the KIT deck's
``ConvergenceTest`` (``rosenblatt.train.convergence``). :func:`descend` is
gradient descent for the linear models, :func:`lbfgs` the full-batch L-BFGS of the MLP and
of logistic regression, and :func:`estimator_weights` turns ``sample_weight`` and
``class_weight`` into one weight per sample. The penalty of all of them is
``rosenblatt.train.objective.Penalty``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import _check_sample_weight

from .. import nn, optim
from ..tensor import Tensor
from ..train import TrainingDiverged, fit
from ..train.callbacks import Callback, ConvergenceTest, get_weights, set_weights
from ..train.history import History
from ..train.objective import Penalty, per_sample_loss, weighted_mean

__all__ = [
    "NoImprovement",
    "descend",
    "estimator_weights",
    "lbfgs",
    "linear_unit",
    "mean_one",
    "run",
]


def run(est: Any, model: nn.Module, X: np.ndarray, y: np.ndarray, **kwargs: Any) -> History:
    """``rb.fit(model, X, y, **kwargs)`` quietly; a diverging loss becomes a
    ConvergenceWarning naming the estimator (the weights of the last good epoch are kept)
    and the history of the epochs finished before is returned."""
    try:
        return fit(model, X, y, verbose=0, **kwargs)
    except TrainingDiverged as e:
        warnings.warn(f"{type(est).__name__}: {e}", ConvergenceWarning, stacklevel=3)
        return e.history


def estimator_weights(
    est: Any, sample_weight: Any, X: np.ndarray, y: np.ndarray | None = None
) -> np.ndarray | None:
    """One weight per sample: ``sample_weight`` times the weight of the sample's class from
    the estimator's ``class_weight`` ("balanced": n / (n_classes n_c), scikit-learn's, or
    a dict label -> weight; "balanced" counts the samples by their sample weights, as
    scikit-learn does); None when neither is given."""
    class_weight = getattr(est, "class_weight", None)
    if sample_weight is None and class_weight is None:
        return None
    w = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
    if class_weight is not None:
        assert y is not None
        classes, codes = np.unique(y, return_inverse=True)
        given = None if sample_weight is None else w
        w = w * compute_class_weight(class_weight, classes=classes, y=y, sample_weight=given)[codes]
    if not w.any():
        raise ValueError(f"{type(est).__name__}: the sample weights are all zero")
    return w


def mean_one(w: np.ndarray | None) -> np.ndarray | None:
    """w n / sum(w): Keras's sum over batch size of these is the weighted mean sum w l / sum w."""
    return None if w is None else w * (len(w) / w.sum())


class NoImprovement(Callback):
    """scikit-learn's stopping rule for its MLP, and its bookkeeping of the epochs.

    An epoch counts as "no improvement" unless the training loss fell below
    ``best_loss_ - tol`` (with a validation set: unless the validation score rose to
    ``best_validation_score_ + tol``); training stops when more than ``n_iter_no_change``
    epochs in a row did not improve. With a validation set the weights of the best-scoring
    epoch are put back at the end. Each epoch adds to the estimator's ``n_iter_``, ``t_``,
    ``loss_curve_`` (and ``validation_scores_``) and prints its loss when ``verbose``.
    """

    def __init__(
        self, est: Any, n_samples: int, validation: tuple[np.ndarray, np.ndarray] | None
    ) -> None:
        self.est, self.n_samples, self.validation = est, n_samples, validation
        self.count = 0
        self.best: dict[str, np.ndarray] | None = None

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        est, loss = self.est, (logs or {})["loss"]
        est.n_iter_ += 1
        est.t_ += self.n_samples
        est.loss_curve_.append(loss)
        if est.verbose:
            print(f"Iteration {est.n_iter_}, loss = {loss:.8f}")
        if self.validation is None:
            improved = loss <= est.best_loss_ - est.tol
            est.best_loss_ = min(est.best_loss_, loss)
        else:
            score = est._validation_score(*self.validation)
            est.validation_scores_.append(score)
            improved = score >= est.best_validation_score_ + est.tol
            if score > est.best_validation_score_:
                est.best_validation_score_ = score
                self.best = get_weights(self.model)
        self.count = 0 if improved else self.count + 1
        if self.count > est.n_iter_no_change:
            self.model.stop_training = True

    def on_train_end(self, logs: dict[str, float] | None = None) -> None:
        if self.best is not None:
            set_weights(self.model, self.best)


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
    total = float(len(X) if sample_weight is None else sample_weight.sum())
    x, t = Tensor._make(X, None), Tensor._make(T, None)
    unreduced = None if sample_weight is None else per_sample_loss(loss)
    shapes = [p._data.shape for p in params]
    splits = np.cumsum([p._data.size for p in params])[:-1]
    model.train()

    def value_and_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
        for p, chunk, shape in zip(params, np.split(theta, splits), shapes):
            p._data[...] = chunk.reshape(shape)
            p._grad = None
        out = model(x)
        if unreduced is None or sample_weight is None:
            J = loss(out, t)
        else:
            J = weighted_mean(unreduced(out, t), sample_weight, total)
        J.backward()
        value = float(J._data) + penalty.value([p._data for p in weights], 1.0 / total)
        for p in weights if penalty else ():
            g = penalty.gradient(p._data, 1.0 / total)
            p._grad = Tensor._make(g if p._grad is None else p._grad._data + g, None)
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


def linear_unit(
    n_in: int, n_out: int, bias: bool, coef: Sequence[float] | np.ndarray | None = None
) -> nn.Linear:
    """A float64 nn.Linear starting at zeros (or at the given weights), the starting point
    of the linear models' solvers."""
    layer = nn.Linear(n_in, n_out, bias=bias, dtype=np.float64)
    for p in layer.parameters():
        p._data[...] = 0.0
    if coef is not None:
        layer.weight._data[...] = np.asarray(coef, dtype=np.float64).reshape(n_out, n_in)
    return layer
