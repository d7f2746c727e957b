"""Plots that show what happens inside a network (matplotlib, Agg backend, no pyplot state).

Every function returns a ``matplotlib.figure.Figure`` and, given ``path``, also writes it
there (PNG or SVG by the file's extension). Nothing opens a window, so they work on
servers and in tests; in Jupyter a returned figure displays itself (it has ``_repr_png_``),
no ``%matplotlib inline`` needed::

    plot_loss_curve(history, "loss.png")                   # train / val loss per epoch
    plot_confusion_matrix(cm, labels, "confusion.png")     # counts, rows true
    plot_confusion_matrix(model, X=X, y=y)                 # a module's or estimator's counts
    plot_decision_boundary(model, X, y, "boundary.png")    # module or estimator, 2-D inputs
    plot_roc_curve(y_true, p_positive, "roc.png")          # TPR against FPR, with the AUC
    plot_roc_curve(y_true, model, X=X)                     # its scores; one-vs-rest for k > 2
    plot_gradient_histograms(model, X, y, nn.CrossEntropyLoss(), "grads.png")
    plot_function_fit(x, y, model, "fit.png")              # a network's fit of a 1-D function
    plot_computation_graph(loss, model, "graph.png")       # the graph backward walks
    plot_gradient_flow({"sigmoid": a, "relu": b}, X, y, loss)   # vanishing gradients
    plot_universal_approximation(f, (-4, 4))               # 1, 2, 3, 6, 13 ReLU units
    plot_perceptron_run(perceptron_run(X, t, 0.5))         # boundary after each update
    plot_loss_surface(J, optimizer_paths(J, w0, optimizers))    # contours + paths
    plot_adversarial(model, x, y, eps)                     # x + eps sign(grad_x J)

The numbers behind the last four come from :mod:`rosenblatt.demos.lessons`. The decision
boundary, ROC curve and confusion matrix are drawn by scikit-learn's display classes
(``DecisionBoundaryDisplay``, ``RocCurveDisplay``, ``ConfusionMatrixDisplay``), kept as the
returned figure's ``display_``; a model is a ``rosenblatt.nn`` module (its outputs are
logits: one column is read through the sigmoid, several through the softmax) or a fitted
estimator of ``rosenblatt.models`` or scikit-learn.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .autograd import no_grad
from .tensor import Tensor

__all__ = [
    "Graph",
    "GraphNode",
    "computation_graph",
    "confusion",
    "decision_grid",
    "gradient_flow",
    "layer_gradients",
    "plot_adversarial",
    "plot_computation_graph",
    "plot_confusion_matrix",
    "plot_decision_boundary",
    "plot_decision_regions",
    "plot_function_fit",
    "plot_gradient_flow",
    "plot_gradient_histograms",
    "plot_graph",
    "plot_loss_curve",
    "plot_loss_surface",
    "plot_perceptron_run",
    "plot_roc_curve",
    "plot_universal_approximation",
    "roc_scores",
]

PathLike = str | os.PathLike


_FIGURE_CLASS: Any = None


def _figure_class() -> Any:
    """``matplotlib.figure.Figure`` plus ``_repr_png_``: IPython shows an object that has
    one as its picture, so a figure returned by a cell displays itself in Jupyter with no
    ``%matplotlib inline`` and without pyplot (whose inline backend would draw it twice)."""
    global _FIGURE_CLASS
    if _FIGURE_CLASS is None:
        from matplotlib.figure import Figure

        class ReprFigure(Figure):
            """A matplotlib Figure that renders itself as PNG in Jupyter."""

            def _repr_png_(self) -> bytes:
                buffer = io.BytesIO()
                self.savefig(buffer, format="png", dpi=100)
                return buffer.getvalue()

        ReprFigure.__module__ = __name__
        ReprFigure.__qualname__ = "ReprFigure"  # pickled as rosenblatt.viz.ReprFigure
        _FIGURE_CLASS = ReprFigure
    return _FIGURE_CLASS


def __getattr__(name: str) -> Any:  # rosenblatt.viz.ReprFigure, made on first use (pickle)
    if name == "ReprFigure":
        return _figure_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _figure(width: float = 6.4, height: float = 4.8) -> Any:
    """A Figure on an Agg canvas (not registered with pyplot, so never leaked or shown by a
    backend); it displays itself when it is the value of a notebook cell."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = _figure_class()(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _finish(fig: Any, path: PathLike | None) -> Any:
    """Save the figure (atomically: a killed process leaves no half-written picture; the
    format follows the file's extension) and return it."""
    if path is not None:
        from .io import atomic_path

        with atomic_path(path) as tmp:
            fig.savefig(os.fspath(tmp), dpi=100)
    return fig


def _history_dict(history: Any) -> Mapping[str, Sequence[float]]:
    """The per-epoch values a loss curve draws: a History's ``history`` dict, an
    estimator's ``history`` (rb.models) or its ``loss_curve_`` (scikit-learn's MLP), or
    the dict itself."""
    data = getattr(history, "history", history)
    if not isinstance(data, Mapping) and hasattr(history, "loss_curve_"):
        data = {"loss": list(history.loss_curve_)}
    if not isinstance(data, Mapping) or "loss" not in data:
        raise ValueError(
            "plot_loss_curve: expected a History, a fitted estimator with loss_curve_ or a "
            f"dict with a 'loss' list, got {type(history).__name__}"
        )
    return data


def _outputs(model: Any, X: np.ndarray) -> np.ndarray:
    """model(X) as a float64 array, in eval mode and without building a graph."""
    params = list(model.parameters()) if hasattr(model, "parameters") else []
    dtype = params[0]._data.dtype if params else np.float32
    was_training = getattr(model, "training", None)
    if was_training is not None:
        model.eval()
    try:
        with no_grad():
            out = model(Tensor._make(np.ascontiguousarray(X, dtype=dtype), None))
    finally:
        if was_training is not None:
            model.train(was_training)
    return np.asarray(out._data, dtype=np.float64)


def _class_scores(out: np.ndarray) -> np.ndarray:
    """Class probabilities from a module's outputs z: [sigma(-z), sigma(z)] with
    sigma(z) = 1 / (1 + e^-z) for one logit column, softmax(z)_k = e^z_k / sum_j e^z_j for
    several -- the ops' sigmoid and softmax, as the estimators' predict_proba."""
    from .models._base import class_probabilities

    out = out.reshape(len(out), -1)
    return class_probabilities(out[:, 0] if out.shape[1] == 1 else out)


def _is_module(model: Any) -> bool:
    return callable(getattr(model, "parameters", None)) and callable(model)


def _is_outlier_detector(model: Any) -> bool:
    """scikit-learn's outlier detectors (and rb.models.AutoencoderAnomalyDetector):
    ``predict`` gives +1 (inlier) / -1 (outlier), there are no ``classes_``."""
    from sklearn.base import is_outlier_detector

    return hasattr(model, "__sklearn_tags__") and is_outlier_detector(model)


def _model_inputs(X: Any, preprocessing: Any) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    return X if preprocessing is None else preprocessing.transform(X)


# ============================================================================ training
def plot_loss_curve(
    history: Any, path: PathLike | None = None, *, title: str = "Loss", log_scale: bool = False
) -> Any:
    """Loss J per epoch (training and, if present, validation); metrics in a second panel.

    Parameters
    ----------
    history : History, dict or fitted estimator
        ``rb.fit``'s History, or its ``history`` dict: "loss" and optionally "val_loss",
        "accuracy"/"val_accuracy" or "r2"/"val_r2"; or an estimator trained epoch by epoch
        (its ``history``, else its ``loss_curve_``: rb.models' and scikit-learn's MLPs).
    path : str or Path, optional
        Where to write the figure.
    log_scale : bool
        A logarithmic loss axis (useful when the loss falls by decades).

    Returns
    -------
    matplotlib.figure.Figure
        Axes 0 holds the loss lines, labelled "train" and "validation".
    """
    h = _history_dict(history)
    metric = next((m for m in ("accuracy", "r2") if m in h), None)
    fig = _figure(10.0 if metric else 6.4, 4.2)
    axes = fig.subplots(1, 2 if metric else 1, squeeze=False)[0]
    epochs = np.arange(1, len(h["loss"]) + 1)
    ax = axes[0]
    ax.plot(epochs, h["loss"], marker=".", label="train")
    if "val_loss" in h:
        ax.plot(epochs, h["val_loss"], marker=".", label="validation")
    ax.set(xlabel="epoch", ylabel="loss", title=title)
    if log_scale:
        ax.set_yscale("log")
    ax.legend()
    ax.grid(alpha=0.3)
    if metric:
        ax = axes[1]
        ax.plot(epochs, h[metric], marker=".", label="train")
        if f"val_{metric}" in h:
            ax.plot(epochs, h[f"val_{metric}"], marker=".", label="validation")
        ax.set(xlabel="epoch", ylabel=metric, title=metric.capitalize())
        ax.legend()
        ax.grid(alpha=0.3)
    return _finish(fig, path)


# ============================================================================ classifiers
def _codes_of(labels: np.ndarray, classes: np.ndarray, who: str) -> np.ndarray:
    """Index of each label in the sorted ``classes``; a label they lack is an error."""
    codes = np.clip(np.searchsorted(classes, labels), 0, len(classes) - 1)
    if not np.array_equal(classes[codes], labels):
        unknown = sorted(set(labels.tolist()) - set(classes.tolist()))[:5]
        raise ValueError(f"{who} labels {unknown} that y does not hold (y has {classes.tolist()})")
    return codes


def _predicted_codes(model: Any, grid: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Class index (into ``classes``) that a model predicts at each row of ``grid``.

    A module: arg-max of its class probabilities (one logit: class 1 where z > 0). An
    estimator: ``predict`` mapped onto ``classes`` (an outlier detector's -1 is class 1,
    "anomaly", when the classes are 0/1); without ``predict``, the arg-max of
    ``predict_proba`` or of ``decision_function`` (one column: class 1 where it is > 0).
    """
    if _is_module(model):
        return _class_scores(_outputs(model, grid)).argmax(axis=1)
    if hasattr(model, "predict"):
        labels = np.asarray(model.predict(grid)).ravel()
        if _is_outlier_detector(model) and set(classes.tolist()) <= {0, 1}:
            labels = (labels == -1).astype(classes.dtype)  # -1 (outlier) = 1 (anomaly)
        return _codes_of(labels, classes, "plot_decision_boundary: the estimator predicts")
    for method in ("predict_proba", "decision_function"):
        if hasattr(model, method):
            scores = np.asarray(getattr(model, method)(grid), dtype=np.float64)
            if scores.ndim == 1 or scores.shape[1] == 1:
                return (scores.reshape(-1) > (0.5 if method == "predict_proba" else 0.0)).astype(
                    int
                )
            return scores.argmax(axis=1)
    raise TypeError(
        f"plot_decision_boundary: {type(model).__name__} is neither a module nor an estimator "
        "with predict, predict_proba or decision_function"
    )


def _class_names(model: Any, y: np.ndarray) -> np.ndarray:
    """The labels a model's class indices refer to: an estimator's ``classes_``, else the
    sorted labels of y (a module's output k is the k-th of them)."""
    classes = None if _is_module(model) else getattr(model, "classes_", None)
    return np.asarray(classes) if classes is not None else np.unique(y)


def plot_confusion_matrix(
    cm: Any,
    labels: Sequence[Any] | None = None,
    path: PathLike | None = None,
    *,
    title: str = "Confusion matrix",
    X: Any = None,
    y: Any = None,
    preprocessing: Any = None,
) -> Any:
    """C[i, j] = number of samples of true class i predicted as class j, as a heat map with
    the counts written in the cells (scikit-learn's ``ConfusionMatrixDisplay``).

    Parameters
    ----------
    cm : array_like, shape (k, k), or a model
        Counts, e.g. ``sklearn.metrics.confusion_matrix(y_true, y_pred)``; or, with ``X``
        and ``y``, a fitted estimator (its ``predict``, classes ``classes_``) or an
        ``nn.Module`` (arg-max of its outputs; output k is the k-th label of
        ``np.unique(y)``), whose predictions on X are counted against y.
    labels : sequence, optional
        Class names, in the order of the rows (default: the classes, or 0 .. k-1).
    X, y : array_like, optional
        Inputs and true labels, when ``cm`` is a model.
    preprocessing : Preprocessor, optional
        ``preprocessing.transform`` is applied to X before the model.

    Returns
    -------
    matplotlib.figure.Figure
        Its axes hold the image (``ax.images[0].get_array()`` is C) and one text per cell;
        ``fig.display_`` is the ``ConfusionMatrixDisplay``.
    """
    from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix

    if X is not None:
        if y is None:
            raise ValueError("plot_confusion_matrix: a model needs the true labels y with X")
        y = np.asarray(y).ravel()
        classes = _class_names(cm, y)
        predicted = _predicted_codes(cm, _model_inputs(X, preprocessing), classes)
        true = _codes_of(y, classes, "plot_confusion_matrix: y holds")
        k = max(len(classes), int(predicted.max(initial=0)) + 1)
        names = list(classes) + list(range(len(classes), k))
        cm = confusion_matrix(true, predicted, labels=np.arange(k))
        labels = names if labels is None else labels
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"plot_confusion_matrix: cm must be square (k, k), got shape {cm.shape}")
    k = cm.shape[0]
    labels = list(range(k)) if labels is None else list(labels)
    if len(labels) != k:
        raise ValueError(f"plot_confusion_matrix: {len(labels)} labels for a {k}x{k} matrix")
    names = [str(c) for c in labels]
    size = min(3.0 + 0.45 * k, 12.0)
    fig = _figure(size + 1.0, size)
    ax = fig.subplots()
    display = ConfusionMatrixDisplay(cm, display_labels=names).plot(
        ax=ax,
        cmap="Blues",
        values_format="d" if cm.dtype.kind in "iu" else "g",
        xticks_rotation=45 if max(map(len, names), default=0) > 3 else "horizontal",
        text_kw={"fontsize": 8},
    )
    ax.set(xlabel="predicted", ylabel="true", title=title)
    fig.display_ = display
    return _finish(fig, path)


def _roc_scores(model: Any, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, Any, Any]:
    """(scores, classes, positive label) of a model for an ROC curve, higher = positive.

    A module: its class probabilities (sigmoid or softmax of the outputs). An outlier
    detector: ``anomaly_score`` (else -``decision_function``) with 1 = anomaly, or
    ``decision_function`` with +1 = inlier when y holds scikit-learn's -1/+1. Otherwise
    ``predict_proba``, else ``decision_function``.
    """
    if _is_module(model):
        return _class_scores(_outputs(model, X)), np.unique(y), None
    if _is_outlier_detector(model):
        if -1 in set(y.tolist()):
            return np.asarray(model.decision_function(X), dtype=np.float64), None, 1
        if hasattr(model, "anomaly_score"):
            return np.asarray(model.anomaly_score(X), dtype=np.float64), None, 1
        return -np.asarray(model.decision_function(X), dtype=np.float64), None, 1
    classes = _class_names(model, y)
    for method in ("predict_proba", "decision_function"):
        if hasattr(model, method):
            return np.asarray(getattr(model, method)(X), dtype=np.float64), classes, None
    raise TypeError(
        f"plot_roc_curve: {type(model).__name__} gives no scores (no predict_proba, "
        "decision_function or module outputs)"
    )


def roc_scores(estimator: Any, X: Any) -> np.ndarray:
    """The score an ROC curve thresholds, higher = positive: p(classes_[1] | x) of
    ``predict_proba``, else an anomaly detector's ``anomaly_score`` (positive = anomaly),
    else ``decision_function`` (for ``rb.viz.plot_roc_curve(y, roc_scores(est, X))``)."""
    if hasattr(estimator, "predict_proba"):
        p = estimator.predict_proba(X)
        if p.shape[1] != 2:
            raise ValueError(f"roc_scores: {type(estimator).__name__} has {p.shape[1]} classes")
        return p[:, 1]
    for method in ("anomaly_score", "decision_function"):
        if hasattr(estimator, method):
            return np.asarray(getattr(estimator, method)(X), dtype=np.float64).ravel()
    raise TypeError(f"roc_scores: {type(estimator).__name__} gives no scores")


def confusion(estimator: Any, X: Any, y: Any) -> tuple[np.ndarray, list[Any]]:
    """(C, labels): C[i, j] samples of class labels[i] predicted as labels[j], with the
    estimator's ``classes_`` (for ``rb.viz.plot_confusion_matrix(*confusion(est, X, y))``)."""
    from sklearn.metrics import confusion_matrix

    labels = list(estimator.classes_)
    return confusion_matrix(y, estimator.predict(X), labels=labels), labels


def plot_roc_curve(
    y_true: Any,
    scores: Any,
    path: PathLike | None = None,
    *,
    title: str = "ROC curve",
    X: Any = None,
    preprocessing: Any = None,
    pos_label: Any = None,
    class_names: Sequence[Any] | None = None,
) -> Any:
    """Receiver operating characteristic: TPR = TP / (TP + FN) against FPR = FP / (FP + TN)
    as the decision threshold on ``scores`` falls; the area under it (AUC) in the legend.
    Drawn by scikit-learn's ``RocCurveDisplay.from_predictions``; several classes give one
    curve per class, that class against the rest (one-vs-rest).

    Parameters
    ----------
    y_true : array_like, shape (n,)
        Labels: 0/1 (or False/True, -1/+1) with 1 the positive class, or any labels (then
        the positive class is ``pos_label``, by default the greater of the two).
    scores : array_like, shape (n,) or (n, k), or a model
        Scores of the positive class (a probability or a logit), or one column per class
        (k = 2: column 1 is the positive class; k > 2: one-vs-rest). With ``X``, a model:
        an ``nn.Module`` (its sigmoid/softmax probabilities, output k the k-th label of
        ``np.unique(y_true)``) or a fitted estimator (``predict_proba``, else
        ``decision_function``; an outlier detector's ``anomaly_score``).
    X : array_like, optional
        Inputs, when ``scores`` is a model.
    preprocessing : Preprocessor, optional
        ``preprocessing.transform`` is applied to X before the model.
    pos_label : optional
        The positive class of a binary problem.
    class_names : sequence, optional
        Names of the k classes (columns) for the legend.

    Returns
    -------
    matplotlib.figure.Figure
        Lines 0 .. c-1 are the curves (``get_xdata()`` FPR, ``get_ydata()`` TPR, as
        ``sklearn.metrics.roc_curve``), line c the chance diagonal; ``fig.display_`` is the
        ``RocCurveDisplay`` (a list of them, one per class, for one-vs-rest).
    """
    from matplotlib import colormaps
    from sklearn.metrics import RocCurveDisplay

    y_true = np.asarray(y_true).ravel()
    classes = None
    if X is not None:
        scores, classes, positive = _roc_scores(scores, _model_inputs(X, preprocessing), y_true)
        pos_label = positive if pos_label is None else pos_label
    scores = np.asarray(scores, dtype=np.float64)
    scores = scores[:, 0] if scores.ndim == 2 and scores.shape[1] == 1 else scores
    if len(y_true) != len(scores):
        raise ValueError(
            f"plot_roc_curve: {len(y_true)} labels but {len(scores)} scores; one score each"
        )
    present = np.unique(y_true)
    if classes is None:
        classes = present if scores.ndim == 1 or len(present) == scores.shape[1] else None
    if classes is None:
        classes = np.arange(scores.shape[1])
    curves: list[tuple[np.ndarray, np.ndarray, str]] = []  # (y == positive, score, name)
    if scores.ndim == 1 or scores.shape[1] == 2:
        if len(present) != 2:
            raise ValueError("plot_roc_curve: y_true must hold both classes (0 and 1)")
        if pos_label is None:  # an estimator's classes_[1], else the greater label
            pos_label = classes[1] if len(classes) == 2 else present[1]
        positive = pos_label
        column = scores if scores.ndim == 1 else scores[:, 1]
        curves.append((y_true == positive, column, ""))
    else:
        names = [str(c) for c in (classes if class_names is None else class_names)]
        if len(names) != scores.shape[1]:
            raise ValueError(
                f"plot_roc_curve: {scores.shape[1]} score columns but {len(names)} classes"
            )
        for c, name in enumerate(names):
            positive = y_true == classes[c]
            if positive.all() or not positive.any():
                raise ValueError(
                    f"plot_roc_curve: y_true has no sample, or only samples, of class {name}"
                )
            curves.append((positive, scores[:, c], f"{name} vs rest: "))
    fig = _figure(5.0, 5.0)
    ax = fig.subplots()
    colours = colormaps["tab10"]
    displays = []
    for i, (positive, column, name) in enumerate(curves):
        last = i == len(curves) - 1
        display = RocCurveDisplay.from_predictions(
            positive,
            column,
            pos_label=True,
            ax=ax,
            curve_kwargs={"color": colours(i % 10)},
            plot_chance_level=last,
            chance_level_kw={"label": "chance", "color": "grey", "linestyle": "--"},
        )
        display.line_.set_label(f"{name}AUC = {display.roc_auc:.4f}")
        displays.append(display)
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title=title)
    ax.set(xlim=(0, 1), ylim=(0, 1.01))
    ax.legend(loc="lower right", fontsize=8 if len(curves) > 1 else None)
    ax.grid(alpha=0.3)
    fig.display_ = displays[0] if len(displays) == 1 else displays
    return _finish(fig, path)


def decision_grid(
    model: Any,
    X: Any,
    resolution: int = 200,
    preprocessing: Any = None,
    margin: float = 0.5,
    classes: Any = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The predicted class on a grid over the range of 2-D X (plus ``margin``): the grid of
    scikit-learn's ``DecisionBoundaryDisplay.from_estimator`` (``eps=margin``,
    ``grid_resolution=resolution``).

    Parameters
    ----------
    model : nn.Module or estimator
        A module (arg-max of its outputs; one logit: class 1 where z > 0) or anything with
        ``predict``, ``predict_proba`` or ``decision_function`` (scikit-learn's or
        ``rb.models``' estimators).
    classes : array_like, optional
        The labels, sorted; an estimator's predictions are coded as indices into them
        (default: the estimator's ``classes_``).

    Returns
    -------
    xx, yy : arrays, shape (resolution, resolution)
        Grid coordinates in the units of X.
    classes : int array, shape (resolution, resolution)
        Index of the predicted class at each grid point.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(
            f"plot_decision_boundary: needs 2-D inputs (n, 2), got X of shape {X.shape}"
        )
    lo, hi = X.min(axis=0) - margin, X.max(axis=0) + margin
    xx, yy = np.meshgrid(
        np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    )
    grid = _model_inputs(np.column_stack([xx.ravel(), yy.ravel()]), preprocessing)
    if classes is None:
        classes = getattr(model, "classes_", None)
    labels = np.unique(np.asarray(classes)) if classes is not None else np.arange(2)
    return xx, yy, _predicted_codes(model, grid, labels).reshape(xx.shape)


def plot_decision_boundary(
    model: Any,
    X: Any,
    y: Any,
    path: PathLike | None = None,
    *,
    preprocessing: Any = None,
    resolution: int = 200,
    title: str = "Decision boundary",
    class_names: Sequence[Any] | None = None,
    margin: float = 0.5,
) -> Any:
    """The regions where a classifier of 2-D inputs predicts each class, with the samples
    and a legend of the classes. The regions are scikit-learn's ``DecisionBoundaryDisplay``
    of the class predicted on :func:`decision_grid`, so modules, estimators and
    preprocessing go through one path.

    Parameters
    ----------
    model : nn.Module or estimator
        A module with one logit (class 1 where z > 0) or one score per class (arg-max), or
        a fitted estimator with ``predict`` / ``predict_proba`` / ``decision_function``
        (scikit-learn's, ``rb.models``'; an outlier detector's -1 is class 1 of 0/1 labels).
    X : array_like, shape (n, 2)
        Raw inputs; ``preprocessing.transform`` is applied to the grid before the model.
    y : array_like, shape (n,)
        Class labels of the samples (their colour). A module's output k is the k-th
        label of ``np.unique(y)``.
    preprocessing : Preprocessor, optional
    class_names : sequence, optional
        Names for the legend, in the order of ``np.unique(y)``.
    margin : float
        How far the grid reaches beyond the samples, in the units of X.

    Returns
    -------
    matplotlib.figure.Figure
        Its axes hold the filled regions (``collections[0]``), one scatter of the samples
        per class (labelled in the legend) and the legend; ``fig.display_`` is the
        ``DecisionBoundaryDisplay`` (``xx0``, ``xx1`` the grid, ``response`` the index of
        the predicted class in ``np.unique(y)``).
    """
    from matplotlib import colormaps
    from sklearn.inspection import DecisionBoundaryDisplay

    labels, y_codes = np.unique(np.asarray(y), return_inverse=True)
    xx, yy, codes = decision_grid(model, X, resolution, preprocessing, margin, classes=labels)
    X = np.asarray(X, dtype=np.float64)
    names = [str(c) for c in (labels if class_names is None else class_names)]
    k = max(int(codes.max()) + 1, len(labels), 2)
    cmap = colormaps["coolwarm"] if k <= 2 else colormaps["tab10"]
    colours = [cmap(i / max(k - 1, 1)) if k <= 2 else cmap(i % 10) for i in range(k)]
    fig = _figure(5.5, 5.0)
    ax = fig.subplots()
    display = DecisionBoundaryDisplay(
        xx0=xx, xx1=yy, n_classes=k, response=codes, multiclass_colors=colours
    )
    binary = {"levels": [-0.5, 0.5, 1.5], "colors": colours} if k == 2 else {}
    display.plot(ax=ax, plot_method="contourf", xlabel="x1", ylabel="x2", alpha=0.3, **binary)
    for c, name in enumerate(names):
        ax.scatter(*X[y_codes == c].T, color=colours[c], edgecolors="k", label=f"class {name}")
    ax.set(title=title)
    ax.legend(loc="best", fontsize=8)
    fig.display_ = display
    return _finish(fig, path)


plot_decision_regions = plot_decision_boundary


# ============================================================================ inside
def layer_gradients(model: Any, X: Any, y: Any, loss: Callable[..., Any]) -> dict[str, np.ndarray]:
    """dJ/dW of every weight (parameters with two or more dimensions) after one backward pass
    of J = loss(model(X), y) on the given batch; the model's .grad values are left as they
    were before the call.

    Returns
    -------
    dict name -> array
        In layer order, e.g. {"0.weight": ..., "2.weight": ...}.
    """
    named = [(n, p) for n, p in model.named_parameters() if p._data.ndim >= 2]
    saved = {n: p._grad for n, p in model.named_parameters()}
    dtype = named[0][1]._data.dtype if named else np.float32
    y_arr = np.asarray(y)
    if y_arr.dtype.kind == "f":
        y_arr = y_arr.astype(dtype)
    was_training = model.training
    try:
        for _, p in model.named_parameters():
            p._grad = None
        model.train()
        J = loss(model(Tensor._make(np.ascontiguousarray(X, dtype=dtype), None)), y_arr)
        J.backward()
        return {n: np.array(p._grad._data, copy=True) for n, p in named if p._grad is not None}
    finally:
        model.train(was_training)
        for n, p in model.named_parameters():
            p._grad = saved[n]


def plot_gradient_histograms(
    model: Any,
    X: Any,
    y: Any,
    loss: Callable[..., Any],
    path: PathLike | None = None,
    *,
    bins: int = 40,
    title: str = "Gradients per layer",
) -> Any:
    """One histogram of log10 |dJ/dw| per layer, first layer at the top: vanishing
    gradients show as histograms that drift left layer by layer towards the input.

    Parameters
    ----------
    model, X, y, loss
        One backward pass of ``loss(model(X), y)`` (see :func:`layer_gradients`).
    bins : int

    Returns
    -------
    matplotlib.figure.Figure
        One axes per weight, titled with its name and the RMS of its gradient.
    """
    grads = layer_gradients(model, X, y, loss)
    if not grads:
        raise ValueError("plot_gradient_histograms: the model has no weights with gradients")
    logs = {n: np.log10(np.abs(g.astype(np.float64)).ravel() + 1e-30) for n, g in grads.items()}
    finite = np.concatenate([v[v > -30] for v in logs.values()])
    lo, hi = (finite.min(), finite.max()) if finite.size else (-10.0, 0.0)
    edges = np.linspace(lo, hi if hi > lo else lo + 1, bins + 1)
    fig = _figure(6.4, 1.6 + 1.3 * len(grads))
    axes = fig.subplots(len(grads), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (name, g) in zip(axes, grads.items()):
        values = np.clip(logs[name], edges[0], edges[-1])
        ax.hist(values, bins=edges)
        rms = float(np.sqrt(np.mean(g.astype(np.float64) ** 2)))
        ax.set_title(f"{name}  (RMS {rms:.2e})", fontsize=9)
        ax.set_ylabel("count")
    axes[-1].set_xlabel("log10 |dJ/dw|")
    fig.suptitle(title)
    return _finish(fig, path)


def plot_function_fit(
    x: Any,
    y: Any,
    model: Any,
    path: PathLike | None = None,
    *,
    preprocessing: Any = None,
    target: Callable[[np.ndarray], np.ndarray] | None = None,
    title: str = "Universal approximation",
) -> Any:
    """A network's fit of a 1-D function: the samples (x, y), the network's curve on a fine
    grid and, if given, the true function -- one hidden layer of enough units approximates
    any continuous function on an interval (the universal approximation theorem).

    Parameters
    ----------
    x, y : array_like, shape (n,)
        Training samples.
    model : nn.Module
        Maps (m, 1) inputs to (m, 1) outputs.
    preprocessing : Preprocessor, optional
        Applied to the grid before the model; its target scaling is undone on the output.
    target : callable, optional
        The true function, drawn dashed.

    Returns
    -------
    matplotlib.figure.Figure
        Line 0 is the network's curve (``get_xdata()`` the grid, ``get_ydata()`` the model).
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y, dtype=np.float64).ravel()
    grid = np.linspace(x.min(), x.max(), 400).reshape(-1, 1)
    inputs = grid if preprocessing is None else preprocessing.transform(grid)
    out = _outputs(model, inputs).reshape(-1, 1)
    if preprocessing is not None and getattr(preprocessing, "task", None) == "regression":
        out = preprocessing.inverse_transform_targets(out)
    fig = _figure(6.4, 4.2)
    ax = fig.subplots()
    ax.plot(grid[:, 0], np.asarray(out, dtype=np.float64)[:, 0], label="network", linewidth=2)
    if target is not None:
        ax.plot(grid[:, 0], target(grid[:, 0]), "--", color="grey", label="target function")
    ax.scatter(x, y, s=10, color="k", alpha=0.5, label="samples")
    ax.set(xlabel="x", ylabel="y", title=title)
    ax.legend()
    ax.grid(alpha=0.3)
    return _finish(fig, path)


# ============================================================================ computation graph
@dataclass
class GraphNode:
    """One node of a computation graph: an op (``kind="op"``, named by its backward node,
    e.g. "SigmoidBackward0") or a leaf tensor that requires grad (``kind="leaf"``)."""

    name: str
    kind: str
    tensor: Any = None  # the leaf's tensor (kind "leaf")


@dataclass
class Graph:
    """Nodes in the order a walk from the output finds them (node 0 is the output's), and
    edges (input node, consumer node, shape of the tensor passed along or None)."""

    nodes: list[GraphNode]
    edges: list[tuple[int, int, tuple[int, ...] | None]]
    output_shape: tuple[int, ...]


def _short_shape(shape: Any) -> tuple[int, ...] | None:
    return None if shape is None else tuple(int(d) for d in shape)


def computation_graph(output: Any, module: Any = None) -> Graph:
    """Walk the graph that backward walks: from ``output.grad_fn`` along
    ``next_functions`` to the ``AccumulateGrad`` nodes of the leaves (iteratively, each node
    once). Constants (inputs that need no gradient) are not part of it, as in PyTorch.

    Works on rosenblatt tensors and on torch tensors alike (it reads only ``grad_fn``,
    ``next_functions``, ``name()`` and ``variable``).

    Parameters
    ----------
    output : Tensor
        The result (a loss, usually).
    module : nn.Module or dict name -> Tensor, optional
        Leaves that are its parameters are named by ``named_parameters()`` (or by the
        dict's keys).

    Returns
    -------
    Graph
        Leaf nodes are named by their parameter name, else "leaf".
    """
    names: dict[int, str] = {}
    if isinstance(module, Mapping):
        names = {id(t): n for n, t in module.items()}
    elif module is not None:
        names = {id(p): n for n, p in module.named_parameters()}
    nodes: list[GraphNode] = []
    index: dict[int, int] = {}
    edges: list[tuple[int, int, tuple[int, ...] | None]] = []

    def key(node: Any) -> int:
        variable = getattr(node, "variable", None)
        return id(variable) if variable is not None else id(node)

    def add(node: Any) -> tuple[int, bool]:
        k = key(node)
        if k in index:
            return index[k], False
        variable = getattr(node, "variable", None)
        if variable is not None:
            nodes.append(GraphNode(names.get(id(variable), "leaf"), "leaf", variable))
        else:
            nodes.append(GraphNode(node.name(), "op"))
        index[k] = len(nodes) - 1
        return index[k], True

    root = getattr(output, "grad_fn", None)
    if root is None:
        if getattr(output, "requires_grad", False):
            nodes.append(GraphNode(names.get(id(output), "leaf"), "leaf", output))
        return Graph(nodes, edges, tuple(int(d) for d in output.shape))
    add(root)
    stack = [root]
    while stack:
        node = stack.pop()
        consumer = index[key(node)]
        parents = getattr(node, "parents", None)  # rosenblatt's inputs: their shapes
        for position, (previous, _) in enumerate(node.next_functions):
            if previous is None:
                continue
            i, new = add(previous)
            shape = _short_shape(parents[position].shape) if parents is not None else None
            edges.append((i, consumer, shape))
            if new:
                stack.append(previous)
    return Graph(nodes, edges, tuple(int(d) for d in output.shape))


def _graph_layout(graph: Graph) -> np.ndarray:
    """(x, y) per node: y = the longest path from the node to the output (output at y = 0,
    leaves highest), x spread within each level, ordered by the mean x of the consumers."""
    n = len(graph.nodes)
    consumers: list[list[int]] = [[] for _ in range(n)]
    for i, j, _ in graph.edges:
        consumers[i].append(j)
    level = np.zeros(n, dtype=int)
    for _ in range(n):  # longest path by relaxation (the graph is a DAG)
        changed = False
        for i, j, _ in graph.edges:
            if level[i] < level[j] + 1:
                level[i], changed = level[j] + 1, True
        if not changed:
            break
    pos = np.zeros((n, 2))
    for depth in range(int(level.max(initial=0)) + 1):
        members = [i for i in range(n) if level[i] == depth]
        members.sort(
            key=lambda i: np.mean([pos[j, 0] for j in consumers[i]]) if consumers[i] else 0
        )
        for rank, i in enumerate(members):
            pos[i] = (rank - (len(members) - 1) / 2, depth)
    return pos


def _grad_text(t: Any) -> str:
    grad = getattr(t, "grad", None)
    if grad is None:
        return ""
    g = np.asarray(grad.detach().numpy() if hasattr(grad, "detach") else grad, dtype=np.float64)
    if g.size <= 4:
        return "\ngrad " + np.array2string(g.ravel(), precision=3, separator=" ")
    return f"\n|grad| {np.linalg.norm(g):.3g}"


def plot_computation_graph(
    output: Any,
    module: Any = None,
    path: PathLike | None = None,
    *,
    show_grad: bool = False,
    title: str = "Computation graph",
) -> Any:
    """The computation graph from a result back to its leaves, as backpropagation walks it.

    Each op is a box named by its backward node (as PyTorch names them, e.g.
    "SigmoidBackward0"), each leaf that requires grad a green box named by its parameter
    name; arrows run in the forward direction (input to op) and carry the shape of the
    tensor passed along (when known). The output is at the bottom, the leaves at the top.
    Pure matplotlib: no graphviz needed.

    Parameters
    ----------
    output : Tensor
        A result that requires grad, e.g. a loss (rosenblatt's or torch's).
    module : nn.Module or dict name -> Tensor, optional
        Names the leaves that are its parameters (or the dict's tensors).
    show_grad : bool
        Write each leaf's ``.grad`` (its values up to 4 numbers, else its norm): call
        ``output.backward()`` first.

    Returns
    -------
    matplotlib.figure.Figure
        Node boxes are texts with gid "node" (in ``computation_graph`` order), arrows
        annotations with gid "edge", shapes texts with gid "shape".
    """
    graph = computation_graph(output, module)
    if not graph.nodes:
        raise ValueError(
            "plot_computation_graph: the output has no graph (it does not require grad); "
            "compute it from tensors with requires_grad=True, outside no_grad()"
        )
    pos = _graph_layout(graph)
    width = pos[:, 0].max() - pos[:, 0].min() + 1
    height = pos[:, 1].max() + 1
    fig = _figure(min(2.4 + 2.2 * width, 16.0), min(1.2 + 1.25 * height, 16.0))
    ax = fig.subplots()
    colours = {"op": "#cfe2f3", "leaf": "#d9ead3"}
    boxes = []
    for node, (x, y) in zip(graph.nodes, pos):
        label = node.name
        if node.kind == "leaf":
            label += f"\n{_short_shape(node.tensor.shape)}"
            if show_grad:
                label += _grad_text(node.tensor)
        style = {"boxstyle": "round,pad=0.4", "fc": colours[node.kind], "ec": "0.3"}
        boxes.append(
            ax.text(x, y, label, ha="center", va="center", fontsize=8, gid="node", bbox=style)
        )
    for i, j, shape in graph.edges:
        ax.annotate(  # from the bottom of the input's box to the top of the consumer's
            "",
            xy=(0.5, 1.0),
            xycoords=boxes[j],
            xytext=(0.5, 0.0),
            textcoords=boxes[i],
            gid="edge",
            arrowprops={"arrowstyle": "-|>", "color": "0.35", "shrinkA": 6, "shrinkB": 6},
        )
        if shape is not None:
            mid = (pos[i] + pos[j]) / 2
            ax.text(
                *mid,
                str(shape),
                fontsize=7,
                color="0.25",
                ha="center",
                va="center",
                gid="shape",
                bbox={"fc": "white", "ec": "none", "pad": 0.5},
            )
    value = np.asarray(output.detach().numpy(), dtype=np.float64)
    shown = " = " + np.array2string(value, precision=4) if value.size <= 4 else ""
    ax.text(pos[0, 0], -0.55, f"output {graph.output_shape}{shown}", ha="center", fontsize=8)
    ax.set_xlim(pos[:, 0].min() - 0.8, pos[:, 0].max() + 0.8)
    ax.set_ylim(-0.8, pos[:, 1].max() + 0.6)
    ax.set_axis_off()
    ax.set_title(title)
    return _finish(fig, path)


plot_graph = plot_computation_graph


# ============================================================================ vanishing gradients
def gradient_flow(
    models: Mapping[str, Any], X: Any, y: Any, loss: Callable[..., Any]
) -> dict[str, dict[str, np.ndarray]]:
    """:func:`layer_gradients` of each model on the same batch: name -> {layer: dJ/dW}."""
    return {name: layer_gradients(model, X, y, loss) for name, model in models.items()}


def plot_gradient_flow(
    models: Any,
    X: Any,
    y: Any,
    loss: Callable[..., Any],
    path: PathLike | None = None,
    *,
    bins: int = 50,
    title: str = "Gradients per layer",
) -> Any:
    """Vanishing gradients as Glorot & Bengio (2010) drew them: for each model, the
    histograms of log10 |dJ/dw| of every layer overlaid (first layer dark, last light), and
    beside them the RMS of dJ/dW per layer, one line per model, on a log scale. In a deep
    sigmoid network the first layers' gradients are orders of magnitude below the last's
    (each layer multiplies by sigma' <= 1/4); with ReLU and He or Glorot init they are not.

    Parameters
    ----------
    models : nn.Module or dict name -> nn.Module
    X, y, loss
        One backward pass of ``loss(model(X), y)`` per model (see :func:`layer_gradients`).

    Returns
    -------
    matplotlib.figure.Figure
        The last axes hold the RMS lines (x: layer 1..L, y: RMS, labelled by model name).
    """
    from matplotlib import colormaps

    if not isinstance(models, Mapping):
        models = {"model": models}
    flows = gradient_flow(models, X, y, loss)
    logs = {
        name: {k: np.log10(np.abs(g.astype(np.float64)).ravel() + 1e-30) for k, g in grads.items()}
        for name, grads in flows.items()
    }
    finite = np.concatenate(
        [v[v > -30] for d in logs.values() for v in d.values()] or [np.zeros(1)]
    )
    edges = np.linspace(finite.min(), max(finite.max(), finite.min() + 1), bins + 1)
    fig = _figure(4.0 * (len(flows) + 1), 3.8)
    axes = fig.subplots(1, len(flows) + 1, squeeze=False)[0]
    cmap = colormaps["viridis"]
    for ax, (name, layers) in zip(axes, logs.items()):
        for i, values in enumerate(layers.values()):
            ax.hist(
                np.clip(values[values > -30], edges[0], edges[-1]),
                bins=edges,
                histtype="step",
                density=True,
                color=cmap(i / max(len(layers) - 1, 1)),
                label=f"layer {i + 1}",
            )
        ax.set(xlabel="log10 |dJ/dw| (zeros left out)", ylabel="density", title=name)
        ax.legend(fontsize=6, ncol=2)
    ax = axes[-1]
    for name, grads in flows.items():
        rms = [float(np.sqrt(np.mean(g.astype(np.float64) ** 2))) for g in grads.values()]
        ax.plot(np.arange(1, len(rms) + 1), rms, marker="o", label=name)
    ax.set_yscale("log")
    ax.set(xlabel="layer (1 = input side)", ylabel="RMS of dJ/dW", title="gradient size per layer")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.suptitle(title)
    return _finish(fig, path)


# ======================================================================= universal approximation
def plot_universal_approximation(
    f: Callable[[np.ndarray], np.ndarray],
    interval: tuple[float, float] = (-1.0, 1.0),
    units: Sequence[int] = (1, 2, 3, 6, 13),
    path: PathLike | None = None,
    *,
    title: str = "Universal approximation: f(x) ~ sum_i w_i ReLU(x + b_i)",
) -> Any:
    """The EDSF deck's slides: a 1-D function fitted by n = 1, 2, 3, 6, 13 ReLU units
    (:func:`rosenblatt.demos.lessons.relu_units_fit`), each unit's ramp w_i ReLU(x + b_i)
    drawn thin, their sum (the network) thick, the target dashed; the last panel shows the
    root-mean-square error on the interval against n.

    Returns
    -------
    matplotlib.figure.Figure
        Axes k (one per n): line 0 the network's curve, line 1 the target, lines 2.. the
        ramps; the last axes: the RMS of f - network on the grid against n.
    """
    from .demos.lessons import relu_units_fit

    lo, hi = interval
    x = np.linspace(lo, hi, 400)
    columns = 3
    rows = -(-(len(units) + 1) // columns)
    fig = _figure(4.0 * columns, 3.2 * rows)
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    errors = []
    for ax, n in zip(axes, units):
        fit = relu_units_fit(f, n, interval)
        curve = fit(x)
        errors.append(float(np.sqrt(np.mean((curve - f(x)) ** 2))))
        ax.plot(x, curve, color="k", linewidth=2, label="network")
        ax.plot(x, f(x), "--", color="tab:red", label="target f")
        for ramp in fit.ramps(x).T:
            ax.plot(x, ramp, linewidth=0.8, alpha=0.7)
        ax.set(
            title=f"{n} ReLU unit{'s' if n > 1 else ''}: RMS error {errors[-1]:.3f}",
            xlabel="x",
            ylabel="f(x)",
            xlim=interval,
        )
        span = float(np.ptp(f(x))) or 1.0
        ax.set_ylim(f(x).min() - 0.4 * span, f(x).max() + 0.4 * span)  # ramps may leave it
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    ax = axes[len(units)]
    ax.plot(list(units), errors, marker="o")
    ax.set(xlabel="number of ReLU units n", ylabel="RMS of f(x) - network(x)", title="error vs n")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    for extra in axes[len(units) + 1 :]:
        extra.set_axis_off()
    fig.suptitle(title)
    return _finish(fig, path)


# ============================================================================ perceptron
def _boundary(ax: Any, w: np.ndarray, xlim: tuple[float, float], ylim: tuple[float, float]) -> None:
    """Draw w0 + w1 x1 + w2 x2 = 0 (line 0 of ``ax``) and shade where w.x > 0."""
    xx, yy = np.meshgrid(np.linspace(*xlim, 60), np.linspace(*ylim, 60))
    s = w[0] + w[1] * xx + w[2] * yy
    if abs(w[2]) > 1e-12:
        x1 = np.array(xlim)
        ax.plot(x1, -(w[0] + w[1] * x1) / w[2], color="k")
    elif abs(w[1]) > 1e-12:
        ax.plot([-w[0] / w[1]] * 2, ylim, color="k")
    else:
        ax.plot([], [], color="k")  # w = 0: no boundary, every sample misclassified
    ax.contourf(xx, yy, s > 0, levels=[-0.5, 0.5, 1.5], colors=["#f4cccc", "#cfe2f3"], alpha=0.5)


def plot_perceptron_run(
    run: Any, path: PathLike | None = None, *, max_panels: int = 11, title: str | None = None
) -> Any:
    """The perceptron learning update by update: one panel per weight vector (the start,
    then after each update), with the boundary w0 + w1 x1 + w2 x2 = 0, the side w.x > 0
    shaded blue, the samples (o: t = +1, x: t = -1) and the sample that caused the update
    circled; the last panel counts the updates per epoch. On XOR they never reach 0.

    Parameters
    ----------
    run : PerceptronRun
        From :func:`rosenblatt.demos.lessons.perceptron_run` (2-D inputs).
    max_panels : int
        At most this many weight panels: the first ones and the last.

    Returns
    -------
    matplotlib.figure.Figure
        Weight panel k: line 0 is the boundary of ``run.weights[k]`` (of the shown ones),
        its title the weights; the last axes: a bar per epoch.
    """
    X, t = run.X, run.t
    if X.shape[1] != 2:
        raise ValueError(f"plot_perceptron_run: needs 2-D inputs, got {X.shape[1]} features")
    shown = list(range(len(run.weights)))
    if len(shown) > max_panels:
        shown = shown[: max_panels - 1] + shown[-1:]
    columns = min(4, len(shown) + 1)
    rows = -(-(len(shown) + 1) // columns)
    fig = _figure(3.0 * columns, 3.0 * rows)
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    xlim = (X[:, 0].min() - 0.5, X[:, 0].max() + 0.5)
    ylim = (X[:, 1].min() - 0.5, X[:, 1].max() + 0.5)
    for ax, k in zip(axes, shown):
        w = run.weights[k]
        _boundary(ax, w, xlim, ylim)
        ax.scatter(*X[t > 0].T, marker="o", color="tab:blue", label="t = +1")
        ax.scatter(*X[t < 0].T, marker="x", color="tab:red", label="t = -1")
        if k == 0:
            ax.set_title(f"start: w = {np.round(w, 3).tolist()}", fontsize=8)
        else:
            epoch, i = run.updates[k - 1]
            ax.scatter(*X[i], s=250, facecolors="none", edgecolors="k")
            ax.set_title(
                f"update {k} (epoch {epoch}, sample {i}):\nw = {np.round(w, 3).tolist()}",
                fontsize=8,
            )
        ax.set(xlim=xlim, ylim=ylim, xlabel="x1", ylabel="x2")
    axes[0].legend(fontsize=7, loc="upper left")
    ax = axes[len(shown)]
    epochs = np.arange(1, len(run.errors_per_epoch) + 1)
    ax.bar(epochs, run.errors_per_epoch, color="tab:gray")
    ax.set(xlabel="epoch", ylabel="updates (misclassified)", title="updates per epoch")
    for extra in axes[len(shown) + 1 :]:
        extra.set_axis_off()
    verdict = "converged" if run.converged else "did not converge"
    fig.suptitle(title or f"Perceptron, eta = {run.eta:g}: {len(run.updates)} updates, {verdict}")
    return _finish(fig, path)


# ============================================================================ optimizers
def plot_loss_surface(
    loss: Callable[[Any], Any],
    paths: Mapping[str, Any],
    path: PathLike | None = None,
    *,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    log_levels: bool = True,
    title: str = "Optimizers on the loss surface",
) -> Any:
    """Contours of a loss of two weights J(w1, w2) and the path of each optimizer on it
    (:func:`rosenblatt.demos.lessons.optimizer_paths`): the start a star, each step a dot.

    Parameters
    ----------
    loss : callable
        ``loss(w)`` evaluated on a Tensor w of shape (2, m) (the grid; as in
        ``optimizer_paths``, written with ``w[0]``, ``w[1]`` and operators).
    paths : dict name -> array, shape (steps + 1, 2)
    xlim, ylim : (lo, hi), optional
        The window; default: around all paths.
    log_levels : bool
        Contour levels spaced evenly in log J (for losses that span decades).

    Returns
    -------
    matplotlib.figure.Figure
        Line k is the path of the k-th optimizer (``get_xydata()`` equals it), labelled
        with its name and its final loss.
    """
    points = np.concatenate([np.asarray(p, dtype=np.float64) for p in paths.values()])
    span = np.maximum(points.max(0) - points.min(0), 1e-3)
    lo, hi = points.min(0) - 0.15 * span, points.max(0) + 0.15 * span
    xlim = xlim or (float(lo[0]), float(hi[0]))
    ylim = ylim or (float(lo[1]), float(hi[1]))
    w1, w2 = np.meshgrid(np.linspace(*xlim, 200), np.linspace(*ylim, 200))
    with no_grad():
        J = loss(Tensor._make(np.stack([w1.ravel(), w2.ravel()]), None))
    J = np.asarray(J.numpy() if hasattr(J, "numpy") else J, dtype=np.float64).reshape(w1.shape)
    fig = _figure(6.8, 5.6)
    ax = fig.subplots()
    if log_levels and J.min() > -np.inf:
        shift = J.min() - 1e-3 * (np.ptp(J) or 1.0)
        levels = shift + np.geomspace(J.min() - shift, J.max() - shift, 25)
    else:
        levels = 25
    ax.contour(w1, w2, J, levels=levels, colors="0.65", linewidths=0.6)
    for name, p in paths.items():
        p = np.asarray(p, dtype=np.float64)
        with no_grad():
            final = float(np.asarray(loss(Tensor._make(p[-1], None)).numpy()).sum())
        ax.plot(
            p[:, 0],
            p[:, 1],
            marker=".",
            markersize=4,
            linewidth=1.2,
            label=f"{name}: J = {final:.3g}",
        )
    first = np.asarray(next(iter(paths.values())))[0]
    ax.plot(*first, marker="*", markersize=14, color="k", linestyle="none")
    ax.set(xlim=xlim, ylim=ylim, xlabel="w1", ylabel="w2", title=title)
    ax.legend(fontsize=8, loc="best")
    return _finish(fig, path)


# ============================================================================ adversarial
def plot_adversarial(
    model: Any,
    x: Any,
    y: Any,
    eps: float,
    path: PathLike | None = None,
    *,
    image_shape: tuple[int, int] | None = None,
    epsilons: Sequence[float] | None = None,
    X_test: Any = None,
    y_test: Any = None,
    clip: tuple[float, float] | None = None,
    title: str = "Adversarial example: x + eps sign(grad_x J)",
) -> Any:
    """The EDSF deck's panda and gibbon on a small image: the input x with the model's
    answer, the perturbation eps sign(grad_x J(theta, x, y)) (FGSM,
    :func:`rosenblatt.demos.lessons.fgsm`), and x plus it with the new answer; with
    ``epsilons`` (and a test set) also the accuracy against eps.

    Parameters
    ----------
    model : nn.Module
        A classifier giving logits.
    x : array_like, shape (d,) or (1, d)
        One input (flattened image).
    y : int
        Its true class.
    eps : float
    image_shape : (h, w), optional
        How to show x (default: square).
    epsilons, X_test, y_test : optional
        The accuracy of ``model`` on FGSM inputs for each eps.
    clip : (lo, hi), optional
        Valid range of the inputs.

    Returns
    -------
    matplotlib.figure.Figure
        Axes 0-2 show x, the perturbation and x_adv (``images[0].get_array()``); axes 3, if
        present, the accuracy line.
    """
    from .demos.lessons import fgsm, fgsm_accuracy

    x = np.asarray(x).reshape(1, -1)
    x_adv = fgsm(model, x, [int(y)], eps, clip=clip)
    probs = [_class_scores(_outputs(model, v))[0] for v in (x, x_adv)]
    side = int(round(np.sqrt(x.shape[1])))
    shape = image_shape or (side, x.shape[1] // side)
    with_curve = epsilons is not None and X_test is not None and y_test is not None
    fig = _figure(11.5 if with_curve else 8.6, 3.2)
    axes = fig.subplots(1, 4 if with_curve else 3)
    vmin, vmax = clip if clip is not None else (float(x.min()), float(x.max()))
    panels = [
        (x, f"x: class {probs[0].argmax()} ({probs[0].max():.0%})", "gray_r", (vmin, vmax)),
        (x_adv - x, f"eps sign(grad_x J), eps = {eps:g}", "coolwarm", (-eps, eps)),
        (x_adv, f"x_adv: class {probs[1].argmax()} ({probs[1].max():.0%})", "gray_r", (vmin, vmax)),
    ]
    for ax, (image, label, cmap, (lo, hi)) in zip(axes, panels):
        ax.imshow(image.reshape(shape), cmap=cmap, vmin=lo, vmax=hi)
        ax.set_title(label, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    if epsilons is not None and with_curve:
        acc = fgsm_accuracy(model, X_test, y_test, epsilons, clip=clip)
        ax = axes[3]
        ax.plot(epsilons, acc, marker="o")
        ax.set(xlabel="eps", ylabel="accuracy", title="accuracy under FGSM", ylim=(0, 1.02))
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    return _finish(fig, path)
