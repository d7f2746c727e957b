"""Shared pieces of the classic models: parameter checks, label coding, divergence guard."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from ..random import get_rng

__all__ = [
    "ConvergenceWarning",
    "check_param",
    "encode_binary",
    "is_finite",
    "log_proba",
    "make_rng",
]


def check_param(estimator: Any, name: str, value: Any, ok: Any, expected: str) -> None:
    """Raise ``ValueError`` naming the estimator and the hyperparameter when ``ok`` is False."""
    if not ok:
        raise ValueError(
            f"{type(estimator).__name__}: invalid {name}={value!r}; expected {expected}"
        )


def encode_binary(estimator: Any, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two class labels -> (classes_, t) with t = -1 for classes_[0] and t = +1 for classes_[1].

    So {0, 1} targets become {-1, +1} and {-1, +1} targets stay as they are (the decks'
    coding of the perceptron's output). Any two labels work (strings too); the sorted
    order decides which one is the positive class, as in scikit-learn.
    """
    name = type(estimator).__name__
    check_classification_targets(y)
    y_type = type_of_target(y, input_name="y", raise_unknown=True)
    if y_type != "binary":
        raise ValueError(
            f"Only binary classification is supported. The type of the target is {y_type}: "
            f"{name} learns two classes (wrap it in sklearn's OneVsRestClassifier for more)."
        )
    classes, t = np.unique(y, return_inverse=True)
    if len(classes) != 2:
        raise ValueError(f"{name} needs samples of 2 classes, got 1 class: '{classes[0]}'")
    return classes, 2.0 * t - 1.0


def log_proba(p: np.ndarray) -> np.ndarray:
    """ln p with ln 0 = -inf: predict_log_proba is the log of predict_proba, as in
    scikit-learn (its checks require the two to agree, infinities included)."""
    with np.errstate(divide="ignore"):
        return np.log(p)


def is_finite(*arrays: Any) -> bool:
    """True when every value of every array is finite (no NaN, no inf)."""
    return all(bool(np.all(np.isfinite(a))) for a in arrays)


def make_rng(random_state: Any) -> np.random.Generator:
    """The generator an estimator draws from: rosenblatt's global one for ``None`` (so
    ``rb.manual_seed`` reproduces a run), a fresh ``default_rng(seed)`` for an int, the
    generator itself for a ``np.random.Generator``, and one seeded from a legacy
    ``np.random.RandomState`` (scikit-learn's convention)."""
    if random_state is None:
        return get_rng()
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(2**31 - 1))
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return np.random.default_rng(int(random_state))
    raise ValueError(
        f"random_state must be None, an int, a numpy Generator or RandomState, got {random_state!r}"
    )
