"""Predictions of a trained recipe model: scores, labels or values, and the metrics of
``score`` (accuracy, precision, recall, F1, ROC AUC for classification; MSE, MAE, R2 for
regression), with the preprocessing the model was trained with.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import nn
from ..data import (
    check_finite,
    check_labels,
)
from ..preprocessing import Preprocessor
from ..tensor import Tensor


def _outputs(model: nn.Module, X: np.ndarray) -> np.ndarray:
    """The model's outputs for X, in the dtype of its weights (float32 without any);
    ValueError unless they are one row of scores per sample."""
    from ..autograd import no_grad

    model.eval()
    floats = (p.dtype for p in model.parameters() if np.dtype(p.dtype).kind == "f")
    dtype = next(floats, np.dtype(np.float32))
    with no_grad():
        out = model(Tensor._make(np.ascontiguousarray(X, dtype=dtype), None))
    if not isinstance(out, Tensor) or out.ndim not in (1, 2) or out.shape[0] != len(X):
        what = f"shape {out.shape}" if isinstance(out, Tensor) else type(out).__name__
        raise ValueError(
            f"the model's output for {len(X)} samples is a {what}, not one row of outputs "
            f"per sample ({len(X)}, k): a model for predictions maps (samples, features) to "
            "(samples, outputs) -- is its first layer a recurrent one?"
        )
    return out._data


def _kind(model: nn.Module, preprocessing: Preprocessor | None, out: np.ndarray) -> str:
    if preprocessing is None or preprocessing.task == "regression":
        return "regression"
    k = out.shape[1]
    classes = preprocessing.classes_
    n_classes = 0 if classes is None else len(classes)
    if k != n_classes and not (k == 1 and n_classes == 2):
        raise ValueError(
            f"the model has {k} output(s) but its preprocessing lists {n_classes} classes "
            "(one output per class, or one logit for two classes)"
        )
    return "binary" if k == 1 else "multiclass"


def predict_scores(model: nn.Module, X: Any, preprocessing: Preprocessor | None) -> np.ndarray:
    """Class probabilities (n, k) for a classifier -- softmax of the logits, or for one
    output [1 - sigmoid(z), sigmoid(z)] -- or targets in the original units for a regressor.

    ``X`` holds raw (unscaled) features; the stored preprocessing is applied first.
    """
    Xs = np.asarray(X) if preprocessing is None else preprocessing.transform(X)
    out = _outputs(model, Xs).astype(np.float64).reshape(len(Xs), -1)
    kind = _kind(model, preprocessing, out)
    if kind == "regression":
        if preprocessing is None:
            return out
        return preprocessing.inverse_transform_targets(out.reshape(len(out), -1))
    if kind == "binary":  # the ops' sigmoid and softmax (stable for any z)
        p = nn.functional.sigmoid(Tensor._make(out[:, 0], None))._data
        return np.stack([1.0 - p, p], axis=1)
    return nn.functional.softmax(Tensor._make(out, None), dim=1)._data


def predict(model: nn.Module, X: Any, preprocessing: Preprocessor | None) -> np.ndarray:
    """The original class labels (arg-max of the scores) or unscaled regression targets."""
    scores = predict_scores(model, X, preprocessing)
    if preprocessing is None or preprocessing.task == "regression":
        return scores[:, 0] if scores.ndim == 2 and scores.shape[1] == 1 else scores
    return preprocessing.inverse_transform_labels(scores.argmax(axis=1))


def score(model: nn.Module, X: Any, y: Any, preprocessing: Preprocessor | None) -> dict[str, Any]:
    """Test metrics: accuracy and the confusion matrix (rows true, columns predicted, in
    the order of ``classes``) for classifiers, plus precision, recall, F1 and ROC AUC of
    the second class for two classes; R², MSE and MAE in target units for regressors.

    Raises
    ------
    ValueError
        Labels that are not among the model's classes, NaN/inf in X or y.
    """
    from sklearn import metrics as skm

    scores = predict_scores(model, X, preprocessing)
    n = len(scores)
    if preprocessing is None or preprocessing.task == "regression":
        pred = scores.reshape(n, -1)
        t = check_finite(np.asarray(y, dtype=np.float64).reshape(n, -1), "y")
        return {
            "n_samples": n,
            "r2": float(skm.r2_score(t, pred)),
            "mse": float(skm.mean_squared_error(t, pred)),
            "mae": float(skm.mean_absolute_error(t, pred)),
        }
    classes = preprocessing.classes_
    if classes is None:
        raise ValueError("the model's preprocessing holds no class labels")
    true_idx = preprocessing.transform_labels(check_labels(y, classes.tolist(), name="y"))
    pred_idx = scores.argmax(axis=1)
    k = len(classes)
    out: dict[str, Any] = {
        "n_samples": n,
        "accuracy": float(np.mean(pred_idx == true_idx)),
        "n_correct": int(np.sum(pred_idx == true_idx)),
        "classes": classes.tolist(),
        "confusion_matrix": skm.confusion_matrix(true_idx, pred_idx, labels=range(k)).tolist(),
    }
    if k == 2:
        out["precision"] = float(skm.precision_score(true_idx, pred_idx, zero_division=0))
        out["recall"] = float(skm.recall_score(true_idx, pred_idx, zero_division=0))
        out["f1"] = float(skm.f1_score(true_idx, pred_idx, zero_division=0))
        if len(np.unique(true_idx)) == 2:
            out["roc_auc"] = float(skm.roc_auc_score(true_idx, scores[:, 1]))
    return out
