"""Shared pieces of the classic models: parameter checks, label coding, predict /
predict_proba from a classifier's scores, and the ``history`` that plots read from an
estimator."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import nn
from ..nn import functional as F
from ..tensor import Tensor
from ._docs import sections

__all__ = [
    "ConvergenceWarning",
    "LossCurveMixin",
    "LinearUnitClassifier",
    "ProbabilisticClassifierMixin",
    "ScoreClassifierMixin",
    "ABOVE_0",
    "AT_LEAST_0",
    "COUNT",
    "augment",
    "class_probabilities",
    "check_param",
    "check_params",
    "encode_binary",
    "encode_classes",
    "linear_unit",
    "one_of",
    "integer",
    "on_array",
    "real",
    "store_params",
]


def check_param(estimator: Any, name: str, value: Any, ok: Any, expected: str) -> None:
    """Raise ``ValueError`` naming the estimator and the hyperparameter when ``ok`` is False."""
    if not ok:
        raise ValueError(
            f"{type(estimator).__name__}: invalid {name}={value!r}; expected {expected}"
        )


def real(x: Any) -> bool:
    """A number (int or float, NumPy's too), not a bool."""
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


def integer(x: Any) -> bool:
    """An int (NumPy's too), not a bool."""
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


#: (test, expected) rules of check_params
AT_LEAST_0 = (lambda v: real(v) and v >= 0, ">= 0")
ABOVE_0 = (lambda v: real(v) and v > 0, "> 0")
COUNT = (lambda v: integer(v) and v >= 1, "an int >= 1")


def one_of(*options: Any) -> tuple[Any, str]:
    """The rule of check_params that the value is one of ``options``."""
    return (lambda v: v in options, "one of " + ", ".join(map(repr, options)))


def check_params(estimator: Any, rules: dict[str, tuple[Any, str]]) -> None:
    """check_param of each hyperparameter ``name`` by its rule ``(test(value), expected)``."""
    for name, (test, expected) in rules.items():
        value = getattr(estimator, name)
        check_param(estimator, name, value, bool(test(value)), expected)


def store_params(estimator: Any, given: dict[str, Any]) -> None:
    """Keep each hyperparameter of ``__init__`` unchanged as an attribute (scikit-learn's
    rule), called as ``store_params(self, locals())``."""
    for name, value in given.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


def augment(X: np.ndarray) -> np.ndarray:
    """The decks' augmented inputs (x_0 = 1, x_1, ..., x_D): the bias input as a first
    column of ones, (n, D) -> (n, 1 + D)."""
    return np.hstack([np.ones((len(X), 1)), X])


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


def encode_classes(estimator: Any, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(classes_, codes): the sorted labels of y, at least two of them, and the index of
    each sample's label among them."""
    check_classification_targets(y)
    classes, codes = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(
            f"{type(estimator).__name__} needs samples of at least 2 classes, "
            f"got 1 class: '{classes[0]}'"
        )
    return classes, codes


def encode_binary(estimator: Any, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two class labels -> (classes_, t) with t = -1 for classes_[0] and t = +1 for classes_[1].

    So {0, 1} targets become {-1, +1} and {-1, +1} targets stay as they are (the decks'
    coding of the perceptron's output). Any two labels work (strings too); the sorted
    order decides which one is the positive class, as in scikit-learn.
    """
    classes, codes = encode_classes(estimator, y)
    y_type = type_of_target(y, input_name="y")
    if y_type != "binary":
        raise ValueError(
            f"Only binary classification is supported. The type of the target is {y_type}: "
            f"{type(estimator).__name__} learns two classes (wrap it in sklearn's "
            "OneVsRestClassifier for more)."
        )
    return classes, 2.0 * codes - 1.0


def on_array(fn: Any, x: Any, **kwargs: Any) -> np.ndarray:
    """An op of ``rosenblatt.nn.functional`` on an array, e.g. ``on_array(F.sigmoid, z)``: the
    models use the one sigmoid, softmax, log-softmax and softplus of the ops, no NumPy copy."""
    return fn(Tensor._make(np.asarray(x), None), **kwargs)._data


def class_probabilities(z: np.ndarray) -> np.ndarray:
    """p(class | x) from the scores z: [sigma(-z), sigma(z)] for one score per sample (the
    log-odds), softmax(z) over the columns otherwise -- the ops' sigmoid and softmax."""
    if z.ndim == 1:  # sigma(-z) = 1 - sigma(z), accurate also where sigma(z) ~ 1
        return np.column_stack([on_array(F.sigmoid, -z), on_array(F.sigmoid, z)])
    return on_array(F.softmax, z, dim=1)


class ScoreClassifierMixin:
    """predict from the scores z of a sample: classes_[1] where z > 0, or the class of the
    highest z_y. A subclass gives the scores (``_scores``, by default ``decision_function``)."""

    def _scores(self, X: Any) -> np.ndarray:
        """z: shape (n_samples,) for two classes, else (n_samples, n_classes)."""
        return self.decision_function(X)  # type: ignore[attr-defined]

    @sections("X", returns="ndarray of shape (n_samples,)")
    def predict(self, X: Any) -> np.ndarray:
        """The class of the highest score: classes_[1] where z > 0 for two classes, else
        classes_[argmax_y z_y].

        z is the net input w.x + b of a single unit, or the log-odds
        ln p(classes_[1] | x) / p(classes_[0] | x) (one logit or log-posterior per class for
        more classes) of a probabilistic classifier, whose prediction is then the most
        probable class, the class of highest posterior.
        """
        z = self._scores(X)
        labels = self.classes_  # type: ignore[attr-defined]
        return labels[(z > 0).astype(np.intp) if z.ndim == 1 else z.argmax(axis=1)]


class ProbabilisticClassifierMixin(ScoreClassifierMixin):
    """predict_proba and predict_log_proba from the scores z: sigma for two classes (z the
    log-odds), softmax over the classes otherwise."""

    @sections("X", returns="ndarray of shape (n_samples, n_classes)")
    def predict_proba(self, X: Any) -> np.ndarray:
        """p(class | x): [sigma(-z), sigma(z)] for two classes, softmax(z) otherwise.

        z is the log-odds of classes_[1] for two classes, else one score per class: the
        logits of logistic regression and of the MLP's output layer, the log-posteriors of
        discriminant analysis up to a constant (so this is Bayes' rule).
        """
        return class_probabilities(self._scores(X))

    @sections("X", returns="ndarray of shape (n_samples, n_classes)")
    def predict_log_proba(self, X: Any) -> np.ndarray:
        """ln p(class | x): the log of :meth:`predict_proba`, ln 0 = -inf (scikit-learn's
        checks require the two to agree, infinities included)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))


class LinearUnitClassifier(ScoreClassifierMixin, ClassifierMixin, BaseEstimator):
    """A single binary unit: net input s = w.x + b, classes_[1] where s > 0, else classes_[0].

    A subclass gives (w, b) by ``_weights`` (by default ``coef_[0]`` and ``intercept_[0]``).
    """

    def _weights(self, n_features: int) -> tuple[np.ndarray, float]:
        """(w, b) of the fitted unit."""
        return self.coef_[0], self.intercept_[0]  # type: ignore[attr-defined]

    @sections("X", returns="ndarray of shape (n_samples,)")
    def decision_function(self, X: Any) -> np.ndarray:
        """The net input s = w.x + b; positive means classes_[1] (the unit fires)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        w, b = self._weights(X.shape[1])
        return X @ w + b

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags


class LossCurveMixin:
    """``history``, Keras's ``model.history`` of an estimator trained epoch by epoch:
    ``{"loss": loss_curve_}``, what ``rb.viz.plot_loss_curve(estimator)`` draws."""

    @property
    def history(self) -> dict[str, list[float]]:
        check_is_fitted(self)
        return {"loss": list(self.loss_curve_)}  # type: ignore[attr-defined]
