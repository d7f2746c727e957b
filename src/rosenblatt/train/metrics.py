"""Metrics reported per epoch by ``rb.fit``: accuracy, MSE, MAE and R².

Each metric is a plain function on arrays (``accuracy(output, target)``) and, for the fit
loop, a small accumulator that adds up sufficient statistics batch by batch, so the epoch
value is exact over the whole epoch (as Keras's streaming metrics) and costs a few NumPy
calls per batch.

Which accuracy applies depends on the loss: arg-max over classes for cross-entropy / NLL,
a threshold at 0 on logits for ``BCEWithLogitsLoss`` and at 0.5 on probabilities for
``BCELoss`` (see :func:`metrics_for_loss`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "Metric",
    "accuracy",
    "get_metric",
    "mae",
    "metrics_for_loss",
    "mse",
    "r2",
]


def _predicted_class(output: np.ndarray, threshold: float) -> np.ndarray:
    """Class index per sample: arg-max over the last axis, or ``output > threshold`` for one
    output column."""
    if output.ndim >= 2 and output.shape[-1] > 1:
        return output.argmax(axis=-1)
    return (output.reshape(len(output)) > threshold).astype(np.int64)


def _true_class(target: np.ndarray, output: np.ndarray) -> np.ndarray:
    """Class index per sample from indices, one-hot/probability rows or {0, 1} floats."""
    if target.ndim >= 2 and target.shape[-1] > 1:  # one-hot or class probabilities
        return target.argmax(axis=-1)
    if target.dtype.kind == "f":
        return (target.reshape(len(target)) > 0.5).astype(np.int64)
    return target.reshape(len(target))


def accuracy(output: Any, target: Any, threshold: float = 0.5) -> float:
    """accuracy = (number of samples whose predicted class equals the target) / N.

    Parameters
    ----------
    output : array_like, shape (N, C) or (N,) / (N, 1)
        Scores. With C > 1 columns the prediction is the arg-max; with one column it is
        ``output > threshold`` (0.5 for probabilities, 0 for logits).
    target : array_like, shape (N,) or (N, C)
        Class indices, {0, 1} values, or one-hot / probability rows.
    threshold : float
        Decision threshold for a single output column.

    >>> accuracy([[0.1, 2.0], [3.0, 0.0]], [1, 1])
    0.5
    >>> accuracy([-1.0, 2.0, 0.5], [0, 1, 0], threshold=0.0)
    0.6666666666666666
    """
    out, t = np.asarray(output), np.asarray(target)
    return float(np.mean(_predicted_class(out, threshold) == _true_class(t, out)))


def mse(output: Any, target: Any) -> float:
    """mse = (1/n) sum_i (y_i - t_i)^2 over all n elements.

    >>> mse([1.0, 2.0], [1.0, 4.0])
    2.0
    """
    d = np.asarray(output, dtype=np.float64) - np.asarray(target, dtype=np.float64)
    return float(np.mean(d * d))


def mae(output: Any, target: Any) -> float:
    """mae = (1/n) sum_i |y_i - t_i| over all n elements.

    >>> mae([1.0, 2.0], [1.0, 4.0])
    1.0
    """
    d = np.asarray(output, dtype=np.float64) - np.asarray(target, dtype=np.float64)
    return float(np.mean(np.abs(d)))


def r2(output: Any, target: Any) -> float:
    """r2 = 1 - sum_i (t_i - y_i)^2 / sum_i (t_i - mean(t))^2, averaged over output columns.

    The same as ``sklearn.metrics.r2_score`` (``multioutput="uniform_average"``).

    >>> r2([1.0, 2.0, 3.0], [1.0, 2.0, 4.0])
    0.7857142857142857
    """
    y = np.asarray(output, dtype=np.float64)
    t = np.asarray(target, dtype=np.float64)
    y, t = y.reshape(len(y), -1), t.reshape(len(t), -1)
    ss_res = ((t - y) ** 2).sum(axis=0)
    ss_tot = ((t - t.mean(axis=0)) ** 2).sum(axis=0)
    return float(np.mean(_r2_columns(ss_res, ss_tot)))


def _r2_columns(ss_res: np.ndarray, ss_tot: np.ndarray) -> np.ndarray:
    """1 - SS_res/SS_tot per column; a constant target scores 1 if fitted exactly, else 0
    (scikit-learn's convention)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        score = 1.0 - ss_res / ss_tot
    return np.where(ss_tot > 0, score, np.where(ss_res == 0, 1.0, 0.0))


# ---------------------------------------------------------------------- accumulators
class Metric:
    """Streaming metric: ``update(output, target)`` per batch, ``result()`` per epoch.

    The default accumulates a per-batch value weighted by batch size, so any function
    ``fn(output, target) -> float`` becomes a metric with ``Metric(name, fn)``. ``sums``
    names the running sums: adding them over the ranks merges a data-parallel epoch.
    """

    sums: tuple[str, ...] = ("total", "count")

    def __init__(self, name: str, fn: Callable[[np.ndarray, np.ndarray], float]) -> None:
        self.name, self.fn = name, fn
        self.reset()

    def reset(self) -> None:
        self.total, self.count = 0.0, 0

    def update(self, output: np.ndarray, target: np.ndarray) -> None:
        n = len(output)
        self.total += float(self.fn(output, target)) * n
        self.count += n

    def result(self) -> float:
        return self.total / self.count if self.count else float("nan")


class _Accuracy(Metric):
    def __init__(self, threshold: float) -> None:
        self.threshold = threshold
        super().__init__("accuracy", accuracy)

    def update(self, output: np.ndarray, target: np.ndarray) -> None:
        hits = _predicted_class(output, self.threshold) == _true_class(target, output)
        self.total += int(np.count_nonzero(hits))
        self.count += len(output)


class _MeanError(Metric):
    """mse or mae: a running sum of (y - t)^2 or |y - t| over all elements."""

    def __init__(self, name: str, power: int) -> None:
        self.power = power
        super().__init__(name, mse if power == 2 else mae)

    def update(self, output: np.ndarray, target: np.ndarray) -> None:
        d = output - target
        self.total += float(np.vdot(d, d)) if self.power == 2 else float(np.abs(d).sum())
        self.count += d.size


class _R2(Metric):
    """R² from running sums: SS_tot = sum t^2 - (sum t)^2 / n per column, in float64."""

    sums = ("n", "s_t", "s_tt", "ss_res")

    def __init__(self) -> None:
        super().__init__("r2", r2)

    def reset(self) -> None:
        self.n, self.s_t, self.s_tt, self.ss_res = 0, 0.0, 0.0, 0.0

    def update(self, output: np.ndarray, target: np.ndarray) -> None:
        t = target.reshape(len(target), -1).astype(np.float64)
        d = output.reshape(len(output), -1) - t
        self.n += len(t)
        self.s_t = self.s_t + t.sum(axis=0)
        self.s_tt = self.s_tt + (t * t).sum(axis=0)
        self.ss_res = self.ss_res + (d * d).sum(axis=0)

    def result(self) -> float:
        if self.n == 0:
            return float("nan")
        ss_tot = np.maximum(self.s_tt - self.s_t * self.s_t / self.n, 0.0)
        return float(np.mean(_r2_columns(np.asarray(self.ss_res), np.asarray(ss_tot))))


_NAMES = ("accuracy", "acc", "mse", "mae", "r2")


def get_metric(metric: str | Callable[..., float] | Metric, threshold: float = 0.5) -> Metric:
    """A fresh accumulator for a metric name ("accuracy", "mse", "mae", "r2"), a function
    ``fn(output, target) -> float`` (averaged over batches, named ``fn.__name__``) or a
    :class:`Metric` (returned as is)."""
    if isinstance(metric, Metric):
        return metric
    if callable(metric):
        return Metric(getattr(metric, "__name__", "metric"), metric)
    if metric in ("accuracy", "acc"):
        return _Accuracy(threshold)
    if metric in ("mse", "mae"):
        return _MeanError(metric, 2 if metric == "mse" else 1)
    if metric == "r2":
        return _R2()
    raise ValueError(f"unknown metric {metric!r}; use one of {_NAMES} or a function")


def metrics_for_loss(
    task: str, metrics: Sequence[str | Callable[..., float] | Metric] | None
) -> list[Metric]:
    """The metrics of a fit: ``metrics`` if given, else "accuracy" for classification tasks
    and "mse", "mae", "r2" for regression; none for other losses.

    ``task`` is what the fit loop found from the loss: "multiclass", "binary_logits"
    (threshold 0), "binary_probs" (threshold 0.5), "regression" or "other".
    """
    threshold = 0.0 if task == "binary_logits" else 0.5
    if metrics is None:
        if task in ("multiclass", "binary_logits", "binary_probs"):
            metrics = ["accuracy"]
        elif task == "regression":
            metrics = ["mse", "mae", "r2"]
        else:
            metrics = []
    elif isinstance(metrics, (str, Metric)) or callable(metrics):
        metrics = [metrics]
    return [get_metric(m, threshold) for m in metrics]
