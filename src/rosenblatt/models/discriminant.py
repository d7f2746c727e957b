"""Linear and quadratic discriminant analysis: Gaussian classes and Bayes' rule (EDSF deck).

Each class y is modelled as a normal distribution N(mu_y, Sigma_y) with prior P(t = y), and

    P(t = y | x) = P(x | t = y) P(t = y) / sum_c P(x | t = c) P(t = c).

With one covariance Sigma shared by all classes the log-ratio of two classes is linear in
x (LDA); with one covariance per class it is quadratic (QDA).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import (
    AT_LEAST_0,
    ProbabilisticClassifierMixin,
    check_params,
    encode_classes,
    real,
    store_params,
)
from ._docs import fill, sections

__all__ = ["LinearDiscriminantAnalysis", "QuadraticDiscriminantAnalysis"]

#: What LDA and QDA share: the prior hyperparameter, the fitted attributes, fit's docs.
_DOC = {
    "priors": """priors : array-like of shape (n_classes,), optional
    P(t = y); default the class frequencies in the training data.""",
    "attributes": """classes_ : ndarray of shape (n_classes,)
priors_ : ndarray of shape (n_classes,)
means_ : ndarray of shape (n_classes, n_features)""",
}
_fit_docs = sections("X", "y : array-like of shape (n_samples,)", returns="self")


def _classes_and_priors(est: Any, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate, and return (X, class codes, priors): the given priors or the class shares."""
    X, y = validate_data(est, X, y, dtype=np.float64)
    est.classes_, codes = encode_classes(est, y)
    k = len(est.classes_)
    if est.priors is None:
        priors = np.bincount(codes, minlength=k) / len(codes)
    else:
        priors = np.asarray(est.priors, dtype=np.float64).reshape(-1)
        if priors.shape != (k,) or np.any(priors < 0) or not np.isclose(priors.sum(), 1.0):
            raise ValueError(
                f"{type(est).__name__}: priors must be {k} non-negative numbers summing to 1 "
                f"(one per class), got {est.priors!r}"
            )
    est.priors_ = priors
    est.means_ = np.array([X[codes == c].mean(axis=0) for c in range(k)])
    return X, codes, priors


class _DiscriminantBase(ProbabilisticClassifierMixin, ClassifierMixin, BaseEstimator):
    """predict / predict_proba from the log-posteriors up to a constant of x: the posterior
    P(t = y | x) by Bayes' rule, sigma of the log-odds for two classes, and the class of
    highest posterior."""

    def _log_joint(self, X: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    @sections("X", returns="ndarray of shape (n_samples,) or (n_samples, n_classes)")
    def decision_function(self, X: Any) -> np.ndarray:
        """ln P(x | t = y) P(t = y) up to a term that does not depend on y.

        For two classes the log-odds ln P(t=1|x)/P(t=0|x), shape (n_samples,); otherwise
        shape (n_samples, n_classes).
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        scores = self._log_joint(X)
        return scores[:, 1] - scores[:, 0] if scores.shape[1] == 2 else scores


@fill(**_DOC)
class LinearDiscriminantAnalysis(_DiscriminantBase):
    """LDA: Gaussian classes N(mu_y, Sigma) with one shared covariance; P(t=1|x) = sigma(w.x + b).

    For two classes the EDSF deck's derivation gives

        P(t = 1 | x) = sigma(w^T x + b),   w = Sigma^-1 (mu_1 - mu_0),
        b = (mu_0^T Sigma^-1 mu_0 - mu_1^T Sigma^-1 mu_1) / 2 + ln(P(t=1) / P(t=0)),

    and these are ``coef_`` and ``intercept_``. For K > 2 classes row y of ``coef_`` is
    Sigma^-1 mu_y and ``intercept_[y] = -mu_y^T Sigma^-1 mu_y / 2 + ln P(t = y)``; the
    posterior is the softmax of coef_ x + intercept_.

    Sigma is the pooled within-class covariance, the maximum-likelihood estimate
    sum_y sum_{i in y} (x_i - mu_y)(x_i - mu_y)^T / n (as scikit-learn's default "svd"
    solver), inverted as a pseudoinverse so that constant or collinear features do not
    break it.

    Parameters
    ----------
    {priors}
    tol : float
        Eigenvalues of Sigma below tol times the largest count as zero.

    Attributes
    ----------
    {attributes}
    covariance_ : ndarray of shape (n_features, n_features)
        The pooled covariance Sigma.
    coef_ : ndarray of shape (1, n_features) for two classes, else (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_features_in_ : int
    """

    def __init__(self, *, priors: Any = None, tol: float = 1e-10) -> None:
        store_params(self, locals())

    @_fit_docs
    def fit(self, X: Any, y: Any) -> LinearDiscriminantAnalysis:
        """Estimate the class means, the pooled covariance and the priors."""
        check_params(self, {"tol": AT_LEAST_0})
        X, codes, priors = _classes_and_priors(self, X, y)
        centered = X - self.means_[codes]
        self.covariance_ = centered.T @ centered / len(X)
        precision = scipy.linalg.pinvh(self.covariance_, atol=0.0, rtol=self.tol)
        coef = self.means_ @ precision  # row y: Sigma^-1 mu_y
        with np.errstate(divide="ignore"):
            intercept = -0.5 * np.sum(coef * self.means_, axis=1) + np.log(priors)
        if len(self.classes_) == 2:
            coef, intercept = coef[1:] - coef[:1], intercept[1:] - intercept[:1]
        self.coef_, self.intercept_ = coef, intercept
        return self

    def _log_joint(self, X: np.ndarray) -> np.ndarray:
        z = X @ self.coef_.T + self.intercept_
        return np.column_stack([np.zeros(len(z)), z[:, 0]]) if z.shape[1] == 1 else z


@fill(**_DOC)
class QuadraticDiscriminantAnalysis(_DiscriminantBase):
    """QDA: Gaussian classes N(mu_y, Sigma_y), each with its own covariance.

    ln P(x | t = y) P(t = y) = -ln|Sigma_y| / 2 - (x - mu_y)^T Sigma_y^-1 (x - mu_y) / 2
    + ln P(t = y) + const, and the posterior is its softmax over the classes (EDSF deck).
    Sigma_y is the maximum-likelihood covariance of class y (divided by n_y, as
    scikit-learn's), shrunk towards the identity as (1 - reg_param) Sigma_y + reg_param I,
    as scikit-learn's ``reg_param``.

    Parameters
    ----------
    {priors}
    reg_param : float in [0, 1]
        Regularisation of the class covariances.
    tol : float
        A covariance with an eigenvalue <= tol is singular: fit raises and asks for
        reg_param.

    Attributes
    ----------
    {attributes}
    covariance_ : list of ndarray of shape (n_features, n_features)
        Sigma_y of each class (after regularisation).
    n_features_in_ : int
    """

    def __init__(self, *, priors: Any = None, reg_param: float = 0.0, tol: float = 1e-4) -> None:
        store_params(self, locals())

    @_fit_docs
    def fit(self, X: Any, y: Any) -> QuadraticDiscriminantAnalysis:
        """Estimate the mean, the covariance and the prior of each class."""
        unit = (lambda v: real(v) and 0 <= v <= 1, "a float in [0, 1]")
        check_params(self, {"reg_param": unit, "tol": AT_LEAST_0})
        X, codes, _ = _classes_and_priors(self, X, y)
        covariances, precisions, logdets = [], [], []
        for c, label in enumerate(self.classes_):
            Xc = X[codes == c] - self.means_[c]
            if len(Xc) < 2:
                raise ValueError(
                    f"QuadraticDiscriminantAnalysis: class '{label}' has only 1 sample; its "
                    "covariance is undefined (each class needs at least 2 samples)"
                )
            S = Xc.T @ Xc / len(Xc)
            S = (1 - self.reg_param) * S + self.reg_param * np.eye(X.shape[1])
            vals, vecs = np.linalg.eigh(S)
            if vals.min() <= self.tol:
                raise np.linalg.LinAlgError(
                    f"QuadraticDiscriminantAnalysis: the covariance of class '{label}' is "
                    f"singular (smallest eigenvalue {vals.min():.3g} <= tol={self.tol}): "
                    "the features are collinear within the class. Raise reg_param."
                )
            covariances.append(S)
            precisions.append((vecs / vals) @ vecs.T)
            logdets.append(np.sum(np.log(vals)))
        self.covariance_ = covariances
        self._precisions, self._logdets = np.array(precisions), np.array(logdets)
        return self

    def _log_joint(self, X: np.ndarray) -> np.ndarray:
        d = [X - mu for mu in self.means_]  # (x - mu_y) of each class y
        mahalanobis = np.column_stack([np.sum((e @ P) * e, 1) for e, P in zip(d, self._precisions)])
        with np.errstate(divide="ignore"):
            return -0.5 * (self._logdets + mahalanobis) + np.log(self.priors_)
