"""Checking and shaping the data given to ``rb.fit`` before the first update.

Everything a user can get wrong is caught here with one clear ``ValueError``, before any
weight changes: NaN/inf in X or y (how many and where), different sample counts, a feature
width the first layer does not take (naming the layer, expected and actual width), class
labels outside the model's outputs, targets whose shape does not match the output.

X is cast to the dtype of the model's parameters; targets become int64 class indices for
cross-entropy / NLL and floats shaped like the output for BCE and regression losses
(``(N,)`` becomes ``(N, 1)`` when the model has one output).

A DataLoader given to fit is wrapped in ``LoaderData``: its first batch goes through the
same checks, and every batch is then converted the way the first one was.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import nn
from .. import random as _random
from ..autograd import no_grad
from ..data.validation import check_finite, check_labels
from ..nn import functional as F
from ..tensor import Tensor

__all__ = ["LoaderData", "check_loss", "loss_task", "prepare", "split_validation"]

_TASKS: list[tuple[Any, str]] = [
    ((nn.CrossEntropyLoss, nn.NLLLoss, F.cross_entropy, F.nll_loss), "multiclass"),
    ((nn.BCEWithLogitsLoss, F.binary_cross_entropy_with_logits), "binary_logits"),
    ((nn.BCELoss, F.binary_cross_entropy), "binary_probs"),
    ((nn.MSELoss, nn.L1Loss, F.mse_loss, F.l1_loss), "regression"),
]


def loss_task(loss: Any) -> str:
    """What a loss says about the task: "multiclass", "binary_logits", "binary_probs",
    "regression" or "other" (any other loss module or function)."""
    from .objective import ScaledLoss

    if isinstance(loss, ScaledLoss):
        return loss_task(loss.loss)
    for kinds, task in _TASKS:
        for kind in kinds:
            if (isinstance(kind, type) and isinstance(loss, kind)) or loss is kind:
                return task
    return "other"


def _as_array(a: Any, name: str) -> np.ndarray:
    if isinstance(a, Tensor):
        arr = a._data
    elif hasattr(a, "detach") and hasattr(a, "numpy"):  # torch.Tensor
        arr = a.detach().cpu().numpy()
    else:
        arr = np.asarray(a)
    if arr.dtype.kind not in "biuf":
        raise ValueError(
            f"{name} must hold numbers, got dtype {arr.dtype} "
            "(encode text labels as integers first, e.g. with sklearn's LabelEncoder)"
        )
    if arr.ndim == 0 or len(arr) == 0:
        raise ValueError(f"{name} must have at least one sample, got shape {arr.shape}")
    return arr


def param_dtype(model: Any) -> np.dtype:
    """The dtype of the model's first floating parameter (float32 for a model without any)."""
    for p in model.parameters():
        if p._data.dtype.kind == "f":
            return p._data.dtype
    return np.dtype(np.float32)


def first_layer(model: Any) -> tuple[str, Any, int, int] | None:
    """(name, layer, expected width, axis of X it applies to) of the first layer with a
    declared input width: Linear (``in_features``, last axis), Conv (``in_channels``,
    axis 1), RNN/LSTM (``input_size``, last axis)."""
    for name, m in model.named_modules():
        for attr, axis in (("in_features", -1), ("in_channels", 1), ("input_size", -1)):
            width = getattr(m, attr, None)
            if isinstance(width, (int, np.integer)) and isinstance(m, nn.Module):
                return name or type(m).__name__, m, int(width), axis
    return None


def _check_width(model: Any, X: np.ndarray, name: str) -> None:
    found = first_layer(model)
    if found is None:
        return
    layer_name, layer, width, axis = found
    if X.ndim < 2 or X.shape[axis] != width:
        got = X.shape[axis] if X.ndim >= 2 else "no feature axis"
        what = "channels" if axis == 1 else "features"
        raise ValueError(
            f"{name} has {got} {what} (shape {X.shape}) but the first layer "
            f"'{layer_name}' ({layer!r}) expects {width}"
        )


def _output_shape(model: Any, X: np.ndarray, name: str) -> tuple[int, ...]:
    """Shape of one sample's output, from a forward pass on two samples in eval mode (no
    dropout, no random numbers drawn, no batch-norm statistics changed)."""
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            out = model(Tensor._make(X[:2], None))
    except ValueError as e:
        raise ValueError(f"the model cannot take {name} of shape {X.shape}: {e}") from e
    finally:
        model.train(was_training)
    if not isinstance(out, Tensor):
        raise TypeError(f"the model must return a Tensor, got {type(out).__name__}")
    return out.shape[1:]


def _class_targets(y: np.ndarray, out: tuple[int, ...], dtype: np.dtype, name: str) -> np.ndarray:
    if y.ndim >= 2 and y.shape[1:] == out and y.dtype.kind == "f":  # class probabilities
        return np.ascontiguousarray(y, dtype=dtype)
    n_classes = out[0] if out else 1
    labels = check_labels(y, classes=n_classes, name=f"{name} (the model has {n_classes} outputs)")
    return np.ascontiguousarray(labels, dtype=np.int64)


def _float_targets(
    y: np.ndarray, out: tuple[int, ...], dtype: np.dtype, name: str, binary: bool
) -> np.ndarray:
    if y.shape[1:] != out and y.ndim == 1 and out == (1,):
        y = y.reshape(-1, 1)
    if y.shape[1:] != out:
        raise ValueError(
            f"{name} has shape {y.shape}: one target of shape {y.shape[1:]} per sample, but the "
            f"model outputs shape {out} per sample"
        )
    if binary and (y.min() < 0 or y.max() > 1):
        bad = int(np.count_nonzero((y < 0) | (y > 1)))
        raise ValueError(
            f"{name} holds {bad} value(s) outside [0, 1] (e.g. {y[(y < 0) | (y > 1)][0]!r}); "
            "binary cross-entropy needs targets 0/1 (or probabilities)"
        )
    return np.ascontiguousarray(y, dtype=dtype)


def prepare(model: Any, X: Any, y: Any, task: str, name: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Checked, cast, contiguous ``(X, y)`` for training or validation.

    Raises
    ------
    ValueError
        NaN/inf in X or y; different numbers of samples; a feature width the first layer does
        not take; labels outside [0, n_outputs) for cross-entropy/NLL; targets outside
        [0, 1] for BCE; targets whose shape does not match the output.
    """
    x_name, y_name = f"{name}X".strip(), f"{name}y".strip()
    X, y = _as_array(X, x_name), _as_array(y, y_name)
    check_finite(X, x_name)
    check_finite(y, y_name)
    if len(X) != len(y):
        raise ValueError(
            f"{x_name} and {y_name} have different numbers of samples: "
            f"{x_name} has {len(X)}, {y_name} has {len(y)}"
        )
    dtype = param_dtype(model)
    X = np.ascontiguousarray(X, dtype=dtype)
    _check_width(model, X, x_name)
    out = _output_shape(model, X, x_name)
    if task == "multiclass":
        y = _class_targets(y, out, dtype, y_name)
    elif task in ("binary_logits", "binary_probs", "regression"):
        y = _float_targets(y, out, dtype, y_name, binary=task != "regression")
    elif y.dtype.kind == "f" or y.dtype.kind == "b":
        y = y.reshape(-1, 1) if y.ndim == 1 and out == (1,) else y
        y = np.ascontiguousarray(y, dtype=dtype)
    else:  # integer targets of a custom loss: keep them integers
        y = np.ascontiguousarray(y, dtype=np.int64)
    return X, y


def check_loss(model: Any, loss: Any, X: np.ndarray, y: np.ndarray) -> None:
    """Raise ValueError unless ``loss(model(X[:2]), y[:2])`` is one number (checked in eval
    mode under no_grad, before training)."""
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            value = loss(model(Tensor._make(X[:2], None)), Tensor._make(y[:2], None))
    finally:
        model.train(was_training)
    shape = getattr(value, "shape", None)
    if not isinstance(value, Tensor) or value._data.size != 1:
        raise ValueError(
            f"the loss must return a one-element Tensor (reduction 'mean' or 'sum'), got "
            f"{type(value).__name__} of shape {shape}"
        )


def split_validation(
    X: np.ndarray, y: np.ndarray, validation_split: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The last ``validation_split`` fraction of the samples (before any shuffling) becomes
    the validation set, as in Keras: train = [:k], validation = [k:],
    k = floor(N (1 - validation_split))."""
    if not 0.0 <= validation_split < 1.0:
        raise ValueError(f"validation_split must be in [0, 1), got {validation_split}")
    k = int(np.floor(len(X) * (1.0 - validation_split)))
    if k == 0 or k == len(X):
        raise ValueError(
            f"validation_split={validation_split} of {len(X)} samples leaves "
            f"{k} for training and {len(X) - k} for validation; both must be at least 1"
        )
    return X[:k], y[:k], X[k:], y[k:]


def peek(loader: Any) -> Any:
    """The loader's first batch, taken without moving the random generators it draws from
    (rosenblatt's global one and any NumPy Generator held by the loader or its samplers):
    training then sees the same batches as if nobody had looked."""
    holders = [loader, getattr(loader, "sampler", None), getattr(loader, "batch_sampler", None)]
    holders.append(getattr(holders[-1], "sampler", None))
    found = [_random.get_rng()] + [getattr(h, "generator", None) for h in holders]
    rngs = {id(g): g for g in found if isinstance(g, np.random.Generator)}.values()
    states = [(g, g.bit_generator.state) for g in rngs]
    try:
        return next(iter(loader))
    except StopIteration:
        raise ValueError("the DataLoader yields no batches") from None
    finally:
        for g, state in states:
            g.bit_generator.state = state


class LoaderData:
    """A DataLoader as fit's data: (x, t) arrays per batch, converted as the first batch was.

    The first batch goes through ``prepare`` before training (NaN/inf, feature width,
    label range, target shape); every batch is then cast without further checks: x to the
    parameters' dtype, t to the dtype and per-sample shape the first batch's targets got
    (e.g. ``(B,)`` -> ``(B, 1)`` for a model with one output). Each iteration is a new pass
    over the loader, so its sampler shuffles every epoch.

    Parameters
    ----------
    loader : rb.utils.data.DataLoader
        Yielding (x, y) pairs (tuples or lists of two Tensors or arrays).
    model : nn.Module
    task : str
        ``loss_task`` of the loss.
    name : str
        Prefix of the names in error messages ("validation_data ").
    """

    def __init__(self, loader: Any, model: Any, task: str, name: str = "") -> None:
        self.loader, self.name = loader, f"{name}DataLoader batch "
        self.first = prepare(model, *self._pair(peek(loader)), task, self.name)
        X, y = self.first
        self.x_dtype, self.y_dtype, self.y_shape = X.dtype, y.dtype, y.shape[1:]
        try:
            self.steps: int | None = len(loader)
        except TypeError:  # a stream without a length
            self.steps = None

    def _pair(self, batch: Any) -> tuple[Any, Any]:
        if not isinstance(batch, (tuple, list)) or len(batch) != 2:
            what = f"{len(batch)} items" if isinstance(batch, (tuple, list)) else "one item"
            raise ValueError(
                f"fit needs (x, y) pairs from the DataLoader, got {type(batch).__name__} of {what}"
            )
        return batch[0], batch[1]

    @property
    def samples(self) -> int | None:
        """Samples per epoch as far as the loader knows them (its sampler's length)."""
        try:
            return len(self.loader.sampler)
        except TypeError:
            return None

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for batch in self.loader:
            x, y = self._pair(batch)
            x, y = np.asarray(x), np.asarray(y)
            y = y.reshape(len(y), *self.y_shape)
            yield (
                np.ascontiguousarray(x, dtype=self.x_dtype),
                np.ascontiguousarray(y, dtype=self.y_dtype),
            )
