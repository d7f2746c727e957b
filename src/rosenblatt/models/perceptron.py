"""Rosenblatt's perceptron and Widrow-Hoff's Adaline: the single units that learn online.

Both work on the augmented vectors of the Matteucci deck: the input x = (x_0 = 1, x_1, ...,
x_D) carries the bias input and the weights w = (w_0 = b, w_1, ..., w_D) carry the bias, so a
unit's net input is one dot product w.x and each learning rule is one line.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.utils.validation import check_consistent_length, column_or_1d, validate_data

from .. import nn
from ..nn import functional as F
from ..random import make_rng
from ..tensor import Tensor
from ..train.convergence import check_rule
from ..train.estimators import descend
from ..train.objective import ScaledLoss, estimator_weights
from ._base import (
    ABOVE_0,
    COUNT,
    ConvergenceWarning,
    LinearUnitClassifier,
    LossCurveMixin,
    augment,
    check_params,
    encode_binary,
    linear_unit,
    one_of,
    real,
    store_params,
)
from ._docs import parameters, sections

__all__ = ["Adaline", "Perceptron", "perceptron_epoch"]

Trace = Callable[[int, float, bool, np.ndarray], None]

#: The hyperparameters, attributes and fit arguments that the perceptron and Adaline share.
_DOC = {
    "eta0": """eta0 : float
    Learning rate eta (scikit-learn's name).""",
    "max_iter": """max_iter : int
    Maximum number of epochs (passes over the data).""",
    "shuffle": """shuffle : bool
    Visit the samples in a new random order each epoch; False visits them in the given
    order, as the decks do by hand.""",
    "random_state": """random_state : None, int or numpy Generator
    Seeds the shuffling; None draws from rosenblatt's global generator.""",
    "fit_intercept": """fit_intercept : bool
    Learn the bias b; False keeps it at ``intercept_init`` (0 by default).""",
    "attributes": """coef_ : ndarray of shape (1, n_features)
    The weights w.
intercept_ : ndarray of shape (1,)
    The bias b (the deck's w_0).
classes_ : ndarray of shape (2,)
    The two labels; ``classes_[1]`` is coded t = +1, ``classes_[0]`` t = -1. So {0, 1}
    targets become {-1, +1} and {-1, +1} targets are used as they are.""",
}
_FIT = (
    "X",
    "y : array-like of shape (n_samples,), two distinct labels",
    """coef_init : array-like of shape (n_features,) or (1, n_features), optional
    Starting weights (default zeros, as in the EDSF deck).""",
    """intercept_init : float, optional
    Starting bias (default 0).""",
)


def perceptron_epoch(
    X: np.ndarray,
    t: np.ndarray,
    w: np.ndarray,
    eta: float,
    order: np.ndarray,
    update_bias: bool = True,
    trace: Trace | None = None,
    weights: np.ndarray | None = None,
) -> int:
    """One online pass of the perceptron rule: w += eta t x wherever t (w.x) <= 0.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 1 + n_features)
        Augmented inputs, first column x_0 = 1.
    t : ndarray of shape (n_samples,)
        Targets in {-1, +1}.
    w : ndarray of shape (1 + n_features,)
        Augmented weights (w_0 = bias), updated in place.
    eta : float
        Learning rate.
    order : ndarray of int
        The order in which the samples are visited.
    update_bias : bool
        False keeps w_0 fixed (no intercept is learned).
    trace : callable, optional
        Called after each sample as ``trace(i, s, updated, w)`` with the net input
        s = w.x computed before the update (used by ``demos.lessons.perceptron_or_demo``).
    weights : ndarray of shape (n_samples,), optional
        Sample weights s_i: the update is w += eta s_i t_i x_i (scikit-learn's).

    Returns
    -------
    int
        The number of updates (misclassified samples) in this pass.
    """
    step = eta * t[:, None] * X  # the update eta t_i x_i of each sample
    if weights is not None:
        step *= weights[:, None]
    if not update_bias:
        step[:, 0] = 0.0
    Xo, to = X[order], t[order]
    errors, pos = 0, 0
    while pos < len(order):
        # Samples before the next mistake leave w unchanged, so their net inputs can be
        # computed together; jump to the first misclassified one, update, go on after it.
        s = Xo[pos:] @ w
        wrong = np.flatnonzero(to[pos:] * s <= 0)
        stop = wrong[0] if wrong.size else len(s)
        if trace is not None:
            for j in range(stop):
                trace(int(order[pos + j]), float(s[j]), False, w)
        if not wrong.size:
            break
        i = order[pos + stop]
        w += step[i]
        errors += 1
        if trace is not None:
            trace(int(i), float(s[stop]), True, w)
        pos += stop + 1
    return errors


def _start(
    est: Any, X: Any, y: Any, coef_init: Any, intercept_init: Any, sample_weight: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray]:
    """(X, t, s, w) of a fit: the validated inputs, the targets t in {-1, +1} (setting
    ``classes_``), the sample weights s (None: all 1) and the augmented start vector
    w = (w_0 = b, w_1, ..., w_D), zeros unless given."""
    name = type(est).__name__
    X, y = validate_data(est, X, y, dtype=np.float64)
    est.classes_, t = encode_binary(est, y)
    D = X.shape[1]
    c = np.zeros(D) if coef_init is None else np.asarray(coef_init, dtype=np.float64)
    b = np.zeros(1) if intercept_init is None else np.asarray(intercept_init, dtype=np.float64)
    if c.size != D:
        raise ValueError(f"{name}: coef_init has {c.size} values but X has {D} features")
    if b.size != 1:
        raise ValueError(f"{name}: intercept_init must be one number, got {intercept_init!r}")
    w = np.concatenate([b.ravel(), c.ravel()])
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{name}: coef_init and intercept_init must be finite")
    return X, t, estimator_weights(est, sample_weight, X, y), w


#: The checks of the hyperparameters that the perceptron and Adaline share.
_RULES = {"eta0": ABOVE_0, "max_iter": COUNT}


@parameters(**_DOC)
class Perceptron(LinearUnitClassifier):
    """Rosenblatt's perceptron: w += eta t x, b += eta t for each sample with t (w.x + b) <= 0.

    The online rule of the Matteucci and EDSF decks: visit the samples one at a time, fix
    the weights only when a sample is misclassified, and stop after a pass (an epoch) in
    which every sample is classified correctly. It is stochastic gradient descent on the
    perceptron criterion D(w, b) = -sum over misclassified of t (w.x + b) (see
    :meth:`criterion`).

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    {attributes}
    n_iter_ : int
        Epochs run (the last one error-free when converged).
    n_updates_ : int
        Number of weight updates (misclassified samples met) in all epochs.
    errors_per_epoch_ : list of int
        Number of misclassified samples (= updates) in each epoch.
    converged_ : bool
        True when an epoch passed without a single update.
    n_features_in_ : int

    Notes
    -----
    Unlike scikit-learn's Perceptron this one has no ``tol``: the rule has an exact
    convergence test (an error-free epoch), and on data that are not linearly separable
    (XOR) no tolerance on the criterion would mean convergence, so it runs ``max_iter``
    epochs, sets ``converged_ = False`` and warns with a ``ConvergenceWarning``. It is a
    binary classifier; use one-vs-rest (``sklearn.multiclass.OneVsRestClassifier``) for
    more classes.

    Examples
    --------
    The Matteucci deck's OR, from w = [1, 1, 1] (bias first) with eta = 0.5:

    >>> import numpy as np
    >>> from rosenblatt.models import Perceptron
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> p = Perceptron(eta0=0.5, shuffle=False)
    >>> p = p.fit(X, [-1, 1, 1, 1], coef_init=[1, 1], intercept_init=1)
    >>> p.intercept_, p.coef_, p.n_updates_
    (array([-0.5]), array([[1., 1.]]), 3)
    """

    def __init__(
        self,
        *,
        eta0: float = 1.0,
        max_iter: int = 1000,
        shuffle: bool = True,
        random_state: Any = None,
        fit_intercept: bool = True,
        class_weight: str | dict[Any, float] | None = None,
    ) -> None:
        store_params(self, locals())

    @sections(
        *_FIT,
        """sample_weight : array-like of shape (n_samples,), optional
    The update of sample i is scaled by its weight; samples of weight 0 are not
    visited (times ``class_weight``).""",
        returns="self : Perceptron",
    )
    def fit(
        self,
        X: Any,
        y: Any,
        coef_init: Any = None,
        intercept_init: Any = None,
        sample_weight: Any = None,
    ) -> Perceptron:
        """Run the perceptron rule until an epoch makes no update, or for max_iter epochs."""
        check_params(self, _RULES)
        X, t, s, w = _start(self, X, y, coef_init, intercept_init, sample_weight)
        Xa = augment(X)
        visited = np.arange(len(t)) if s is None else np.flatnonzero(s)
        rng = make_rng(self.random_state) if self.shuffle else None
        errors: list[int] = []
        for _ in range(self.max_iter):
            order = visited if rng is None else visited[rng.permutation(len(visited))]
            errors.append(
                perceptron_epoch(Xa, t, w, self.eta0, order, self.fit_intercept, weights=s)
            )
            if errors[-1] == 0:
                break
        self.coef_, self.intercept_ = w[None, 1:].copy(), w[:1].copy()
        self.errors_per_epoch_ = errors
        self.n_iter_ = len(errors)
        self.n_updates_ = int(sum(errors))
        self.converged_ = errors[-1] == 0
        if not self.converged_:
            warnings.warn(
                f"Perceptron did not converge in max_iter={self.max_iter} epochs: the last "
                f"epoch still misclassified {errors[-1]} of {len(t)} samples (the data may "
                f"not be linearly separable, as XOR is not)",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    @sections("X", "y : array-like of shape (n_samples,), labels among classes_", returns="float")
    def criterion(self, X: Any, y: Any) -> float:
        """Perceptron criterion D(w, b) = -sum over misclassified i of t_i (w.x_i + b).

        A sample is misclassified when t (w.x + b) <= 0. D >= 0 is proportional to the
        summed distances of the misclassified samples from the boundary; it is 0 exactly
        when every sample is on its side (the Matteucci deck's error function).
        """
        s, y = self.decision_function(X), column_or_1d(y)
        check_consistent_length(s, y)
        unknown = np.setdiff1d(y, self.classes_)
        if unknown.size:
            raise ValueError(
                f"Perceptron: y holds labels {list(unknown[:5])} not seen in fit "
                f"(classes_ = {list(self.classes_)})"
            )
        t = np.where(y == self.classes_[1], 1.0, -1.0)
        return F.perceptron_criterion(Tensor(s, dtype=np.float64), t).item()


@parameters(
    **{**_DOC, "shuffle": _DOC["shuffle"] + "\n    Only the online solver shuffles."},
    tol="""tol : float or None
    Convergence test on E; None runs all ``max_iter`` epochs.""",
    solver="""solver : {"online", "batch"}
    Per-sample LMS updates or one full-batch gradient step per epoch.""",
    convergence="""convergence : {"decrease", "change"}
    The convergence test: E_prev - E < tol (the KIT deck's, default) or |E_prev - E| < tol.""",
)
class Adaline(LossCurveMixin, LinearUnitClassifier):
    """Adaline (Widrow-Hoff LMS): w += eta (t - w.x - b) x on the linear output, then sign.

    The ADAptive LINear Element learns on the linear output y = w.x + b -- not on the
    thresholded one as the perceptron -- by gradient descent on the squared error

        E(w, b) = 1/(2n) sum_i (t_i - y_i)^2,   t in {-1, +1},

    and classifies by the sign of y. ``solver="online"`` is the Widrow-Hoff (LMS) rule, one
    update per sample: w += eta (t_i - y_i) x_i, b += eta (t_i - y_i). ``solver="batch"``
    takes one step per epoch on the mean gradient: w += eta/n sum_i (t_i - y_i) x_i.

    Both are ``rb.fit`` on a float64 ``nn.Linear`` with plain SGD (batches of one sample, or
    all of them) and the loss (1/2) mean (t - y)^2 (``train.estimators.descend``). Training
    stops when E decreases by less than ``tol`` in one epoch (the KIT deck's convergence
    test; ``convergence="change"``: when |Delta E| < tol, see
    ``rosenblatt.train.convergence``), or after ``max_iter`` epochs with a
    ``ConvergenceWarning``. If E rises (rule "decrease") or diverges (eta too large for the
    scale of the data) training stops, keeps the weights of the last good epoch and warns.

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    {attributes}
    loss_curve_ : list of float
        E(w, b) after each epoch.
    n_iter_ : int
    converged_ : bool
    n_features_in_ : int
    """

    def __init__(
        self,
        *,
        eta0: float = 0.01,
        max_iter: int = 1000,
        tol: float | None = 1e-3,
        solver: str = "online",
        shuffle: bool = True,
        random_state: Any = None,
        fit_intercept: bool = True,
        convergence: str = "decrease",
        class_weight: str | dict[Any, float] | None = None,
    ) -> None:
        store_params(self, locals())

    @sections(
        *_FIT,
        """sample_weight : array-like of shape (n_samples,), optional
    E becomes the weighted mean sum_i s_i (t_i - y_i)^2 / (2 sum_i s_i) (times
    ``class_weight``).""",
        returns="self : Adaline",
    )
    def fit(
        self,
        X: Any,
        y: Any,
        coef_init: Any = None,
        intercept_init: Any = None,
        sample_weight: Any = None,
    ) -> Adaline:
        """Minimise E(w, b) with the LMS rule."""
        tol = (lambda v: v is None or real(v), "a float or None")
        check_params(self, {**_RULES, "solver": one_of("online", "batch"), "tol": tol})
        check_rule(self.convergence, "Adaline")
        X, t, s, start = _start(self, X, y, coef_init, intercept_init, sample_weight)
        unit = linear_unit(X.shape[1], 1, True, start[1:])
        unit.bias._data[0] = start[0]
        unit.bias.requires_grad = bool(self.fit_intercept)
        descend(
            self, unit, X, t[:, None], ScaledLoss(nn.MSELoss(), 0.5), learning_rate=self.eta0,
            batch_size=1 if self.solver == "online" else None, max_iter=self.max_iter,
            tol=self.tol, sample_weight=s, shuffle=self.shuffle,
            rng=make_rng(self.random_state), convergence=self.convergence,
        )  # fmt: skip
        self.coef_, self.intercept_ = unit.weight._data.copy(), unit.bias._data.copy()
        return self
