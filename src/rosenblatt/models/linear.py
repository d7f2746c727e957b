"""Linear regression and logistic regression: one neuron, identity or sigmoid/softmax output.

Both are fitted in float64. LinearRegression solves the normal equations (CERN deck) or
descends the squared error (KIT deck); LogisticRegression minimises the cross-entropy (EDSF
deck) by gradient descent, stochastic gradient descent, Newton's method (IRLS) or L-BFGS.
Gradient descent is ``rb.fit`` on a float64 ``nn.Linear`` (``train.estimators.descend``),
L-BFGS and Newton take J and its derivatives from the engine (Newton's Hessian by double
backward, ``train.estimators.newton``); the penalty is the one of
``rosenblatt.train.objective`` (C maps to l2 = 1/(2C) per unit of sample weight).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import nn
from ..random import make_rng
from ..train.estimators import descend, lbfgs, newton
from ..train.objective import Penalty, ScaledLoss, estimator_weights
from ._base import (
    ABOVE_0,
    AT_LEAST_0,
    COUNT,
    LossCurveMixin,
    ProbabilisticClassifierMixin,
    augment,
    check_params,
    encode_classes,
    linear_unit,
    one_of,
    store_params,
)
from ._docs import fill, sections

__all__ = ["LinearRegression", "LogisticRegression"]

_F64 = np.float64


#: The hyperparameters and attributes that the two linear models share.
_DOC = {
    "fit_intercept": """fit_intercept : bool
    Learn the bias b (theta_0).""",
    "learning_rate": """learning_rate : float
    The step size alpha of "gd" and "sgd".""",
    "batch_size": """batch_size : int
    Mini-batch size of "sgd" (1 is the per-sample rule).""",
    "random_state": """random_state : None, int or numpy Generator
    Seeds the shuffling of "sgd"; None draws from rosenblatt's global generator.""",
    "curve": """loss_curve_ : list of float
    J after each epoch ("gd", "sgd") or iteration of the solver (one for "normal").
n_iter_ : int
    Epochs or iterations run.
n_features_in_ : int""",
}


#: The checks of the hyperparameters of the iterative solvers (both models have them).
_ITERATIVE = {
    "max_iter": COUNT,
    "tol": (lambda v: v is None or AT_LEAST_0[0](v), ">= 0 or None"),
    "learning_rate": ABOVE_0,
    "batch_size": COUNT,
}


def _descend(
    est: Any, model: nn.Module, X: np.ndarray, T: np.ndarray, loss: nn.Module, w: Any,
    l2: float = 0.0,
) -> None:  # fmt: skip
    """The estimator's gradient descent on ``model`` ("gd": one step per epoch, "sgd": one
    per mini-batch)."""
    descend(
        est, model, X, T, loss, learning_rate=est.learning_rate, max_iter=est.max_iter,
        batch_size=None if est.solver == "gd" else est.batch_size, tol=est.tol,
        sample_weight=w, l2=l2, rng=make_rng(est.random_state),
    )  # fmt: skip


def _weights(model: nn.Linear) -> tuple[np.ndarray, np.ndarray]:
    """(W, b) of a linear unit, b = 0 without a bias."""
    W = model.weight._data.copy()
    return W, np.zeros(len(W)) if model.bias is None else model.bias._data.copy()


@fill(**_DOC)
class LinearRegression(LossCurveMixin, RegressorMixin, BaseEstimator):
    """Least squares: minimise J(theta) = 1/(2n) sum_i (h_theta(x_i) - y_i)^2, h = w.x + b.

    ``solver="normal"`` solves the normal equations of the CERN deck in one step,

        theta = (X^T X)^-1 X^T y = X^+ y     (X with a first column of ones for b),

    through the pseudoinverse (``numpy.linalg.lstsq``), so it also works when X^T X is
    singular. ``"gd"`` and ``"sgd"`` descend J as in the KIT deck:
    theta := theta - alpha grad J(theta), one step per epoch ("gd") or per mini-batch
    ("sgd"), until J changes by less than ``tol`` in one epoch. Gradient descent needs
    features on similar scales (KIT deck: feature scaling); put a StandardScaler before it.

    Polynomial regression h = theta_0 + theta_1 x + ... + theta_p x^p is still linear in
    theta: feed polynomial basis functions phi(x) = (x, x^2, ..., x^p) through scikit-learn's
    PolynomialFeatures in a Pipeline (see Examples).

    Parameters
    ----------
    solver : {"normal", "gd", "sgd"}
        Normal equations, batch gradient descent, or mini-batch stochastic gradient descent.
    {fit_intercept}
    {learning_rate}
    max_iter : int
        Maximum number of epochs of "gd" and "sgd".
    tol : float or None
        Convergence test of "gd" and "sgd": stop when J changes by less than tol in one
        epoch (the KIT deck's 10^-3); None runs max_iter epochs.
    {batch_size}
    {random_state}

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        The weights w (theta_1 ... theta_D).
    intercept_ : float or ndarray of shape (n_targets,)
        The bias b (theta_0).
    {curve}

    Examples
    --------
    A cubic fitted by the normal equations on the polynomial basis:

    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import PolynomialFeatures
    >>> from rosenblatt.models import LinearRegression
    >>> x = np.linspace(-1, 1, 20)[:, None]
    >>> y = 1 - 2 * x[:, 0] + 0.5 * x[:, 0] ** 3
    >>> model = make_pipeline(PolynomialFeatures(3, include_bias=False), LinearRegression())
    >>> model = model.fit(x, y)
    >>> np.round(model[-1].intercept_, 6), np.round(model[-1].coef_, 6)
    (np.float64(1.0), array([-2. ,  0. ,  0.5]))
    """

    def __init__(
        self,
        *,
        solver: str = "normal",
        fit_intercept: bool = True,
        learning_rate: float = 0.01,
        max_iter: int = 1000,
        tol: float | None = 1e-3,
        batch_size: int = 32,
        random_state: Any = None,
    ) -> None:
        store_params(self, locals())

    @sections(
        "X",
        "y : array-like of shape (n_samples,) or (n_samples, n_targets)",
        "sample_weight",
        returns="self : LinearRegression",
    )
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LinearRegression:
        """Fit theta by the chosen solver; with sample weights J is the weighted mean
        sum_i w_i r_i^2 / (2 sum_i w_i)."""
        check_params(self, {"solver": one_of("normal", "gd", "sgd"), **_ITERATIVE})
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=_F64)
        Y = y.reshape(len(y), -1).astype(_F64)
        w = estimator_weights(self, sample_weight, X)
        if self.solver == "normal":
            W, b = self._normal_equations(X, Y, w)
        else:  # J = 1/(2n) sum_i |r_i|^2 = k/2 times the mean over the k targets
            model = linear_unit(X.shape[1], Y.shape[1], self.fit_intercept)
            _descend(self, model, X, Y, ScaledLoss(nn.MSELoss(), Y.shape[1] / 2), w)
            W, b = _weights(model)
        self.coef_: np.ndarray = W[0] if y.ndim == 1 else W
        self.intercept_: float | np.ndarray = float(b[0]) if y.ndim == 1 else b
        return self

    def _normal_equations(
        self, X: np.ndarray, Y: np.ndarray, w: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """theta = X^+ y (least-squares solution of minimum norm); with sample weights the
        rows of X and y scaled by sqrt(w_i)."""
        A = augment(X) if self.fit_intercept else X
        root = np.ones((len(X), 1)) if w is None else np.sqrt(w)[:, None]
        theta = np.linalg.lstsq(root * A, root * Y, rcond=None)[0]  # (1 + D, k)
        r = root * (A @ theta - Y)
        self.loss_curve_, self.n_iter_ = [float(np.sum(r * r) / (2 * np.sum(root**2)))], 1
        if not self.fit_intercept:
            return theta.T.copy(), np.zeros(Y.shape[1])
        return theta[1:].T.copy(), theta[0].copy()

    @sections("X", returns="ndarray of shape (n_samples,) or (n_samples, n_targets)")
    def predict(self, X: Any) -> np.ndarray:
        """h(x) = w.x + b."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=_F64)
        return X @ self.coef_.T + self.intercept_

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


@fill(**_DOC)
class LogisticRegression(
    LossCurveMixin, ProbabilisticClassifierMixin, ClassifierMixin, BaseEstimator
):
    """Logistic regression: p(C_1|x) = sigma(w.x + b), or softmax(W x + b) for K > 2 classes.

    Minimises the mean cross-entropy of the EDSF deck plus an optional L2 penalty,

        J(W, b) = -1/n sum_i ln p(t_i | x_i) + lambda/2 |W|^2,   lambda = 1/(C n),

    which has the same minimiser as scikit-learn's C sum_i loss_i + |W|^2 / 2 (the bias
    is not penalised). Its gradient is the deck's sum_i (p_i - t_i) x_i / n + lambda W.

    Solvers: ``"lbfgs"`` (scipy's L-BFGS-B on the flattened parameters, value and gradient
    from rosenblatt's autograd), ``"newton"`` (Newton's method = iteratively reweighted
    least squares, H = X^T R X / n + lambda I with R = diag(p(1 - p)), or the softmax
    Hessian for K > 2, by double backward, with step halving), ``"gd"`` (one gradient step
    per epoch) and ``"sgd"`` (one step per mini-batch). lbfgs and newton stop when the
    largest gradient component is below ``tol``; gd and sgd when J changes by less than
    ``tol`` in one epoch. ``predict_proba`` is [sigma(-z), sigma(z)] for two classes,
    softmax(z) otherwise, with z from ``decision_function``.

    Parameters
    ----------
    penalty : {"l2", None}
        L2 penalty, or none.
    C : float
        Inverse penalty strength (scikit-learn's); ``np.inf`` also means no penalty. It is
        rosenblatt's one penalty (``rosenblatt.train.objective``) with l2 = 1/(2C) per unit
        of sample weight: J = weighted mean loss + |W|^2 / (2 C sum_i w_i).
    {fit_intercept}
    solver : {"lbfgs", "newton", "gd", "sgd"}
    max_iter : int
        Maximum iterations (lbfgs, newton) or epochs (gd, sgd).
    tol : float
    {learning_rate}
    {batch_size}
    {random_state}
    class_weight : "balanced", dict or None
        Weight of each class's samples, scikit-learn's ("balanced": n / (n_classes n_c)).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) for two classes, else (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    {curve}

    Examples
    --------
    >>> import numpy as np
    >>> from rosenblatt.models import LogisticRegression
    >>> X = np.array([[0.5], [1.0], [1.5], [2.0], [2.5], [3.0]])
    >>> clf = LogisticRegression().fit(X, [0, 0, 1, 0, 1, 1])
    >>> clf.predict([[0.0], [4.0]])
    array([0, 1])
    """

    def __init__(
        self,
        *,
        penalty: str | None = "l2",
        C: float = 1.0,
        fit_intercept: bool = True,
        solver: str = "lbfgs",
        max_iter: int = 100,
        tol: float = 1e-4,
        learning_rate: float = 0.1,
        batch_size: int = 32,
        random_state: Any = None,
        class_weight: str | dict[Any, float] | None = None,
    ) -> None:
        store_params(self, locals())

    @sections(
        "X",
        "y : array-like of shape (n_samples,), at least two classes",
        "sample_weight",
        returns="self : LogisticRegression",
    )
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> LogisticRegression:
        """Fit W and b by the chosen solver, starting from zeros; with sample weights J is
        the weighted mean cross-entropy plus |W|^2 / (2 C sum_i w_i) (scikit-learn's)."""
        solvers, penalties = one_of("lbfgs", "newton", "gd", "sgd"), one_of("l2", None)
        check_params(self, {"solver": solvers, **_ITERATIVE, "penalty": penalties, "C": ABOVE_0})
        X, y = validate_data(self, X, y, dtype=_F64)
        self.classes_, codes = encode_classes(self, y)
        w = estimator_weights(self, sample_weight, X, y)
        total = float(len(X) if w is None else w.sum())
        k = 1 if len(self.classes_) == 2 else len(self.classes_)
        alpha = 1.0 / self.C if self.penalty == "l2" and np.isfinite(self.C) else 0.0
        penalty = Penalty(l2=alpha / 2)  # J = mean loss + P(W) / sum(w)
        T = codes[:, None].astype(_F64) if k == 1 else codes.astype(np.int64)
        loss = nn.BCEWithLogitsLoss() if k == 1 else nn.CrossEntropyLoss()
        model = linear_unit(X.shape[1], k, self.fit_intercept)
        if self.solver == "newton":
            newton(self, model, X, T, loss, penalty, sample_weight=w, max_iter=self.max_iter,
                   tol=self.tol)  # fmt: skip
        elif self.solver == "lbfgs":
            self.loss_curve_: list[float] = []
            options = {"maxls": 50, "gtol": self.tol, "ftol": 64 * np.finfo(float).eps}
            res = lbfgs(self, model, X, T, loss, penalty, sample_weight=w,
                        max_iter=self.max_iter, options=options)  # fmt: skip
            self.n_iter_, self.converged_ = int(res.nit), bool(res.success)
        else:
            _descend(self, model, X, T, loss, w, l2=penalty.l2 / total)
        self.coef_, self.intercept_ = _weights(model)
        return self

    @sections("X", returns="ndarray of shape (n_samples,) or (n_samples, n_classes)")
    def decision_function(self, X: Any) -> np.ndarray:
        """The scores z = W x + b: shape (n_samples,) for two classes (the logit of
        p(classes_[1] | x)), else (n_samples, n_classes)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=_F64)
        z = X @ self.coef_.T + self.intercept_
        return z[:, 0] if z.shape[1] == 1 else z

    @sections("X", returns="ndarray of shape (n_samples,)")
    def predict(self, X: Any) -> np.ndarray:
        """The most probable class (p >= 0.5 -> classes_[1] for two classes, as the deck)."""
        z = self.decision_function(X)
        return self.classes_[(z >= 0).astype(np.intp) if z.ndim == 1 else z.argmax(axis=1)]
