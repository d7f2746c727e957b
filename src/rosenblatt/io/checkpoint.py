"""Model files: a model with its preprocessing, class labels and metadata written as its
weights plus its architecture (``_save_model``), and read back as a :class:`Checkpoint`
(``load_checkpoint``) after checking that architecture, weights and preprocessing agree.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..nn.module import Module
from ..preprocessing import Preprocessor
from ..tensor import Tensor
from .architecture import (
    _MAX_ARCH_TEXT,
    _Budget,
    _build,
    _build_checked,
    _registry,
    _rng_untouched,
    module_config,
)
from .files import FileLike, _name_of
from .safetensors_file import (
    _ARCH,
    _CLASSES,
    _KIND,
    _META,
    _PRE,
    _VERSION,
    _json_loads,
    _short,
    _write_safetensors,
    read_safetensors,
)


@dataclass
class Checkpoint:
    """What a model file holds: the rebuilt model and the JSON parts of ``__metadata__``."""

    model: Module
    preprocessing: Preprocessor | None = None
    classes: list[Any] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, (np.generic, np.ndarray)):
        return obj.tolist()
    raise TypeError(f"{type(obj).__name__} is not JSON-serialisable")


def _save_model(
    model: Module, f: FileLike, preprocessing: Any, classes: Any, metadata: Any
) -> None:
    """A model file: the weights + architecture/preprocessing/classes/metadata JSON."""
    config = module_config(model)
    weights = {k: np.asarray(v) for k, v in model.state_dict().items()}
    _check_rebuilds(config, weights)
    preprocessing, classes = _labels_of(model, preprocessing, classes)
    _check_consistency(model, preprocessing, classes, "rb.save")
    try:
        meta = {
            "format": "pt",
            _KIND: "model",
            _VERSION: _library_version(),
            _ARCH: json.dumps(config, allow_nan=False),
            _PRE: "null" if preprocessing is None else preprocessing.to_json(),
            _CLASSES: json.dumps(classes, default=_json_default, allow_nan=False),
            _META: json.dumps(dict(metadata or {}), default=_json_default),
        }
    except (TypeError, ValueError) as e:
        raise ValueError(f"rb.save: cannot write the metadata as JSON: {e}") from e
    _write_safetensors(f, weights, meta)


def _check_rebuilds(config: dict[str, Any], weights: dict[str, np.ndarray]) -> None:
    """The recorded architecture must rebuild into weights of exactly these names and shapes."""
    with _rng_untouched():
        spec = json.loads(json.dumps(config))
        built = _build(spec, "model", _registry(), budget=_Budget(initialise=False))
        rebuilt = built.state_tensors()
    mismatch = sorted(set(rebuilt) ^ set(weights)) + [
        k for k in rebuilt if k in weights and rebuilt[k]._data.shape != weights[k].shape
    ]
    if mismatch:
        raise ValueError(
            f"rb.save: the architecture recorded from the constructors does not match the "
            f"model's weights at {mismatch[:5]} (were layers added or replaced after "
            "construction? build the model with its final layers, or use Sequential.append)"
        )


def _labels_of(model: Module, preprocessing: Any, classes: Any) -> tuple[Any, list | None]:
    """The preprocessing and class labels to store: given, else found on the model."""
    found = getattr(model, "preprocessing", None)
    if preprocessing is None and isinstance(found, Preprocessor):
        preprocessing = found
    if isinstance(preprocessing, Mapping):
        preprocessing = Preprocessor.from_dict(dict(preprocessing))
    if preprocessing is not None and not isinstance(preprocessing, Preprocessor):
        raise TypeError(
            f"rb.save: preprocessing must be a Preprocessor, got {type(preprocessing).__name__}"
        )
    if classes is None and preprocessing is not None and preprocessing.classes_ is not None:
        classes = preprocessing.classes_
    found = getattr(model, "classes", None)
    if classes is None and isinstance(found, list):
        classes = found
    if classes is not None:
        labels = np.asarray(classes)
        if labels.ndim != 1:
            raise ValueError(f"rb.save: classes must be a 1-D sequence of labels, got {classes!r}")
        classes = labels.tolist()
    return preprocessing, classes


def _library_version() -> str:
    from .. import __version__

    return __version__


def load_checkpoint(f: FileLike) -> Checkpoint:
    """Read a model file written by ``rb.save(model, ...)``: the model (eval mode) and its
    JSON parts. ``f`` is a path or an open binary file.

    Raises
    ------
    OSError
        The file cannot be read.
    ValueError
        A malformed or hostile file (see the package docstring), or a file that is not a
        rosenblatt model.
    """
    arrays, meta = read_safetensors(f)
    where = _name_of(f)
    if meta.get(_KIND) != "model" or _ARCH not in meta:
        raise ValueError(
            f"{where} is not a rosenblatt model file (its metadata has no architecture); "
            "plain weights load with rb.load + model.load_state_dict"
        )
    return _model_checkpoint(arrays, meta, where)


def _model_checkpoint(
    arrays: dict[str, np.ndarray], meta: dict[str, str], where: str
) -> Checkpoint:
    if len(meta[_ARCH]) > _MAX_ARCH_TEXT:
        raise ValueError(
            f"{where}: the architecture is {len(meta[_ARCH]):,} characters of JSON, more than "
            f"the {_MAX_ARCH_TEXT:,} any network rosenblatt builds needs; refused unread"
        )
    config = _json_loads(meta[_ARCH], f"{where}: the architecture")
    try:
        model = _build_checked(config, _Budget.for_file(arrays))
    except ValueError as e:
        raise ValueError(f"{where}: {e}") from e
    _assign_weights(model, arrays, where)
    model.eval()

    pre_json = _json_loads(meta.get(_PRE, "null"), f"{where}: the preprocessing")
    preprocessing = None if pre_json is None else Preprocessor.from_dict(pre_json)
    classes = _json_loads(meta.get(_CLASSES, "null"), f"{where}: the classes")
    if classes is not None and not (
        isinstance(classes, list) and all(isinstance(c, (str, int, float, bool)) for c in classes)
    ):
        raise ValueError(f"{where}: the classes must be a list of labels")
    metadata = _json_loads(meta.get(_META, "{}"), f"{where}: the metadata", strict=False)
    if not isinstance(metadata, dict):
        raise ValueError(f"{where}: the metadata must be a JSON object")
    _check_consistency(model, preprocessing, classes, where)
    return Checkpoint(model, preprocessing, classes, metadata)


def _check_consistency(
    model: Module, preprocessing: Preprocessor | None, classes: list | None, where: str
) -> None:
    """A model file's parts agree: finite weights; the class labels of the metadata and of
    the preprocessing are the same; the model takes the preprocessing's features and gives
    one output per class (one logit for two) or per regression target."""
    for name, t in model.state_tensors().items():
        if t._data.dtype.kind == "f" and not np.isfinite(t._data).all():
            raise ValueError(f"{where}: weight {name!r} holds NaN or inf values")
    if preprocessing is None:
        return
    own = preprocessing.classes_
    if classes is not None and own is not None and classes != own.tolist():
        raise ValueError(
            f"{where}: the class labels {_short(classes)} differ from those of the "
            f"preprocessing {_short(own.tolist())}"
        )
    n = preprocessing.n_features_in_
    if n is None:
        return
    from ..nn.loss import _Loss

    losses = [type(m).__name__ for m in model.modules() if isinstance(m, _Loss)]
    if losses:
        raise ValueError(
            f"{where}: the model holds a loss function ({losses[0]}) among its layers; a model "
            "with a preprocessing maps features to outputs"
        )
    k = _probe_width(model, n, where)
    if preprocessing.task == "classification" and own is not None:
        if k != len(own) and not (k == 1 and len(own) == 2):
            raise ValueError(
                f"{where}: the model has {k} output(s) for {len(own)} classes (one output "
                "per class, or one logit for two classes)"
            )
    target = preprocessing.target_scaler_
    if target is not None and target.n_features_in_ != k:
        raise ValueError(
            f"{where}: the model has {k} output(s), its target scaling {target.n_features_in_}"
        )


def _probe_width(model: Module, n_features: int, where: str) -> int:
    """The number of outputs the model gives for one sample of ``n_features``."""
    from ..autograd import no_grad

    floats = [t._data.dtype for t in model.parameters() if t._data.dtype.kind == "f"]
    probe = Tensor._make(np.zeros((1, n_features), floats[0] if floats else np.float32), None)
    training = model.training
    model.eval()
    try:
        with no_grad(), np.errstate(all="ignore"):
            out = model(probe)
    except (ValueError, TypeError, IndexError, RuntimeError, AttributeError) as e:
        raise ValueError(
            f"{where}: the model does not take the {n_features} features of its "
            f"preprocessing: {type(e).__name__}: {e}"
        ) from e
    finally:
        model.train(training)
    if not isinstance(out, Tensor) or out.ndim != 2 or out.shape[0] != 1:
        what = f"shape {out.shape}" if isinstance(out, Tensor) else type(out).__name__
        raise ValueError(
            f"{where}: the model's output for one sample is a {what}, not one row of outputs"
        )
    return int(out.shape[1])


def _assign_weights(model: Module, arrays: dict[str, np.ndarray], where: str) -> None:
    """Put the file's arrays into the rebuilt model: same names, shapes and dtype kinds."""
    own = model.state_tensors()
    missing = [k for k in own if k not in arrays]
    unexpected = [k for k in arrays if k not in own]
    if missing or unexpected:
        raise ValueError(
            f"{where}: the weights do not match the architecture: missing {missing[:5]}, "
            f"unexpected {unexpected[:5]}"
        )
    for k, t in own.items():
        arr = arrays[k]
        if arr.shape != t._data.shape:
            raise ValueError(
                f"{where}: weight {k!r} has shape {arr.shape}, the architecture needs "
                f"{t._data.shape}"
            )
        if arr.dtype.kind != t._data.dtype.kind:
            raise ValueError(
                f"{where}: weight {k!r} has dtype {arr.dtype}, the architecture needs a "
                f"{t._data.dtype} kind of array"
            )
    for k, t in own.items():
        t._data = arrays[k]  # the file's dtype (float32/float64); each array is used once
        t._grad = None
