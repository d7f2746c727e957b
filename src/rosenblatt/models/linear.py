"""Linear regression and logistic regression: one neuron, identity or sigmoid/softmax output.

Both are fitted in float64. LinearRegression solves the normal equations (CERN deck) or
descends the squared error (KIT deck); LogisticRegression minimises the cross-entropy (EDSF
deck) by gradient descent, stochastic gradient descent, Newton's method (IRLS) or L-BFGS.
The gradient-based solvers take their gradients from rosenblatt's autograd.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.optimize
from scipy.special import expit, log_expit, logsumexp, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..nn import functional as F
from ..tensor import Tensor
from ._base import ConvergenceWarning, ProbabilisticClassifierMixin, check_param, make_rng
from ._descent import gradient_descent

__all__ = ["LinearRegression", "LogisticRegression"]

_F64 = np.float64


def _param(shape: tuple[int, ...], trainable: bool = True) -> Tensor:
    """A float64 leaf tensor of zeros (the starting point of every solver)."""
    return Tensor(np.zeros(shape, dtype=_F64), requires_grad=trainable, dtype=_F64)


def _rows(a: np.ndarray, idx: np.ndarray | None) -> Tensor:
    """The rows ``idx`` of ``a`` (all rows for None) as a constant tensor."""
    return Tensor._make(a if idx is None else a[idx], None)


def _check_iterative(est: Any) -> None:
    """Checks of the hyperparameters shared by the iterative solvers."""
    integer = (int, np.integer)
    check_param(
        est,
        "max_iter",
        est.max_iter,
        isinstance(est.max_iter, integer) and est.max_iter >= 1,
        "an int >= 1",
    )
    check_param(est, "tol", est.tol, est.tol is None or est.tol >= 0, ">= 0 or None")
    check_param(est, "learning_rate", est.learning_rate, est.learning_rate > 0, "> 0")
    check_param(
        est,
        "batch_size",
        est.batch_size,
        isinstance(est.batch_size, integer) and est.batch_size >= 1,
        "an int >= 1",
    )


def _run_gradient_descent(est: Any, params: list[Tensor], J: Any, n_samples: int) -> None:
    """Run ``gradient_descent`` with the estimator's own solver settings; store
    ``loss_curve_``, ``n_iter_`` and ``converged_`` on it."""
    est.loss_curve_, est.n_iter_, est.converged_ = gradient_descent(
        type(est).__name__,
        params,
        J,
        n_samples,
        solver=est.solver,
        learning_rate=est.learning_rate,
        batch_size=est.batch_size,
        max_iter=est.max_iter,
        tol=est.tol,
        rng=make_rng(est.random_state),
    )


class LinearRegression(RegressorMixin, BaseEstimator):
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
    fit_intercept : bool
        Learn the bias b (theta_0).
    learning_rate : float
        The step size alpha of "gd" and "sgd".
    max_iter : int
        Maximum number of epochs of "gd" and "sgd".
    tol : float or None
        Convergence test of "gd" and "sgd": stop when J changes by less than tol in one
        epoch (the KIT deck's 10^-3); None runs max_iter epochs.
    batch_size : int
        Mini-batch size of "sgd" (1 is the per-sample rule).
    random_state : None, int or numpy Generator
        Seeds the shuffling of "sgd"; None draws from rosenblatt's global generator.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        The weights w (theta_1 ... theta_D).
    intercept_ : float or ndarray of shape (n_targets,)
        The bias b (theta_0).
    loss_curve_ : list of float
        J after each epoch ("gd", "sgd"); one value for "normal".
    n_iter_ : int
        Epochs run (1 for "normal").
    n_features_in_ : int

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
        self.solver = solver
        self.fit_intercept = fit_intercept
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.batch_size = batch_size
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> LinearRegression:
        """Fit theta by the chosen solver.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self : LinearRegression
        """
        check_param(
            self,
            "solver",
            self.solver,
            self.solver in ("normal", "gd", "sgd"),
            'one of "normal", "gd", "sgd"',
        )
        _check_iterative(self)
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=_F64)
        Y = y.reshape(len(y), -1).astype(_F64)
        if self.solver == "normal":
            W, b = self._normal_equations(X, Y)
        else:
            W, b = self._descend(X, Y)
        self.coef_: np.ndarray = W[0] if y.ndim == 1 else W
        self.intercept_: float | np.ndarray = float(b[0]) if y.ndim == 1 else b
        return self

    def _normal_equations(self, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """theta = X^+ y (least-squares solution of minimum norm)."""
        A = np.hstack([np.ones((len(X), 1)), X]) if self.fit_intercept else X
        theta = np.linalg.lstsq(A, Y, rcond=None)[0]  # (1 + D, k)
        b = theta[0] if self.fit_intercept else np.zeros(Y.shape[1])
        W = theta[1:] if self.fit_intercept else theta
        r = A @ theta - Y
        self.loss_curve_ = [float(np.sum(r * r) / (2 * len(Y)))]
        self.n_iter_ = 1
        return W.T.copy(), b.copy()

    def _descend(self, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """theta := theta - alpha grad J on the engine, from theta = 0."""
        W, b = _param((Y.shape[1], X.shape[1])), _param((Y.shape[1],), self.fit_intercept)

        def J(idx: np.ndarray | None) -> Tensor:
            xb, yb = _rows(X, idx), _rows(Y, idx)
            r = F.linear(xb, W, b) - yb
            return (r * r).sum() * (0.5 / len(yb))

        params = [W, b] if self.fit_intercept else [W]
        _run_gradient_descent(self, params, J, len(X))
        return W._data.copy(), b._data.copy()

    def predict(self, X: Any) -> np.ndarray:
        """h(x) = w.x + b.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=_F64)
        return X @ self.coef_.T + self.intercept_

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class LogisticRegression(ProbabilisticClassifierMixin, ClassifierMixin, BaseEstimator):
    """Logistic regression: p(C_1|x) = sigma(w.x + b), or softmax(W x + b) for K > 2 classes.

    Minimises the mean cross-entropy of the EDSF deck plus an optional L2 penalty,

        J(W, b) = -1/n sum_i ln p(t_i | x_i) + lambda/2 |W|^2,   lambda = 1/(C n),

    which has the same minimiser as scikit-learn's C sum_i loss_i + |W|^2 / 2 (the bias
    is not penalised). Its gradient is the deck's sum_i (p_i - t_i) x_i / n + lambda W.

    Solvers: ``"lbfgs"`` (scipy's L-BFGS-B on the flattened parameters, value and gradient
    from rosenblatt's autograd), ``"newton"`` (Newton's method = iteratively reweighted
    least squares, H = X^T R X / n + lambda I with R = diag(p(1 - p)), or the softmax
    Hessian for K > 2, with step halving), ``"gd"`` (one gradient step per epoch) and
    ``"sgd"`` (one step per mini-batch). lbfgs and newton stop when the largest gradient
    component is below ``tol``; gd and sgd when J changes by less than ``tol`` in one
    epoch. ``predict_proba`` is [sigma(-z), sigma(z)] for two classes, softmax(z) otherwise,
    with z from ``decision_function``.

    Parameters
    ----------
    penalty : {"l2", None}
        L2 penalty, or none.
    C : float
        Inverse penalty strength (scikit-learn's); ``np.inf`` also means no penalty.
    fit_intercept : bool
    solver : {"lbfgs", "newton", "gd", "sgd"}
    max_iter : int
        Maximum iterations (lbfgs, newton) or epochs (gd, sgd).
    tol : float
    learning_rate : float
        Step size of gd and sgd.
    batch_size : int
        Mini-batch size of sgd.
    random_state : None, int or numpy Generator
        Seeds the shuffling of sgd.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) for two classes, else (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    loss_curve_ : list of float
        J after each iteration / epoch.
    n_iter_ : int
    n_features_in_ : int

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
    ) -> None:
        self.penalty = penalty
        self.C = C
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def fit(self, X: Any, y: Any) -> LogisticRegression:
        """Fit W and b by the chosen solver, starting from zeros.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), at least two classes

        Returns
        -------
        self : LogisticRegression
        """
        solvers = ("lbfgs", "newton", "gd", "sgd")
        check_param(self, "solver", self.solver, self.solver in solvers, f"one of {solvers}")
        check_param(self, "penalty", self.penalty, self.penalty in ("l2", None), '"l2" or None')
        check_param(self, "C", self.C, self.C > 0, "> 0")
        _check_iterative(self)
        X, y = validate_data(self, X, y, dtype=_F64)
        check_classification_targets(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                "LogisticRegression needs samples of at least 2 classes, "
                f"got 1 class: '{self.classes_[0]}'"
            )
        n, d = X.shape
        k = 1 if len(self.classes_) == 2 else len(self.classes_)
        T = (codes[:, None] == np.arange(k)).astype(_F64) if k > 1 else codes[:, None] * 1.0
        lam = 1.0 / (self.C * n) if self.penalty == "l2" and np.isfinite(self.C) else 0.0
        if self.solver == "newton":
            W, b = self._newton(X, T, lam)
        else:
            W, b = self._on_engine(X, T, codes, lam)
        self.coef_, self.intercept_ = W, b
        return self

    def _on_engine(
        self, X: np.ndarray, T: np.ndarray, codes: np.ndarray, lam: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """lbfgs, gd, sgd: J and its gradient from the autograd graph."""
        k = T.shape[1]
        W, b = _param((k, X.shape[1])), _param((k,), self.fit_intercept)
        params = [W, b] if self.fit_intercept else [W]
        labels = codes.astype(np.int64)

        def J(idx: np.ndarray | None) -> Tensor:
            z = F.linear(_rows(X, idx), W, b)
            if k == 1:
                loss = F.binary_cross_entropy_with_logits(z, _rows(T, idx))
            else:
                loss = F.cross_entropy(z, _rows(labels, idx))
            return loss + (W * W).sum() * (lam / 2) if lam else loss

        if self.solver == "lbfgs":
            self._lbfgs(params, J)
        else:
            _run_gradient_descent(self, params, J, len(X))
        return W._data.copy(), b._data.copy()

    def _lbfgs(self, params: list[Tensor], J: Any) -> None:
        """scipy's L-BFGS-B on theta = concat(flattened params); gradients by backward."""
        sizes = [p._data.size for p in params]

        def value_and_grad(theta: np.ndarray) -> tuple[float, np.ndarray]:
            for p, chunk in zip(params, np.split(theta, np.cumsum(sizes)[:-1])):
                p._data[...] = chunk.reshape(p._data.shape)
                p._grad = None
            loss = J(None)
            loss.backward()
            grads = [np.zeros_like(p._data) if p._grad is None else p._grad._data for p in params]
            return float(loss.item()), np.concatenate([g.ravel() for g in grads])

        curve: list[float] = []
        res = scipy.optimize.minimize(
            value_and_grad,
            np.concatenate([p._data.ravel() for p in params]),
            jac=True,
            method="L-BFGS-B",
            callback=lambda intermediate_result: curve.append(float(intermediate_result.fun)),
            options={
                "maxiter": self.max_iter,
                "maxls": 50,
                "gtol": self.tol,
                "ftol": 64 * np.finfo(float).eps,
            },
        )
        value_and_grad(res.x)  # leave the parameters at the solution
        self.loss_curve_, self.n_iter_, self.converged_ = curve, int(res.nit), bool(res.success)
        if not res.success:
            warnings.warn(
                f"LogisticRegression (lbfgs) did not converge in max_iter={self.max_iter} "
                f"iterations: {res.message}. Raise max_iter or scale the features.",
                ConvergenceWarning,
                stacklevel=4,
            )

    def _newton(self, X: np.ndarray, T: np.ndarray, lam: float) -> tuple[np.ndarray, np.ndarray]:
        """Newton / IRLS: theta := theta - s H^-1 g, s halved until J decreases enough."""
        A = np.hstack([np.ones((len(X), 1)), X]) if self.fit_intercept else X
        k = T.shape[1]
        penalised = np.ones(A.shape[1])
        if self.fit_intercept:
            penalised[0] = 0.0
        theta = np.zeros((k, A.shape[1]))
        curve: list[float] = []
        self.converged_ = False
        it = 0
        while it < self.max_iter:
            it += 1
            loss, g, H = _newton_terms(theta, A, T, lam, penalised)
            curve.append(loss)
            if np.max(np.abs(g)) <= self.tol:
                self.converged_ = True
                break
            step = np.linalg.lstsq(H, g.ravel(), rcond=None)[0].reshape(theta.shape)
            s, slope = 1.0, float(np.sum(g * step))
            while s > 1e-10:
                trial = theta - s * step
                if _cross_entropy(trial, A, T, lam, penalised) <= loss - 1e-4 * s * slope:
                    break
                s /= 2
            theta = trial
        else:
            warnings.warn(
                f"LogisticRegression (newton) did not converge in max_iter={self.max_iter} "
                f"iterations (largest gradient component {np.max(np.abs(g)):.3g} > "
                f"tol={self.tol})",
                ConvergenceWarning,
                stacklevel=3,
            )
        self.loss_curve_, self.n_iter_ = curve, it
        if self.fit_intercept:
            return theta[:, 1:].copy(), theta[:, 0].copy()
        return theta.copy(), np.zeros(k)

    # ------------------------------------------------------------------ predict
    def decision_function(self, X: Any) -> np.ndarray:
        """The scores z = W x + b: shape (n_samples,) for two classes (the logit of
        p(classes_[1] | x)), else (n_samples, n_classes).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=_F64)
        z = X @ self.coef_.T + self.intercept_
        return z[:, 0] if z.shape[1] == 1 else z

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class (p >= 0.5 -> classes_[1] for two classes, as the deck).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        z = self.decision_function(X)
        return self.classes_[(z >= 0).astype(np.intp) if z.ndim == 1 else z.argmax(axis=1)]


def _cross_entropy(
    theta: np.ndarray, A: np.ndarray, T: np.ndarray, lam: float, penalised: np.ndarray
) -> float:
    """J(theta) = mean cross-entropy + lam/2 |theta * penalised|^2, computed stably."""
    Z = A @ theta.T
    if T.shape[1] == 1:  # -[t ln sigma(z) + (1 - t) ln sigma(-z)]
        data = -np.mean(T * log_expit(Z) + (1 - T) * log_expit(-Z))
    else:
        data = np.mean(logsumexp(Z, axis=1) - np.sum(T * Z, axis=1))
    return float(data + lam / 2 * np.sum((theta * penalised) ** 2))


def _newton_terms(
    theta: np.ndarray, A: np.ndarray, T: np.ndarray, lam: float, penalised: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """J, gradient g = (P - T)^T A / n + lam theta and Hessian of the cross-entropy.

    Hessian block (k, l) = A^T diag(P_k (delta_kl - P_l)) A / n (+ lam I on the diagonal);
    for one sigmoid output that is the IRLS weight matrix R = diag(p (1 - p)).
    """
    n, k = A.shape[0], T.shape[1]
    Z = A @ theta.T
    if k == 1:
        P = expit(Z)
        S = (P * (1 - P))[:, :, None]  # (n, 1, 1)
    else:
        P = softmax(Z, axis=1)
        S = P[:, :, None] * (np.eye(k)[None] - P[:, None, :])  # (n, k, k)
    g = (P - T).T @ A / n + lam * theta * penalised
    blocks = [[(A * S[:, a, c, None]).T @ A / n for c in range(k)] for a in range(k)]
    for a in range(k):
        blocks[a][a] = blocks[a][a] + lam * np.diag(penalised)
    return _cross_entropy(theta, A, T, lam, penalised), g, np.block(blocks)
