"""Plots that show what happens inside a network (matplotlib, Agg backend, no pyplot state).

Every function returns a ``matplotlib.figure.Figure`` and, given ``path``, also writes it
there (PNG by the file's extension). Nothing opens a window, so they work on servers, in
tests and in notebooks (a returned Figure displays itself)::

    plot_loss_curve(history, "loss.png")                   # train / val loss per epoch
    plot_confusion_matrix(cm, labels, "confusion.png")     # counts, rows true
    plot_decision_boundary(model, X, y, "boundary.png")    # 2-D inputs: regions + samples
    plot_roc_curve(y_true, p_positive, "roc.png")          # TPR against FPR, with the AUC
    plot_gradient_histograms(model, X, y, nn.CrossEntropyLoss(), "grads.png")
    plot_function_fit(x, y, model, "fit.png")              # universal approximation, 1-D
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .autograd import no_grad
from .tensor import Tensor

__all__ = [
    "decision_grid",
    "layer_gradients",
    "plot_confusion_matrix",
    "plot_decision_boundary",
    "plot_function_fit",
    "plot_gradient_histograms",
    "plot_loss_curve",
    "plot_roc_curve",
]

PathLike = str | os.PathLike


def _figure(width: float = 6.4, height: float = 4.8) -> Any:
    """A Figure on an Agg canvas (not registered with pyplot, so never leaked or shown)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _finish(fig: Any, path: PathLike | None) -> Any:
    if path is not None:
        fig.savefig(os.fspath(path), dpi=100)
    return fig


def _history_dict(history: Any) -> Mapping[str, Sequence[float]]:
    data = getattr(history, "history", history)
    if not isinstance(data, Mapping) or "loss" not in data:
        raise ValueError(
            "plot_loss_curve: expected a History or a dict with a 'loss' list, got "
            f"{type(history).__name__}"
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
    """Class probabilities from outputs: [1 - s, s], s = sigmoid(z), for one logit column;
    softmax(z) for several."""
    out = out.reshape(len(out), -1)
    if out.shape[1] == 1:
        p = 1.0 / (1.0 + np.exp(-np.clip(out[:, 0], -500, 500)))
        return np.stack([1.0 - p, p], axis=1)
    e = np.exp(out - out.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# ============================================================================ training
def plot_loss_curve(
    history: Any, path: PathLike | None = None, *, title: str = "Loss", log_scale: bool = False
) -> Any:
    """Loss J per epoch (training and, if present, validation); metrics in a second panel.

    Parameters
    ----------
    history : History or dict
        ``rb.fit``'s History, or its ``history`` dict: "loss" and optionally "val_loss",
        "accuracy"/"val_accuracy" or "r2"/"val_r2".
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
def plot_confusion_matrix(
    cm: Any,
    labels: Sequence[Any] | None = None,
    path: PathLike | None = None,
    *,
    title: str = "Confusion matrix",
) -> Any:
    """C[i, j] = number of samples of true class i predicted as class j, as a heat map with
    the counts written in the cells.

    Parameters
    ----------
    cm : array_like, shape (k, k)
        Counts, e.g. ``sklearn.metrics.confusion_matrix(y_true, y_pred)``.
    labels : sequence, optional
        Class names, in the order of the rows.

    Returns
    -------
    matplotlib.figure.Figure
        Its axes hold the image (``ax.images[0].get_array()`` is cm) and one text per cell.
    """
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        raise ValueError(f"plot_confusion_matrix: cm must be square (k, k), got shape {cm.shape}")
    k = cm.shape[0]
    labels = list(range(k)) if labels is None else list(labels)
    if len(labels) != k:
        raise ValueError(f"plot_confusion_matrix: {len(labels)} labels for a {k}x{k} matrix")
    size = min(3.0 + 0.45 * k, 12.0)
    fig = _figure(size + 1.0, size)
    ax = fig.subplots()
    image = ax.imshow(cm, cmap="Blues")
    fig.colorbar(image, ax=ax, shrink=0.8)
    threshold = cm.max() / 2 if cm.size else 0
    for i in range(k):
        for j in range(k):
            color = "white" if cm[i, j] > threshold else "black"
            ax.text(j, i, f"{cm[i, j]:g}", ha="center", va="center", color=color, fontsize=8)
    ticks = np.arange(k)
    names = [str(c) for c in labels]
    ax.set_xticks(ticks, names, rotation=45 if max(map(len, names)) > 3 else 0)
    ax.set_yticks(ticks, names)
    ax.set(xlabel="predicted", ylabel="true", title=title)
    return _finish(fig, path)


def plot_roc_curve(
    y_true: Any, scores: Any, path: PathLike | None = None, *, title: str = "ROC curve"
) -> Any:
    """Receiver operating characteristic: TPR = TP / (TP + FN) against FPR = FP / (FP + TN)
    as the decision threshold on ``scores`` falls; the area under it (AUC) in the legend.

    Parameters
    ----------
    y_true : array_like, shape (n,)
        0/1 (or False/True): 1 is the positive class.
    scores : array_like, shape (n,)
        Scores of the positive class (a probability or a logit).

    Returns
    -------
    matplotlib.figure.Figure
        Line 0 is the curve (``get_xdata()`` FPR, ``get_ydata()`` TPR, as
        ``sklearn.metrics.roc_curve``), line 1 the chance diagonal.
    """
    from sklearn.metrics import auc, roc_curve

    y_true, scores = np.asarray(y_true).ravel(), np.asarray(scores, dtype=np.float64).ravel()
    if len(y_true) != len(scores):
        raise ValueError(
            f"plot_roc_curve: {len(y_true)} labels but {len(scores)} scores; one score each"
        )
    if len(np.unique(y_true)) != 2:
        raise ValueError("plot_roc_curve: y_true must hold both classes (0 and 1)")
    fpr, tpr, _ = roc_curve(y_true, scores)
    fig = _figure(5.0, 5.0)
    ax = fig.subplots()
    ax.plot(fpr, tpr, label=f"AUC = {auc(fpr, tpr):.4f}")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="chance")
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title=title)
    ax.set(xlim=(0, 1), ylim=(0, 1.01))
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    return _finish(fig, path)


def decision_grid(
    model: Any,
    X: Any,
    resolution: int = 200,
    preprocessing: Any = None,
    margin: float = 0.5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The predicted class on a grid over the range of 2-D X (plus ``margin``).

    Returns
    -------
    xx, yy : arrays, shape (resolution, resolution)
        Grid coordinates in the units of X.
    classes : int array, shape (resolution, resolution)
        Arg-max class index of the model at each grid point (threshold 0 for one logit).
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
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    if preprocessing is not None:
        grid = preprocessing.transform(grid)
    scores = _class_scores(_outputs(model, grid))
    return xx, yy, scores.argmax(axis=1).reshape(xx.shape)


def plot_decision_boundary(
    model: Any,
    X: Any,
    y: Any,
    path: PathLike | None = None,
    *,
    preprocessing: Any = None,
    resolution: int = 200,
    title: str = "Decision boundary",
) -> Any:
    """The regions where a classifier of 2-D inputs predicts each class, with the samples.

    Parameters
    ----------
    model : nn.Module
        Outputs one logit (class 1 where z > 0) or one score per class (arg-max).
    X : array_like, shape (n, 2)
        Raw inputs; ``preprocessing.transform`` is applied to the grid before the model.
    y : array_like, shape (n,)
        Class labels of the samples (their colour).
    preprocessing : Preprocessor, optional

    Returns
    -------
    matplotlib.figure.Figure
        Its axes hold the filled regions and one scatter of the samples.
    """
    xx, yy, classes = decision_grid(model, X, resolution, preprocessing)
    X = np.asarray(X, dtype=np.float64)
    _, y_codes = np.unique(np.asarray(y), return_inverse=True)
    fig = _figure(5.5, 5.0)
    ax = fig.subplots()
    k = max(int(classes.max()), int(y_codes.max())) + 1
    ax.contourf(xx, yy, classes, levels=np.arange(k + 1) - 0.5, cmap="coolwarm", alpha=0.3)
    ax.scatter(X[:, 0], X[:, 1], c=y_codes, cmap="coolwarm", edgecolors="k", vmin=0, vmax=k - 1)
    ax.set(xlabel="x1", ylabel="x2", title=title)
    return _finish(fig, path)


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
