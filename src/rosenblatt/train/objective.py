"""What ``rb.fit`` minimises: the loss of a batch, its sample weights, and the penalty.

A batch of n samples with losses l_i and weights w_i (all 1 when none are given) and the
weights W of the model (the parameters with two or more dimensions: biases and the scales
of normalisation layers are not penalised) give, in one of two conventions,

    "keras":    J = sum_i w_i l_i / n  +  P(W)                 (Keras: sum over batch size)
    "sklearn":  J = (sum_i w_i l_i + P(W)) / sum_i w_i         (scikit-learn's MLP)

with the one penalty of rosenblatt,

    P(W) = l1 sum |W| + l2 sum W^2,   dP/dW = l1 sign(W) + 2 l2 W,   d2P/dW2 = 2 l2.

A loss with one value per output (MSE) counts the mean over a sample's outputs as its l_i.
In the "sklearn" convention the penalty is shared by the samples of the batch, so a sample
of integer weight k counts exactly as k copies of it. The weights w_i = sample_weight_i *
c(y_i) come from :func:`sample_weights`, with Keras's class weights c for rb.fit and
scikit-learn's (a dict or "balanced") for the estimators (:func:`estimator_weights`). How
the estimators map onto it:

    MLPClassifier, MLPRegressor,     "sklearn", l2 = alpha / 2, l1 = l1:
    Autoencoder                        alpha/(2m) sum W^2 + l1/m sum |W| per batch of weight m
    LogisticRegression               l2 = 1/(2C) per unit of sample weight: J = weighted mean
                                       loss + 1/(2 C sum w) |W|^2 (scikit-learn's C)
    Adaline, LinearRegression        no penalty
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import nn
from ..tensor import Tensor

__all__ = [
    "CONVENTIONS",
    "Penalty",
    "ScaledLoss",
    "estimator_weights",
    "mean_one",
    "per_sample_loss",
    "sample_weights",
    "weighted_mean",
]

CONVENTIONS = ("keras", "sklearn")


class Penalty:
    """P(W) = l1 sum |W| + l2 sum W^2 over the weight arrays; dP/dW = l1 sign(W) + 2 l2 W.

    Parameters
    ----------
    l1, l2 : float
        The coefficients (>= 0).

    Examples
    --------
    >>> import numpy as np
    >>> P = Penalty(l1=0.5, l2=2.0)
    >>> w = np.array([[1.0, -2.0]])
    >>> P.value([w]), P.gradient(w)
    (11.5, array([[ 4.5, -8.5]]))
    """

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        if not (l1 >= 0 and l2 >= 0):
            raise ValueError(f"the penalty coefficients must be >= 0, got l1={l1}, l2={l2}")
        self.l1, self.l2 = float(l1), float(l2)

    def __bool__(self) -> bool:
        return bool(self.l1 or self.l2)

    def value(self, weights: Sequence[np.ndarray], scale: float = 1.0) -> float:
        """scale * P(W), summed in float64."""
        total = 0.0
        for w in weights:
            if self.l1:
                total += self.l1 * float(np.abs(w).sum(dtype=np.float64))
            if self.l2:
                total += self.l2 * float(np.vdot(w, w))
        return total * scale

    def gradient(self, w: np.ndarray, scale: float = 1.0) -> np.ndarray:
        """scale * dP/dW = scale (l1 sign(W) + 2 l2 W): a new array of W's dtype."""
        g = (2 * self.l2 * scale) * w
        if self.l1:
            g += (self.l1 * scale) * np.sign(w)
        return g.astype(w.dtype, copy=False)

    def add_to_grads(self, weights: Sequence[Tensor], scale: float = 1.0) -> None:
        """p.grad += scale dP/dp for each weight p, as a new array (backward may share
        gradient arrays between parameters)."""
        for p in weights:
            g = self.gradient(p._data, scale)
            p._grad = Tensor._make(g if p._grad is None else p._grad._data + g, None)

    def of(self, weights: Sequence[Tensor], scale: float = 1.0) -> Tensor:
        """scale * P(W) built from ops, so that backward gives dP/dW and double backward
        d2P/dW2 = 2 l2 scale (Newton's Hessian)."""
        terms = [(self.l1 * scale) * w.abs().sum() + (self.l2 * scale) * (w * w).sum()
                 for w in weights]  # fmt: skip
        return sum(terms[1:], terms[0])


class ScaledLoss(nn.Module):
    """J = factor * loss(input, target): a loss module times a constant.

    scikit-learn's squared error is ``ScaledLoss(nn.MSELoss(), 0.5)``, (1/2) mean (y - t)^2,
    whose gradient (y - t)/n has no factor 2. ``rb.fit`` trains it on its fast path as it
    trains the loss itself.

    Parameters
    ----------
    loss : nn.Module
        A loss module (``reduction`` is read and set through this wrapper).
    factor : float
    """

    def __init__(self, loss: nn.Module, factor: float) -> None:
        super().__init__()
        self.loss, self.factor = loss, float(factor)

    @property
    def reduction(self) -> str:
        return str(getattr(self.loss, "reduction", "mean"))

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return self.loss(input, target) * self.factor

    def extra_repr(self) -> str:
        return f"factor={self.factor}"


def per_sample_loss(loss: Any) -> Callable[[Tensor, Tensor], Tensor]:
    """The loss with ``reduction="none"``: one value per sample (or per output) of a batch.

    Raises
    ------
    ValueError
        The loss has no ``reduction`` to set (a plain function of (output, target)).
    """
    if isinstance(loss, ScaledLoss):
        inner = per_sample_loss(loss.loss)
        return lambda out, t: inner(out, t) * loss.factor
    if isinstance(loss, nn.Module) and isinstance(getattr(loss, "reduction", None), str):
        unreduced = copy.copy(loss)
        unreduced.reduction = "none"
        return unreduced
    if callable(loss) and "reduction" in getattr(loss, "__code__", _NoCode).co_varnames:
        return lambda out, t: loss(out, t, reduction="none")
    raise ValueError(
        f"sample weights need the loss of each sample: {loss!r} has no reduction='none' "
        "(use a loss module of rb.nn or a function of rb.nn.functional)"
    )


class _NoCode:
    co_varnames: tuple[str, ...] = ()


def weighted_mean(losses: Tensor, w: np.ndarray, denominator: float) -> Tensor:
    """sum_i w_i l_i / denominator from the unreduced losses, l_i the mean over sample i's
    outputs: sum_ij (w_i / k) l_ij / denominator for k outputs per sample (shape (n, ...))."""
    k = losses._data.size // max(len(w), 1)
    shape = (len(w),) + (1,) * (losses._data.ndim - 1)
    wk = (w / k if k != 1 else w).reshape(shape).astype(losses._data.dtype, copy=False)
    return (losses * Tensor._make(wk, None)).sum() / denominator


def sample_weights(
    sample_weight: Any,
    class_weight: dict[Any, float] | str | None,
    y: np.ndarray,
    n: int,
    *,
    convention: str = "keras",
) -> np.ndarray:
    """w_i = sample_weight_i * c(y_i), float64: one weight per sample (each factor 1 when not
    given). The one place where sample and class weights meet, for ``rb.fit`` and for the
    scikit-learn estimators.

    The class weights c follow one of two conventions:

        "keras"    (rb.fit): a dict class -> c with a weight for every class of y; y holds
                   class indices (or 0/1), shape (n,) or (n, 1).
        "sklearn"  (the estimators): y holds labels of any kind; a dict label -> c (a
                   class it does not name weighs 1), or "balanced":
                   c = sum_i s_i / (k sum_{i: y_i = c} s_i) for k classes and the sample
                   weights s (all 1: n / (k n_c)) -- scikit-learn's compute_class_weight.

    Raises
    ------
    ValueError
        Weights of the wrong shape, negative or not finite, or all zero; a class_weight for
        targets that are not class indices (or 0/1), or without a weight for a class of y
        ("keras").

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0, 0, 0, 1])
    >>> sample_weights([1.0, 2.0, 1.0, 1.0], {0: 1.0, 1: 3.0}, y, 4)
    array([1., 2., 1., 3.])
    >>> sample_weights(None, "balanced", y, 4, convention="sklearn")   # n / (k n_c)
    array([0.66666667, 0.66666667, 0.66666667, 2.        ])
    """
    if convention not in CONVENTIONS:
        raise ValueError(f"convention must be one of {CONVENTIONS}, got {convention!r}")
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    if w.shape != (n,):
        raise ValueError(f"sample_weight must have shape ({n},), one per sample, got {w.shape}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("sample_weight must be finite and >= 0")
    if class_weight is not None:
        if convention == "sklearn":
            from sklearn.utils.class_weight import compute_class_weight

            classes, codes = np.unique(y, return_inverse=True)
            c = compute_class_weight(class_weight, classes=classes, y=y, sample_weight=w)
        else:
            c, codes = _keras_class_weights(class_weight, y)
        w = w * c[codes]
    if not w.any():
        raise ValueError("the sample weights are all zero: at least one sample must count")
    return w


def _keras_class_weights(class_weight: Any, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(c of each class of y, the class code of each sample) from a dict class index -> c."""
    if not isinstance(class_weight, dict):
        raise ValueError(f"class_weight must be a dict class -> weight, got {class_weight!r}")
    labels = y[:, 0] if y.ndim == 2 and y.shape[1] == 1 else y
    if labels.ndim != 1 or not np.all(labels == np.round(labels)):
        raise ValueError("class_weight needs class-index (or 0/1) targets")
    classes, codes = np.unique(labels.astype(np.int64), return_inverse=True)
    unknown = set(classes.tolist()) - set(class_weight)
    if unknown:
        raise ValueError(f"class_weight has no weight for the classes {sorted(unknown)}")
    return np.array([float(class_weight[c]) for c in classes.tolist()]), codes


def estimator_weights(
    est: Any, sample_weight: Any, X: np.ndarray, y: np.ndarray | None = None
) -> np.ndarray | None:
    """One weight per sample for a scikit-learn estimator: ``sample_weight`` (checked as
    scikit-learn checks it) times the weight of the sample's class from the estimator's
    ``class_weight``, by :func:`sample_weights` in the "sklearn" convention; None when
    neither is given. Errors name the estimator.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = np.zeros((4, 1)), np.array(["a", "a", "a", "b"])
    >>> estimator_weights(LogisticRegression(class_weight="balanced"), None, X, y)
    array([0.66666667, 0.66666667, 0.66666667, 2.        ])
    """
    class_weight = getattr(est, "class_weight", None)
    if sample_weight is None and class_weight is None:
        return None
    from sklearn.utils.validation import _check_sample_weight

    s = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
    if class_weight is not None and y is None:
        raise ValueError(f"{type(est).__name__}: class_weight needs the targets y")
    labels = np.zeros(len(s)) if y is None else y  # read only with class weights
    try:
        return sample_weights(s, class_weight, labels, len(s), convention="sklearn")
    except ValueError as e:
        raise ValueError(f"{type(est).__name__}: {e}") from None


def mean_one(w: np.ndarray | None) -> np.ndarray | None:
    """w n / sum(w): weights of mean 1, so that Keras's normalisation sum_i w_i l_i / n of
    these is the weighted mean sum_i w_i l_i / sum_i w_i of the given ones (None stays None).

    >>> mean_one(np.array([1.0, 3.0]))
    array([0.5, 1.5])
    """
    return None if w is None else w * (len(w) / w.sum())
