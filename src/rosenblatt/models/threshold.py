"""The McCulloch-Pitts threshold unit: fixed weights, a Heaviside step, no learning."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.validation import validate_data

from ._base import LinearUnitClassifier, encode_binary, store_params
from ._docs import sections

__all__ = ["ThresholdUnit"]


class ThresholdUnit(LinearUnitClassifier):
    """Threshold logic unit: y = 1 if w.x + b > 0 else 0 (McCulloch and Pitts, 1943);
    with ``fires_at_zero=True``, y = 1 if w.x + b >= 0.

    A unit whose weights are set by hand, as in the Matteucci deck: OR is
    ``ThresholdUnit([1, 1], -0.5)`` (fires when -1/2 + x1 + x2 > 0) and AND is
    ``ThresholdUnit([1.5, 1], -2)``. With ``weights`` given it predicts without ``fit``.
    ``decision_function`` is the net input s = w.x + b; ``predict`` is its Heaviside step,
    classes_[1] where s > 0 (s >= 0 with ``fires_at_zero``), else classes_[0].

    The decks differ at s = 0 exactly: the Matteucci deck fires when s > 0 (the default),
    the EDSF deck's threshold logic unit and perceptron and the KIT deck's binary step when
    s >= 0. The two agree except on inputs that lie on the boundary: with w = (1, 1),
    b = -1 on Boolean inputs, s = 0 at (0, 1) and (1, 0), so the unit is AND under s > 0
    and OR under s >= 0.

    Parameters
    ----------
    weights : array-like of shape (n_features,), optional
        The fixed weights w. ``None`` lets :meth:`fit` place the unit (see there).
    bias : float
        The bias b (minus the firing threshold: w.x > -b fires). Used with ``weights``.
    fires_at_zero : bool
        False: fire where s > 0 (Matteucci deck); True: where s >= 0 (EDSF, KIT decks).

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        The weights used after :meth:`fit`.
    intercept_ : float
        The bias used after :meth:`fit`.
    classes_ : ndarray of shape (2,)
        ``classes_[1]`` is predicted where the unit fires, ``classes_[0]`` elsewhere;
        ``[0, 1]`` for a unit used without fit.
    n_features_in_ : int

    Examples
    --------
    >>> from rosenblatt.models import ThresholdUnit
    >>> ThresholdUnit(weights=[1, 1], bias=-0.5).predict([[0, 0], [0, 1], [1, 0], [1, 1]])
    array([0, 1, 1, 1])
    """

    def __init__(self, weights: Any = None, bias: float = 0.0, fires_at_zero: bool = False) -> None:
        store_params(self, locals())

    @sections("X", returns="ndarray of shape (n_samples,)")
    def predict(self, X: Any) -> np.ndarray:
        """The Heaviside step of s = w.x + b: classes_[1] where s > 0 (s >= 0 with
        ``fires_at_zero``), else classes_[0]."""
        s = self.decision_function(X)
        fires = s >= 0 if self.fires_at_zero else s > 0
        return self._labels()[fires.astype(np.intp)]

    @sections("X", "y : array-like of shape (n_samples,), two labels", returns="self")
    def fit(self, X: Any, y: Any) -> ThresholdUnit:
        """Record the classes; keep the given weights, or place the unit between the classes.

        ``fit`` does not learn iteratively (that is :class:`Perceptron`). With ``weights``
        given it keeps w and b and only records which label is "fires" (``classes_[1]``).
        With ``weights=None`` it sets the hyperplane halfway between the two class means,
        perpendicular to the line joining them::

            w = mu_1 - mu_0,   b = (|mu_0|^2 - |mu_1|^2) / 2

        so a sample fires when it is nearer to mu_1 than to mu_0.
        """
        X, y = validate_data(self, X, y)
        self.classes_, t = encode_binary(self, y)
        if self.weights is None:
            mu0, mu1 = X[t < 0].mean(axis=0), X[t > 0].mean(axis=0)
            self.coef_ = mu1 - mu0
            self.intercept_ = float(mu0 @ mu0 - mu1 @ mu1) / 2
        else:
            self.coef_ = self._given_weights(X.shape[1])
            self.intercept_ = float(self.bias)
        return self

    def __sklearn_is_fitted__(self) -> bool:
        return self.weights is not None or hasattr(self, "coef_")

    def _given_weights(self, n_features: int) -> np.ndarray:
        w = np.asarray(self.weights, dtype=np.float64)
        if w.ndim != 1 or not np.all(np.isfinite(w)):
            raise ValueError(
                f"ThresholdUnit: weights must be a 1-D array of finite numbers, "
                f"got {self.weights!r}"
            )
        if w.shape[0] != n_features:
            raise ValueError(
                f"ThresholdUnit: weights has {w.shape[0]} values but X has {n_features} features"
            )
        return w

    def _weights(self, n_features: int) -> tuple[np.ndarray, float]:
        """(w, b): the fitted ones, or the hand-set ones of an unfitted unit."""
        if hasattr(self, "coef_"):
            return self.coef_, self.intercept_
        return self._given_weights(n_features), float(self.bias)

    def _labels(self) -> np.ndarray:
        """classes_, or [0, 1] for a unit used without fit."""
        return self.classes_ if hasattr(self, "coef_") else np.array([0, 1])
